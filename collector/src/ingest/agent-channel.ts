import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type CollectorBody, type CollectorMessageType, ErrorCodes, type ErrorKey, type HelloBody, MAX_FRAME_BYTES } from '@vigie/shared';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ClusterBus, ClusterMessage } from '../cluster/bus.js';
import { inBusParts } from '../cluster/cluster-messages.js';
import type { StoreHealth } from '../store/health.js';
import type { RelationalStore } from '../store/relational-store.js';
import { type AgentAuthResult, type AgentIdentity, authenticateAgent } from './agent-auth.js';
import { AgentConnection } from './agent-connection.js';
import type { IngestPipeline } from './pipeline.js';
import { type ChannelSettings, defaultPolicy } from './policy.js';

export const AGENT_CHANNEL_PATH = '/api/v1/agent';

export interface ChannelStats {
  connections: number;
  framesReceived: number;
  framesRefused: number;
  duplicates: number;
  authFailures: number;
  /** Acknowledged frames agents said they had that the store no longer has (it lost committed data). */
  storeLostFrames: number;
  /** Connections told to wait because the store cannot take data. */
  pauses: number;
}

export interface AgentChannelEvents {
  /** The merged policy of a device (defaults when not given). */
  policyFor?(deviceId: number): Promise<CollectorBody<'policy'>>;
  onHello?(agent: AgentIdentity, hello: HelloBody): void;
  onDisconnect?(agent: AgentIdentity): void;
}

/**
 * The agent channel: authenticates the upgrade with the agent's own credential, validates every
 * frame, hands data frames to the ingest pipeline and acknowledges them once committed.
 * Any refused frame gets an explicit error code and closes that connection only.
 */
