import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type CollectorBody,
  type CollectorMessageType,
  decodeAgentFrame,
  describeError,
  ErrorCodes,
  type ErrorKey,
  encodeMessage,
  type HelloBody,
  MAX_FRAME_BYTES,
  type SpoolReportBody,
} from '@vigie/shared';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { ClusterBus, ClusterMessage } from '../cluster/bus.js';
import { inBusParts } from '../cluster/cluster-messages.js';
import type { StoreHealth, StoreTrouble } from '../store/health.js';
import type { RelationalStore } from '../store/relational-store.js';
import { type AgentAuthResult, type AgentIdentity, authenticateAgent } from './agent-auth.js';
import type { FrameSink, PendingFrame } from './frame.js';
import type { IngestPipeline } from './pipeline.js';
import { type ChannelSettings, defaultPolicy } from './policy.js';

export const AGENT_CHANNEL_PATH = '/api/v1/agent';
/** An agent still sending while told to wait is told again at most this often. */
const PAUSE_REMINDER_MS = 30_000;
/** WebSocket close codes: 4000 + the HTTP-like status of the error. */
const closeCodeFor = (status: number) => 4000 + status;

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

class AgentConnection implements FrameSink {
  get deviceId(): number {
    return this.agent.deviceId;
  }

  private helloDone = false;
  /** Hello is settled (its ack sent): data frames before that are refused. */
  private acked = false;
  private committedSeq: number;
  private queuedSeq: number;
  private outSeq = 0;
  /** Told to wait (store full or damaged) and not resumed yet; when it was last told. */
  private pausedAt = 0;
  private pausable = false;
  generation = 0;
  private alive = true;
  private tokens: number;
  private lastRefill = Date.now();
  closed = false;
  /**
   * This connection's policy sends, one after the other: each reads the policy when its turn comes,
   * so an older read never overtakes a newer one and the last policy sent is the one in force after
   * the last change (the policy read is async; it used to be synchronous and could not interleave).
   */
  private policySends: Promise<void> = Promise.resolve();

  constructor(
    private readonly channel: AgentChannel,
    private readonly ws: WebSocket,
    private readonly agent: AgentIdentity,
  ) {
    this.committedSeq = agent.lastSeq;
    this.queuedSeq = agent.lastSeq;
    this.tokens = channel.settings.rateBurstFrames;
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('error', (err) => channel.log.debug({ agentId: agent.agentId, err: err.message }, 'agent socket error'));
  }

