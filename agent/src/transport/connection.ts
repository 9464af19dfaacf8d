import {
  type CollectorMessage,
  type CommandBody,
  decodeCollectorFrame,
  encodeMessage,
  formatAgentCredential,
  type HelloBody,
  type PolicyBody,
} from '@vigie/shared';
import WebSocket from 'ws';
import type { Log } from '../log.js';
import { Backoff } from './backoff.js';
import { CollectorRotation } from './collector-rotation.js';
import { channelUrl } from './collector-urls.js';
import type { Spool } from './spool.js';

/** Refusals that will never change for the same frame: the frame is skipped, not resent forever. */
const POISON_CODES = new Set([
  'VIGIE_E_INVALID_BODY',
  'VIGIE_E_UNKNOWN_TYPE',
  'VIGIE_E_WRONG_DIRECTION',
  'VIGIE_E_FRAME_TOO_LARGE',
  'VIGIE_E_SEQ_INVALID',
  'VIGIE_E_INVALID_ENVELOPE',
  'VIGIE_E_MALFORMED_FRAME',
]);
/** A spool report is sent at most this often while its figures keep changing. */
const SPOOL_REPORT_EVERY_MS = 1000;
/** Refusals at the upgrade that retrying soon will not fix. */
const CREDENTIAL_CODES = new Set(['VIGIE_E_AGENT_BAD_CREDENTIAL', 'VIGIE_E_AGENT_REVOKED', 'VIGIE_E_AGENT_AUTH_REQUIRED']);

export interface ConnectionOptions {
  /** The collectors, primary first (checked by parseCollectorUrls); they share one store. */
  urls: readonly string[];
  agentId: string;
  secret: string;
  spool: Spool;
  log: Log;
  hello: () => HelloBody;
  onPolicy: (p: PolicyBody) => void;
  onCommand: (c: CommandBody) => void;
  /** A frame the collector will never accept; the caller may report it. */
  onRefused?: (seq: number, code: string, message: string) => void;
  /** Frames in flight without an ack. */
  window?: number;
  backoff?: Backoff;
  /** The spread of a fail-over's random delay (default 10 s). */
  failoverSpreadMs?: number;
  /** Heartbeat period until the collector's policy says otherwise. */
  heartbeatSec?: number;
  /** How long an accepted connection must stay up to count as a good one (default 30 s, see CollectorRotation). */
  stableMs?: number;
  /** The clock that measures it (tests move it by hand). */
  now?: () => number;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'stopped';

/**
 * The agent's side of the channel: connects with its credential, says hello, streams spooled
 * frames with a bounded window, trims the spool on each cumulative ack, and reconnects with
 * exponential backoff and jitter, failing over along its list of collectors (CollectorRotation).
 * A silent connection (no ping or message for 3 heartbeats) is dropped and re-established.
 *
 * Nothing acknowledged is lost across a fail-over: the spool keeps every frame until an ack, and
 * each connection starts from the new collector's first ack (its store's committed seq), resending
 * everything after it; frames the old collector committed but could not acknowledge are below that
 * seq and trimmed, frames it received but did not commit are sent again, and the store drops a
 * frame it already has on (agent, seq).
 */
export class CollectorConnection {
  private ws: WebSocket | undefined;
  private state: ConnectionState = 'idle';
  private ready = false;
  private sentUpTo = 0;
  private inflight: number[] = [];
  private pumping = false;
  /** The collector asked us to wait (its store is full or damaged) until its next ack. */
  private paused = false;
  private lastReport = '';
  private handling: Promise<void> = Promise.resolve();
  private reportTimer: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lastActivity = 0;
  private heartbeatSec: number;
  private readonly skip = new Set<number>();
  /** The connection whose first ack came (the collector accepted the agent on it). */
  private acceptedWs: WebSocket | undefined;
  private readonly rotation: CollectorRotation;
  private readonly window: number;
  readonly stats = { connects: 0, framesSent: 0, acks: 0, refusals: 0, pauses: 0, rewinds: 0, failovers: 0, staleMessages: 0, lastError: '' };

