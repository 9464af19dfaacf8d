import { encodeMessage, formatAgentCredential, type HelloBody } from '@vigie/shared';
import WebSocket from 'ws';
import { inventoryBody, type MetricsFrameBuilder } from './frames.js';

export interface SimAgentOptions {
  url: string;
  hostname: string;
  /** Metrics frame period; 0 = as fast as the window of unacknowledged frames allows (ceiling mode). */
  intervalMs: number;
  /** ± fraction of the interval, so agents do not send in lockstep. */
  jitter: number;
  builder: MetricsFrameBuilder;
  inventorySoftware: number;
  /** Frames in flight without an ack. */
  window: number;
  onLatency: (ms: number) => void;
  onError: (code: string) => void;
}

export interface SimCredential {
  agentId: string;
  secret: string;
}

export async function enrollSim(url: string, token: string, hostname: string): Promise<SimCredential> {
  const res = await fetch(`${url}/api/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, hostname, platform: 'linux', arch: 'x64', agentVersion: '0.1.0-sim' }),
  });
  const body = (await res.json()) as { agentId?: string; secret?: string; error?: { code: string } };
  if (res.status !== 201 || !body.agentId || !body.secret) throw new Error(`enroll: ${body.error?.code ?? res.status}`);
  return { agentId: body.agentId, secret: body.secret };
}

/**
 * One simulated agent speaking protocol v1 exactly as the real one does: hello, then a full
 * inventory, then metrics frames; it measures the time from sending a frame to its cumulative ack.
 */
export class SimAgent {
  private ws: WebSocket | undefined;
  private seq = 0;
  private readonly sentAt = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  framesSent = 0;
  framesAcked = 0;
  valuesAcked = 0;
  connected = false;
  private readonly valuesBySeq = new Map<number, number>();
  private readonly t0 = Date.now();

  constructor(
    private readonly o: SimAgentOptions,
    private readonly cred: SimCredential,
  ) {}

  get unacked(): number {
    return this.sentAt.size;
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${this.o.url.replace(/^http/, 'ws')}/api/v1/agent`, {
        headers: { authorization: `Bearer ${formatAgentCredential(this.cred.agentId, this.cred.secret)}` },
        perMessageDeflate: false,
      });
      this.ws = ws;
      let ready = false;
      ws.on('unexpected-response', (_req, res) => {
        this.o.onError(String(res.headers['x-vigie-error'] ?? `HTTP ${res.statusCode}`));
        ws.terminate();
      });
      ws.on('error', (err) => {
        this.o.onError((err as NodeJS.ErrnoException).code ?? err.message);
        if (!ready) reject(err);
      });
      ws.on('close', () => {
        this.connected = false;
        if (!ready) reject(new Error('closed before ready'));
      });
      ws.on('open', () => {
        this.connected = true;
        const hello: HelloBody = {
          agentVersion: '0.1.0-sim',
          protocol: 1,
          hostname: this.o.hostname,
          platform: 'linux',
          arch: 'x64',
          nextSeq: 1,
          spool: { pendingFrames: 0, pendingBytes: 0, droppedFrames: 0 },
        };
        ws.send(encodeMessage({ type: 'hello', seq: 0, body: hello }));
      });
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { type: string; body: { seq?: number; code?: string } };
        if (msg.type === 'ack') {
          this.onAck(msg.body.seq ?? 0);
          if (!ready) {
            ready = true;
            this.send('inventory', JSON.stringify(inventoryBody(this.o.hostname, this.o.inventorySoftware)));
            resolve();
          }
        } else if (msg.type === 'error') this.o.onError(msg.body.code ?? 'error');
      });
    });
  }

  private send(type: string, body: string, values = 0): void {
    const seq = ++this.seq;
    this.sentAt.set(seq, performance.now());
    this.valuesBySeq.set(seq, values);
    this.ws!.send(`{"v":1,"type":"${type}","seq":${seq},"ts":${Date.now()},"body":${body}}`);
    this.framesSent++;
  }

  private sendMetrics(): void {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const seq = ++this.seq;
    this.sentAt.set(seq, performance.now());
    this.valuesBySeq.set(seq, this.o.builder.size);
    // In ceiling mode frames go out far faster than real time: give each its own sample time.
    const ts = this.o.intervalMs === 0 ? this.t0 + seq * 1000 : Date.now();
    this.ws.send(this.o.builder.build(seq, ts));
    this.framesSent++;
  }

  private onAck(seq: number): void {
    const now = performance.now();
    for (const [s, t] of this.sentAt) {
      if (s > seq) break;
      this.o.onLatency(now - t);
      this.sentAt.delete(s);
      this.framesAcked++;
      this.valuesAcked += this.valuesBySeq.get(s) ?? 0;
      this.valuesBySeq.delete(s);
    }
    if (this.o.intervalMs === 0 && !this.stopped) this.fill();
  }

  private fill(): void {
    while (this.sentAt.size < this.o.window && this.ws?.readyState === WebSocket.OPEN) this.sendMetrics();
  }

  /** Starts sending metrics: on a jittered period, or continuously in ceiling mode. */
  run(): void {
    if (this.o.intervalMs === 0) {
      this.fill();
      return;
    }
    const next = () => {
      const j = 1 + (Math.random() * 2 - 1) * this.o.jitter;
      this.timer = setTimeout(() => {
        if (this.stopped) return;
        this.sendMetrics();
        next();
      }, this.o.intervalMs * j);
    };
    // First frame at a random point of the first period, as agents started at different times would.
    this.timer = setTimeout(() => {
      this.sendMetrics();
      next();
    }, Math.random() * this.o.intervalMs);
  }

  /** Stops producing; resolves once every sent frame is acked or `graceMs` passed. */
  async drain(graceMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const until = Date.now() + graceMs;
    while (this.sentAt.size > 0 && Date.now() < until && this.ws?.readyState === WebSocket.OPEN) await new Promise((r) => setTimeout(r, 50));
  }

  close(): void {
    this.ws?.close();
  }
}