  send<T extends CollectorMessageType>(type: T, body: CollectorBody<T>): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(encodeMessage({ type, seq: ++this.outSeq, body }));
  }

  /**
   * Reads this device's policy and sends it, after the sends queued before. A policy that cannot be
   * read is not skipped: the error is logged and the connection closed, and the agent, reconnecting,
   * gets its policy with its hello. Never rejects.
   */
  sendPolicy(): Promise<void> {
    this.policySends = this.policySends.then(async () => {
      if (this.closed) return;
      try {
        const policy = await this.channel.policyFor(this.agent.deviceId);
        this.send('policy', policy);
      } catch (err) {
        this.channel.log.error(
          { agentId: this.agent.agentId, deviceId: this.agent.deviceId, err },
          'policy could not be read: the agent is disconnected and gets its policy when it reconnects',
        );
        this.fail('INTERNAL', 'could not read the policy; reconnect to receive it');
      }
    });
    return this.policySends;
  }

  beat(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  /** Sends an error and closes; `detail` replaces the catalogue message. */
  fail(key: ErrorKey, detail?: string, refSeq?: number): void {
    const e = ErrorCodes[key];
    const body: CollectorBody<'error'> = { code: e.code, message: detail ?? e.message, fatal: true };
    if (refSeq !== undefined) body.refSeq = refSeq;
    this.send('error', body);
    this.closed = true;
    this.ws.close(closeCodeFor(e.status), e.code);
  }

  private takeToken(): boolean {
    const now = Date.now();
    const s = this.channel.settings;
    this.tokens = Math.min(s.rateBurstFrames, this.tokens + ((now - this.lastRefill) / 1000) * s.rateFramesPerSec);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private onMessage(data: RawData, _isBinary: boolean): void {
    if (this.closed) return;
    const stats = this.channel.stats;
    stats.framesReceived++;
    const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (!this.takeToken()) {
      stats.framesRefused++;
      this.fail('RATE_LIMITED', `more than ${this.channel.settings.rateFramesPerSec} frames/s`);
      return;
    }
    const res = decodeAgentFrame(raw);
    if (!res.ok) {
      stats.framesRefused++;
      this.channel.log.warn({ agentId: this.agent.agentId, code: res.code, seq: res.seq }, 'agent frame refused');
      const e = describeError(res.code);
      this.send('error', { code: res.code, message: res.message, fatal: true, ...(res.seq !== undefined ? { refSeq: res.seq } : {}) });
      this.closed = true;
      this.ws.close(closeCodeFor(e?.status ?? 400), res.code);
      return;
    }
    const msg = res.msg;
    if (msg.type === 'hello') {
      this.onHello(msg.body);
      return;
    }
    if (!this.helloDone) {
      stats.framesRefused++;
      this.fail('HELLO_REQUIRED', undefined, msg.seq);
      return;
    }
    if (msg.type === 'spool-report') {
      this.storeSpoolReport(msg.body);
      return;
    }
    const health = this.channel.health;
    if (health && !health.acceptsData) {
      // Not queued: the agent keeps the frame and sends it again after the ack that resumes it.
      health.frameRefused();
      if (this.pausedAt === 0 || Date.now() - this.pausedAt > PAUSE_REMINDER_MS) this.storeRefused(health.condition.state as StoreTrouble);
      return;
    }
    if (this.pausedAt !== 0) {
      // Sent before our pause reached the agent, or after it resumed on its own: it is resent after the resuming ack.
      return;
    }
    if (msg.seq <= this.queuedSeq) {
      // A replay after reconnect: already committed (ack again) or already queued (ack will follow).
      stats.duplicates++;
      if (msg.seq <= this.committedSeq) this.send('ack', { seq: this.committedSeq });
      return;
    }
    this.queuedSeq = msg.seq;
    this.channel.pipeline.enqueue({ agentId: this.agent.agentId, deviceId: this.agent.deviceId, msg, receivedAt: Date.now(), values: res.values }, this);
  }

  /**
   * Hello's ack waits until everything received before (from an earlier connection of this agent)
   * is committed, and carries the agent's highest committed seq read then: the agent settles the
   * frames it is in doubt about on it, and resends from it. Its spool report is stored in the same
   * batch.
   */
  private onHello(hello: HelloBody): void {
    this.helloDone = true;
    // Agents that report their acknowledged seq (this protocol revision on) know how to wait when told to.
    this.pausable = hello.spool.ackedSeq !== undefined;
    this.channel.events.onHello?.(this.agent, hello);
    // The policy goes first, the hello's ack after it (as when the policy was read synchronously).
    const policySent = this.sendPolicy();
    const self = { hostname: hello.hostname, platform: hello.platform, arch: hello.arch, agentVersion: hello.agentVersion };
    this.enqueueReport({ nextSeq: hello.nextSeq, spool: hello.spool }, self, () => {
      if (this.closed) return;
      const before = this.committedSeq;
      // sendPolicy never rejects (a policy it cannot read closes the connection); the seq read may.
      Promise.all([policySent, this.channel.committedSeqOf(this.agent.agentId)]).then(
        ([, read]) => this.helloSettled(hello, before, read),
        (err: unknown) => {
          this.channel.log.error({ agentId: this.agent.agentId, err }, 'hello: the committed seq could not be read');
          this.fail('INTERNAL', 'could not read the committed sequence; reconnect');
        },
      );
    });
  }

  /** Hello's ack, once its policy is sent and the agent's committed seq read (see onHello). */
  private helloSettled(hello: HelloBody, before: number, read: number | undefined): void {
    if (this.closed) return;
    // A frame committed while the seq was being read (an agent that did not wait for hello's ack) keeps its ack.
    const stored = Math.max(read ?? this.committedSeq, this.committedSeq === before ? 0 : this.committedSeq);
    this.committedSeq = stored;
    this.queuedSeq = stored;
    const acked = hello.spool.ackedSeq ?? 0;
    if (acked > stored) {
      this.channel.stats.storeLostFrames += acked - stored;
      this.channel.log.error(
        { agentId: this.agent.agentId, deviceId: this.agent.deviceId, ackedSeq: acked, storedSeq: stored, frames: acked - stored },
        'the store lost frames it had acknowledged to this agent (damaged or rolled-back store): the agent resends them from its acknowledged window',
      );
    }
    this.acked = true;
    this.send('ack', { seq: this.committedSeq });
    if (!hello.inventoryHash || hello.inventoryHash !== this.agent.inventoryHash) {
      this.send('command', { commandId: `inv-${Date.now().toString(36)}`, action: 'refresh-inventory' });
    }
    const health = this.channel.health;
    if (health && !health.acceptsData) this.storeRefused(health.condition.state as StoreTrouble);
  }

  private storeSpoolReport(body: SpoolReportBody): void {
    if (this.channel.health && !this.channel.health.acceptsData) return; // the next report or hello carries the same totals
    this.enqueueReport(body);
  }

  private enqueueReport(body: SpoolReportBody, hello?: PendingFrame['hello'], then?: () => void): void {
    this.channel.pipeline.enqueue({
      agentId: this.agent.agentId,
      deviceId: this.agent.deviceId,
      msg: { v: 1, type: 'spool-report', seq: 0, ts: Date.now(), body },
      receivedAt: Date.now(),
      values: 0,
      ...(hello ? { hello } : {}),
      ...(then ? { onSettled: () => then() } : {}),
    });
  }

  committed(seq: number): void {
    if (seq > this.committedSeq) this.committedSeq = seq;
    if (this.pausedAt === 0) this.send('ack', { seq: this.committedSeq });
  }

  failed(seq: number, error: Error): void {
    this.channel.log.error({ agentId: this.agent.agentId, seq, err: error.message }, 'commit failed');
    this.generation++;
    // Not committed: the agent keeps the frame in its spool and sends it again after reconnecting.
    this.fail('INTERNAL', 'could not store the frame; it will be retried', seq);
  }

  /**
   * The store cannot take data: the agent is told once (not fatal, the connection stays) and waits
   * for an ack; frames it had in flight are forgotten here and resent then.
   */
  storeRefused(trouble: StoreTrouble): void {
    this.generation++;
    this.queuedSeq = this.committedSeq;
    if (!this.pausable) {
      // An older agent would not understand a pause: closed, it resends from its ack after its backoff.
      this.fail(trouble === 'full' ? 'STORE_FULL' : 'STORE_DAMAGED');
      return;
    }
    if (this.pausedAt === 0) this.channel.stats.pauses++;
    this.pausedAt = Date.now();
    this.send('error', {
      code: ErrorCodes[trouble === 'full' ? 'STORE_FULL' : 'STORE_DAMAGED'].code,
      message: ErrorCodes[trouble === 'full' ? 'STORE_FULL' : 'STORE_DAMAGED'].message,
      fatal: false,
      pause: true,
    });
  }

  /** The store takes data again: an ack tells the agent to resend what followed it. */
  resume(): void {
    if (this.pausedAt === 0 || !this.acked) return;
    this.pausedAt = 0;
    this.queuedSeq = this.committedSeq;
    this.send('ack', { seq: this.committedSeq });
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
