import {
  type CollectorBody,
  type CollectorMessageType,
  decodeAgentFrame,
  describeError,
  ErrorCodes,
  type ErrorKey,
  encodeMessage,
  type HelloBody,
  type SpoolReportBody,
} from '@vigie/shared';
import type { RawData, WebSocket } from 'ws';
import type { StoreTrouble } from '../store/health.js';
import type { AgentIdentity } from './agent-auth.js';
import type { AgentChannel } from './agent-channel.js';
import type { FrameSink, PendingFrame } from './frame.js';

/** An agent still sending while told to wait is told again at most this often. */
const PAUSE_REMINDER_MS = 30_000;
/** WebSocket close codes: 4000 + the HTTP-like status of the error. */
const closeCodeFor = (status: number) => 4000 + status;

/** One agent's WebSocket: its hello, its frames in order, acknowledgements, rate, pauses and policy sends. */
export class AgentConnection implements FrameSink {
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
