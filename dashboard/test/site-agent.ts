import { encodeMessage } from '@vigie/shared';
import WebSocket from 'ws';
import type { Seeded } from './seed.js';

/**
 * A site agent speaking protocol v1 over a real WebSocket, as collector/test/harness.ts's TestAgent
 * does: enrolled with a token of the site, it says hello, then sends frames and waits for their acks.
 */
export class SiteAgent {
  private seq = 0;
  private readonly received: { type: string; body: any }[] = [];
  private waiters: { pred: (m: { type: string; body: any }) => boolean; resolve: (m: { type: string; body: any }) => void }[] = [];

  private constructor(
    private readonly ws: WebSocket,
    readonly deviceId: number,
  ) {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      this.received.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  static async connect(s: Seeded, siteId: number, hostname: string): Promise<SiteAgent> {
    const { token } = await s.collector.enrollment.createToken(siteId);
    const res = await fetch(`${s.url}/api/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, hostname, platform: 'linux', arch: 'x64', agentVersion: '0.1.0-test' }),
    });
    if (res.status !== 201) throw new Error(`enroll: ${res.status} ${await res.text()}`);
    const cred = (await res.json()) as { agentId: string; secret: string; deviceId: number };
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v1/agent`, { headers: { authorization: `Bearer ${cred.agentId}.${cred.secret}` } });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const agent = new SiteAgent(ws, cred.deviceId);
    agent.ws.send(
      encodeMessage({
        type: 'hello',
        seq: 0,
        body: {
          agentVersion: '0.1.0-test',
          protocol: 1,
          hostname,
          platform: 'linux',
          arch: 'x64',
          nextSeq: 1,
          spool: { pendingFrames: 0, pendingBytes: 0, droppedFrames: 0 },
        },
      }),
    );
    await agent.next((m) => m.type === 'policy');
    return agent;
  }

  private next(pred: (m: { type: string; body: any }) => boolean, timeoutMs = 10_000): Promise<{ type: string; body: any }> {
    const found = this.received.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for the collector')), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Sends one frame and resolves once the collector acknowledged it (stored); a refusal rejects. */
  async send(type: string, body: unknown): Promise<void> {
    const seq = ++this.seq;
    this.ws.send(encodeMessage({ type, seq, body }));
    const m = await this.next((x) => (x.type === 'ack' && x.body.seq >= seq) || x.type === 'error');
    if (m.type === 'error') throw new Error(`collector refused ${type}: ${JSON.stringify(m.body)}`);
  }

  close(): void {
    this.ws.close();
  }
}