export class AgentChannel {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES * 2, perMessageDeflate: false, clientTracking: false });
  private readonly conns = new Map<string, AgentConnection>();
  /** Which collector process holds each connected agent, cluster-wide. */
  /** Agents held by other processes of the cluster: agent id → node id. */
  private readonly online = new Map<string, string>();
  /** Until when each node's last list of held agents counts (a node that stopped sending it died or was cut off). */
  private readonly heldUntil = new Map<string, number>();
  /** Parts of another node's list received so far in its current round. */
  private readonly heldRounds = new Map<string, { round: number; agentIds: string[] }>();
  private heldRound = 0;
  private readonly heartbeat: NodeJS.Timeout;
  readonly stats: ChannelStats = { connections: 0, framesReceived: 0, framesRefused: 0, duplicates: 0, authFailures: 0, storeLostFrames: 0, pauses: 0 };
  private closing = false;

  constructor(
    readonly db: RelationalStore,
    readonly pipeline: IngestPipeline,
    readonly settings: ChannelSettings,
    readonly log: Logger,
    readonly bus: ClusterBus,
    readonly events: AgentChannelEvents = {},
    readonly health?: StoreHealth,
  ) {
    // The store takes data again: every agent told to wait gets an ack, which resumes its sending.
    health?.onChange((c) => {
      if (c.state === 'ok') for (const conn of this.conns.values()) conn.resume();
    });
    bus.subscribe((m) => {
      if (m.type === 'agent-connected') this.online.set(m.agentId, m.nodeId);
      else if (m.type === 'agent-disconnected') {
        if (this.online.get(m.agentId) === m.nodeId) this.online.delete(m.agentId);
      } else if (m.type === 'agents-held') {
        if (m.nodeId !== bus.nodeId) this.heldPart(m);
      } else if (m.type === 'agent-revoked') this.conns.get(m.agentId)?.fail('AGENT_REVOKED');
      else if (m.type === 'policy-changed') {
        const ids = new Set(m.deviceIds);
        for (const c of this.conns.values()) if (ids.has(c.deviceId)) void c.sendPolicy();
      }
    });
    this.heartbeat = setInterval(() => this.beat(), settings.heartbeatSec * 1000);
    this.heartbeat.unref();
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closing) {
      rejectUpgrade(socket, 'SHUTTING_DOWN');
      return;
    }
    authenticateAgent(this.db, req.headers.authorization).then(
      (auth) => this.admit(req, socket, head, auth),
      (err: unknown) => {
        this.log.error({ err, ip: req.socket.remoteAddress }, 'agent connection: the credential could not be checked');
        rejectUpgrade(socket, 'INTERNAL');
      },
    );
  }

  private admit(req: IncomingMessage, socket: Duplex, head: Buffer, auth: AgentAuthResult): void {
    if (this.closing) {
      rejectUpgrade(socket, 'SHUTTING_DOWN');
      return;
    }
    if (!auth.ok) {
      this.stats.authFailures++;
      this.log.warn({ code: ErrorCodes[auth.key].code, ip: req.socket.remoteAddress }, 'agent connection refused');
      rejectUpgrade(socket, auth.key);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, auth.agent));
  }

  private attach(ws: WebSocket, agent: AgentIdentity): void {
    const previous = this.conns.get(agent.agentId);
    if (previous) previous.fail('CONNECTION_REPLACED');
    const conn = new AgentConnection(this, ws, agent);
    this.conns.set(agent.agentId, conn);
    this.stats.connections = this.conns.size;
    this.bus.publish({ type: 'agent-connected', agentId: agent.agentId, nodeId: this.bus.nodeId });
    ws.on('close', () => {
      if (this.conns.get(agent.agentId) === conn) {
        this.conns.delete(agent.agentId);
        this.bus.publish({ type: 'agent-disconnected', agentId: agent.agentId, nodeId: this.bus.nodeId });
      }
      this.stats.connections = this.conns.size;
      conn.closed = true;
      this.events.onDisconnect?.(agent);
    });
  }

  /** The agent's highest committed seq as stored now. */
  async committedSeqOf(agentId: string): Promise<number | undefined> {
    const row = await this.db.kysely.selectFrom('agents').select('last_seq').where('id', '=', agentId).executeTakeFirst();
    return row ? Number(row.last_seq) : undefined;
  }

  /** Connected to this collector process or to another one of the cluster. */
  isConnected(agentId: string): boolean {
    if (this.conns.has(agentId)) return true;
    const node = this.online.get(agentId);
    return node !== undefined && (this.heldUntil.get(node) ?? Number.POSITIVE_INFINITY) > Date.now();
  }

  private heldPart(m: Extract<ClusterMessage, { type: 'agents-held' }>): void {
    let round = this.heldRounds.get(m.nodeId);
    if (!round || round.round !== m.round) {
      round = { round: m.round, agentIds: [] };
      this.heldRounds.set(m.nodeId, round);
    }
    round.agentIds.push(...m.agentIds);
    if (!m.last) return;
    this.heldRounds.delete(m.nodeId);
    this.replaceHeldBy(m.nodeId, round.agentIds, m.validForMs);
  }

  private replaceHeldBy(nodeId: string, agentIds: string[], validForMs: number): void {
    for (const [agentId, node] of this.online) if (node === nodeId) this.online.delete(agentId);
    for (const agentId of agentIds) this.online.set(agentId, nodeId);
    this.heldUntil.set(nodeId, Date.now() + validForMs);
  }

  /** Tells the other processes which agents this one holds (valid for three heartbeats). */
  private announceHeld(): void {
    const ids = [...this.conns.keys()];
    const round = ++this.heldRound;
    const parts = inBusParts(ids);
    const validForMs = this.settings.heartbeatSec * 3000;
    for (const [i, agentIds] of parts.entries())
      this.bus.publish({ type: 'agents-held', nodeId: this.bus.nodeId, agentIds, validForMs, round, last: i === parts.length - 1 });
  }

  /** Connected to this very process (a message can be sent to it from here). */
  holds(agentId: string): boolean {
    return this.conns.has(agentId);
  }

  connectedAgents(): string[] {
    return [...this.conns.keys()];
  }

  async policyFor(deviceId: number): Promise<CollectorBody<'policy'>> {
    return (await this.events.policyFor?.(deviceId)) ?? defaultPolicy(this.settings);
  }

  /** Sends the new merged policy to these devices' agents, wherever in the cluster they are connected. */
  pushPolicy(deviceIds: number[]): void {
    if (deviceIds.length > 0) for (const part of inBusParts(deviceIds)) this.bus.publish({ type: 'policy-changed', deviceIds: part });
  }

  /** Sends a message to a connected agent; false if it is not connected. */
  send<T extends CollectorMessageType>(agentId: string, type: T, body: CollectorBody<T>): boolean {
    const c = this.conns.get(agentId);
    if (!c) return false;
    c.send(type, body);
    return true;
  }

  /** Closes the live connection of an agent whose credential was just revoked, wherever it is held. */
  revoke(agentId: string): void {
    this.bus.publish({ type: 'agent-revoked', agentId });
  }

  private beat(): void {
    for (const c of this.conns.values()) c.beat();
    this.announceHeld();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    for (const c of this.conns.values()) c.fail('SHUTTING_DOWN');
    this.conns.clear();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}

function rejectUpgrade(socket: Duplex, key: ErrorKey): void {
  const e = ErrorCodes[key];
  const body = JSON.stringify({ error: { code: e.code, message: e.message } });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Vigie-Error: ${e.code}\r\nConnection: close\r\n\r\n${body}`,
  );
}