  constructor(private readonly o: ConnectionOptions) {
    this.rotation = new CollectorRotation(o.urls, o.backoff ?? new Backoff(), o.failoverSpreadMs, o.stableMs, o.now);
    this.window = o.window ?? 32;
    this.heartbeatSec = o.heartbeatSec ?? 30;
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** The collector the agent is connected to, or tries next. */
  get currentUrl(): string {
    return this.rotation.current;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.connect();
  }

  /** New records were appended: send them if the channel is up. */
  kick(): void {
    void this.pump();
  }

  /**
   * Tells the collector the spool's figures when they changed (losses above all), outside the
   * spool so the report cannot be dropped in turn; at most once a second. A report missed while
   * disconnected goes in the next hello.
   */
  reportSpool(): void {
    if (this.reportTimer || !this.ready) return;
    this.reportTimer = setTimeout(() => {
      this.reportTimer = undefined;
      const ws = this.ws;
      if (!this.ready || ws?.readyState !== WebSocket.OPEN) return;
      const spool = this.o.spool.report();
      // Pending figures change with every frame: only losses and doubts are worth a message.
      const key = JSON.stringify([spool.droppedFrames, spool.unspooledFrames, spool.inDoubtFrames, spool.drops?.at(-1)?.id]);
      if (key === this.lastReport) return;
      this.lastReport = key;
      ws.send(encodeMessage({ type: 'spool-report', seq: 0, body: { nextSeq: this.o.spool.stats().nextSeq, spool } }));
    }, SPOOL_REPORT_EVERY_MS);
    this.reportTimer.unref();
  }

  setHeartbeat(sec: number): void {
    if (sec === this.heartbeatSec) return;
    this.heartbeatSec = sec;
    // The checks follow the new period (a shorter one set by the policy would otherwise be noticed late).
    if (this.watchdog && this.ws?.readyState === WebSocket.OPEN) this.armWatchdog();
  }

  private armWatchdog(): void {
    clearInterval(this.watchdog);
    // A few checks per heartbeat period: enough to notice a dead link, few wake-ups when idle.
    this.watchdog = setInterval(() => this.checkAlive(), Math.max(1000, (this.heartbeatSec * 1000) / 3));
    this.watchdog.unref();
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    clearTimeout(this.timer);
    clearTimeout(this.reportTimer);
    clearInterval(this.watchdog);
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000, 'agent stopping');
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 2000).unref();
      });
    }
  }

  private connect(): void {
    if (this.state === 'stopped') return;
    this.state = 'connecting';
    this.ready = false;
    // TLS is checked against the system's CAs alike for every collector of the list (ws's default,
    // never relaxed), and a list never mixes TLS and plain URLs (parseCollectorUrls).
    const ws = new WebSocket(channelUrl(this.rotation.current), {
      headers: { authorization: `Bearer ${formatAgentCredential(this.o.agentId, this.o.secret)}` },
      handshakeTimeout: 15_000,
      perMessageDeflate: false,
      maxPayload: 16 * 1024 * 1024,
    });
    this.ws = ws;
    let refusedCode: string | undefined;
    ws.on('unexpected-response', (_req, res) => {
      refusedCode = String(res.headers['x-vigie-error'] ?? `HTTP ${res.statusCode}`);
      this.stats.lastError = refusedCode;
      this.o.log.warn('collector refused the connection', { code: refusedCode, status: res.statusCode });
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      this.state = 'open';
      this.stats.connects++;
      this.lastActivity = Date.now();
      this.inflight = [];
      this.paused = false;
      const hello = this.o.hello();
      this.lastReport = JSON.stringify([hello.spool.droppedFrames, hello.spool.unspooledFrames, hello.spool.inDoubtFrames, hello.spool.drops?.at(-1)?.id]);
      ws.send(JSON.stringify({ v: 1, type: 'hello', seq: 0, ts: Date.now(), body: hello }));
      this.armWatchdog();
    });
    ws.on('ping', () => {
      this.lastActivity = Date.now();
    });
    ws.on('pong', () => {
      this.lastActivity = Date.now();
    });
    ws.on('message', (data) => {
      if (this.ws !== ws) return this.ignoreStale('received');
      this.lastActivity = Date.now();
      this.onMessage(data as Buffer, ws);
    });
    ws.on('error', (err) => {
      this.stats.lastError = err.message;
      this.o.log.debug('connection error', { err: err.message });
    });
    ws.on('close', (code, reason) => {
      clearInterval(this.watchdog);
      this.ready = false;
      if (this.ws === ws) this.ws = undefined;
      const wasAccepted = this.acceptedWs === ws;
      if (this.state === 'stopped') return;
      this.state = 'connecting';
      const from = this.rotation.current;
      const next = this.rotation.afterClose({ wasAccepted, credentialRefused: !!refusedCode && CREDENTIAL_CODES.has(refusedCode) });
      if (next.switched) {
        this.stats.failovers++;
        this.o.log.warn('failing over to the next collector', { from, to: next.url, inMs: next.delayMs, code, refused: refusedCode });
      } else this.o.log.info('disconnected, retrying', { url: next.url, code, reason: reason.toString().slice(0, 100), inMs: next.delayMs });
      this.timer = setTimeout(() => this.connect(), next.delayMs);
    });
  }

  private checkAlive(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const silentMs = Date.now() - this.lastActivity;
    if (silentMs > this.heartbeatSec * 3000) {
      this.o.log.warn('collector silent, reconnecting', { silentMs });
      ws.terminate();
    } else if (silentMs > this.heartbeatSec * 1000) ws.ping();
  }

  /**
   * A message of a connection that is no longer the current one (closed, replaced): taken as the
   * new connection's, an ack would count as its first (the new collector would be taken as having
   * accepted the agent, and the spool trimmed on another store's word).
   */
  private ignoreStale(when: 'received' | 'handled'): void {
    this.stats.staleMessages++;
    this.o.log.debug('message from a previous connection ignored', { when });
  }

  private onMessage(data: Buffer, from: WebSocket): void {
    const res = decodeCollectorFrame(data);
    if (!res.ok) {
      this.o.log.warn('invalid frame from collector', { code: res.code, message: res.message });
      return;
    }
    // One message at a time, in order: an ack's handling waits on the spool, and a pause that came
    // after it must not be taken as having come before (it would be lifted at once, and frames sent
    // into a paused collector be acknowledged later by a cumulative ack without being stored).
    const msg = res.msg;
    this.handling = this.handling
      // Handling waits on the spool: the connection may have been replaced meanwhile.
      .then(() => (this.ws === from ? this.handle(msg, from) : this.ignoreStale('handled')))
      .catch((err: Error) => this.o.log.error('handling collector message failed', { err: err.message }));
  }

  private async handle(msg: CollectorMessage, from: WebSocket): Promise<void> {
    switch (msg.type) {
      case 'ack': {
        this.stats.acks++;
        const seq = msg.body.seq;
        const { nextSeq } = this.o.spool.stats();
        // The collector committed more than we ever produced: our state was reset. Never reuse seqs.
        if (seq >= nextSeq) await this.o.spool.bumpSeq(seq + 1);
        // The first ack of a connection comes once the collector committed all it had received
        // before: it settles frames in doubt, and one below our last ack means its store lost frames.
        const first = !this.ready;
        const outcome = await this.o.spool.acknowledge(Math.min(seq, this.o.spool.stats().nextSeq - 1), { first });
        if (outcome.rewound) {
          this.stats.rewinds++;
          this.o.log.warn('collector acknowledgement went backwards: resending from the acknowledged window', { ...outcome.rewound });
        }
        if (outcome.settled.lost > 0) this.o.log.warn('frames removed by the spool size limit did not reach the collector', { frames: outcome.settled.lost });
        // The spool was awaited: an ack of a connection replaced meanwhile must not mark the new one accepted.
        if (this.ws !== from) return this.ignoreStale('handled');
        this.inflight = this.inflight.filter((s) => s > seq);
        if (first) {
          this.ready = true;
          this.rotation.accepted();
          this.acceptedWs = from;
          this.o.log.info('connected to collector', { url: this.rotation.current, ackedSeq: this.o.spool.stats().ackedSeq });
          this.sentUpTo = this.o.spool.stats().ackedSeq;
        }
        if (this.paused) {
          // The collector can store again: resend what it could not take, after what it acknowledged.
          this.paused = false;
          this.sentUpTo = this.o.spool.stats().ackedSeq;
          this.o.log.info('collector accepts data again', { ackedSeq: seq });
          this.lastReport = ''; // a report sent while it could not store was not kept
          this.reportSpool();
        }
        if (first || outcome.settled.arrived + outcome.settled.lost > 0) this.reportSpool();
        await this.pump();
        return;
      }
      case 'policy':
        this.setHeartbeat(msg.body.heartbeatSec);
        this.o.onPolicy(msg.body);
        return;
      case 'command':
        this.o.onCommand(msg.body);
        return;
      case 'error': {
        this.stats.refusals++;
        this.stats.lastError = msg.body.code;
        if (msg.body.pause) {
          // Its store cannot take data for now: what is in flight was not committed and is sent again after its next ack.
          if (!this.paused)
            this.o.log.warn('collector cannot store data for now: waiting for its next ack', { code: msg.body.code, message: msg.body.message });
          this.stats.pauses++;
          this.paused = true;
          this.inflight = [];
          this.sentUpTo = this.o.spool.stats().ackedSeq;
          return;
        }
        this.o.log.warn('collector refused a frame', { code: msg.body.code, message: msg.body.message, refSeq: msg.body.refSeq });
        if (msg.body.refSeq !== undefined && msg.body.refSeq > 0 && POISON_CODES.has(msg.body.code)) {
          this.skip.add(msg.body.refSeq);
          this.o.onRefused?.(msg.body.refSeq, msg.body.code, msg.body.message);
        }
        return;
      }
    }
  }

  /** Sends spooled records after `sentUpTo` while the window has room. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      const ws = this.ws;
      // Each read is awaited: a pause, a close or a new connection may have come meanwhile.
      const sending = () => this.ready && !this.paused && this.ws === ws && ws?.readyState === WebSocket.OPEN;
      while (sending() && this.inflight.length < this.window) {
        const records = await this.o.spool.read(this.sentUpTo, this.window - this.inflight.length);
        if (records.length === 0) break;
        for (const r of records) {
          if (!sending() || !ws) break;
          this.sentUpTo = r.seq;
          if (this.skip.has(r.seq)) continue;
          ws.send(r.payload);
          this.o.spool.markSent(r.seq);
          this.inflight.push(r.seq);
          this.stats.framesSent++;
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}
