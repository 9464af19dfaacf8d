import { encodeMessage } from '@vigie/shared';
import WebSocket from 'ws';

/** What became of a connection attempt or of a frame: the upgrade's status, or the error and close the collector sent. */
export interface Outcome {
  /** HTTP status of a refused upgrade (0 when it was accepted). */
  status: number;
  errorCode?: string;
  closeCode?: number;
  messages: any[];
}

/** A protocol-v1 peer with a (stolen or forged) credential, over a real WebSocket. */
export class AgentPeer {
  readonly messages: any[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.messages.push(JSON.parse(String(d))));
    this.closed = new Promise((r) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        r(code);
      }),
    );
  }

  /** Resolves with the peer, or with the HTTP status and error code of a refused upgrade. */
  static connect(url: string, headers: Record<string, string>, path = '/api/v1/agent'): Promise<AgentPeer | Outcome> {
    const ws = new WebSocket(`${url.replace('http', 'ws')}${path}`, { headers, maxPayload: 64 * 1024 * 1024 });
    return new Promise((resolve) => {
      ws.once('open', () => resolve(new AgentPeer(ws)));
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, errorCode: String(res.headers['x-vigie-error'] ?? ''), messages: [] });
      });
      ws.once('error', () => resolve({ status: -1, messages: [] }));
    });
  }

  send(type: string, seq: number, body: unknown): void {
    this.ws.send(encodeMessage({ type, seq, body }));
  }

  async hello(nextSeq = 1): Promise<void> {
    this.send('hello', 0, {
      agentVersion: '0.1.0-attaque',
      protocol: 1,
      hostname: 'pc-attaque',
      platform: 'linux',
      arch: 'x64',
      nextSeq,
      spool: { pendingFrames: 0, pendingBytes: 0, droppedFrames: 0 },
    });
    await this.waitFor((m) => m.type === 'policy');
  }

  async waitFor(pred: (m: any) => boolean, timeoutMs = 10_000): Promise<any> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const m = this.messages.find(pred);
      if (m) return m;
      if (this.closeCode !== undefined) throw new Error(`closed (${this.closeCode}) while waiting: ${JSON.stringify(this.messages.slice(-2))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out; got ${JSON.stringify(this.messages.slice(-3))}`);
  }

  /** Sends raw data and waits for the collector to close the connection: its error code and close code. */
  async refuse(data: string | Buffer, opts: { binary?: boolean } = {}): Promise<Outcome> {
    this.ws.send(data, { binary: opts.binary ?? Buffer.isBuffer(data) });
    const code = await Promise.race([this.closed, new Promise<number>((r) => setTimeout(() => r(-1), 15_000))]);
    const err = this.messages.find((m) => m.type === 'error');
    return { status: 0, closeCode: code, errorCode: err?.body?.code, messages: this.messages };
  }
}
