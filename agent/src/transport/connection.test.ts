import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAgentFrame, encodeMessage, type PolicyBody } from '@vigie/shared';
import { invalidCollectorFrames } from '@vigie/shared/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { createLog } from '../log.js';
import { Backoff } from './backoff.js';
import { CollectorConnection } from './connection.js';
import { Spool } from './spool.js';

// A scripted collector peer on a real socket: it lets the test send what a real collector never
// would (invalid frames) and observe exactly what the agent sends.
let wss: WebSocketServer;
let url: string;
let dir: string;
let spool: Spool;
let peer: Promise<WebSocket>;
const received: unknown[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-conn-'));
  spool = await Spool.open({ dir, fsync: 'never' });
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  url = `http://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  received.length = 0;
  peer = new Promise((resolve) =>
    wss.on('connection', (ws, req) => {
      expect(req.headers.authorization).toBe('Bearer agent0001.secretsecretsecret1');
      ws.on('message', (d) => {
        const r = decodeAgentFrame(d as Buffer);
        received.push(r.ok ? r.msg : r);
      });
      resolve(ws);
    }),
  );
});
afterEach(async () => {
  await spool.close();
  await new Promise((r) => wss.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met in time; received ${JSON.stringify(received.map((m: any) => m.seq ?? m.code))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

function connection(extra: { onPolicy?: (p: PolicyBody) => void; onRefused?: (seq: number, code: string) => void; urls?: string[] } = {}) {
  return new CollectorConnection({
    urls: extra.urls ?? [url],
    failoverSpreadMs: 100,
    agentId: 'agent0001',
    secret: 'secretsecretsecret1',
    spool,
    log: createLog('error'),
    hello: () => ({
      agentVersion: 't',
      protocol: 1,
      hostname: 'h',
      platform: 'linux',
      arch: 'x64',
      nextSeq: spool.stats().nextSeq,
      spool: spool.report(),
    }),
    onPolicy: extra.onPolicy ?? (() => {}),
    onCommand: () => {},
    onRefused: extra.onRefused,
    window: 4,
    backoff: new Backoff(50, 200),
  });
}

const metricsFrame = (seq: number) => encodeMessage({ type: 'metrics', seq, body: { samples: [{ ts: 1000 + seq, values: { 'cpu.usage_pct': seq } }] } });

describe('agent connection to the collector', () => {
  it('says hello, sends spooled frames in a bounded window and trims the spool on each ack', async () => {
    for (let i = 0; i < 10; i++) await spool.append(metricsFrame);
    const c = connection();
    c.start();
    const ws = await peer;
    await until(() => received.length === 1);
    expect((received[0] as { type: string }).type).toBe('hello');
    ws.send(encodeMessage({ type: 'ack', seq: 1, body: { seq: 0 } }));
    await until(() => received.length === 5);
    const settle = () => new Promise((r) => setTimeout(r, 500));
    await settle();
    expect(received).toHaveLength(5); // window of 4 frames in flight
    ws.send(encodeMessage({ type: 'ack', seq: 2, body: { seq: 4 } }));
    // The same wait sees the next frames come once acknowledged: the pause above was the window.
    await settle();
    expect(received).toHaveLength(9);
    expect(spool.stats().ackedSeq).toBe(4);
    ws.send(encodeMessage({ type: 'ack', seq: 3, body: { seq: 8 } }));
    await until(() => received.length === 11);
    ws.send(encodeMessage({ type: 'ack', seq: 4, body: { seq: 10 } }));
    await until(() => spool.stats().pendingFrames === 0);
    expect(received.slice(1).map((m) => (m as { seq: number }).seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await c.stop();
  });

  it('ignores invalid collector frames without crashing, then applies a valid policy', async () => {
    const policies: PolicyBody[] = [];
    const c = connection({ onPolicy: (p) => policies.push(p) });
    c.start();
    const ws = await peer;
    for (const f of invalidCollectorFrames) ws.send(f.raw);
    ws.send(encodeMessage({ type: 'policy', seq: 9, body: { version: 2, metricsIntervalSec: 5, inventoryIntervalSec: 600, heartbeatSec: 10, probes: {} } }));
    await until(() => policies.length === 1);
    expect(policies[0]!.metricsIntervalSec).toBe(5);
    expect(c.connectionState).toBe('open');
    await c.stop();
  });

  it('skips a frame the collector refuses as invalid, and reports it, instead of resending it forever', async () => {
    await spool.append((seq) => encodeMessage({ type: 'metrics', seq, body: { samples: [{ ts: 1, values: { 'cpu.usage_pct': 1 } }] } }));
    await spool.append(metricsFrame);
    const refused: number[] = [];
    const c = connection({ onRefused: (seq) => refused.push(seq) });
    c.start();
    let ws = await peer;
    ws.send(encodeMessage({ type: 'ack', seq: 1, body: { seq: 0 } }));
    await until(() => received.length === 3);
    peer = new Promise((resolve) => wss.once('connection', resolve));
    ws.send(encodeMessage({ type: 'error', seq: 2, body: { code: 'VIGIE_E_INVALID_BODY', message: 'bad', fatal: true, refSeq: 1 } }));
    ws.close(4400);
    ws = await peer;
    received.length = 0;
    ws.send(encodeMessage({ type: 'ack', seq: 1, body: { seq: 0 } }));
    await until(() => received.length === 2);
    expect(refused).toEqual([1]);
    expect(received.map((m) => (m as { seq: number }).seq)).toEqual([0, 2]); // hello, then only seq 2
    ws.send(encodeMessage({ type: 'ack', seq: 2, body: { seq: 2 } }));
    await until(() => spool.stats().pendingFrames === 0);
    await c.stop();
  });

  it('raises its seq counter when the collector already committed more (a wiped agent state)', async () => {
    const c = connection();
    c.start();
    const ws = await peer;
    ws.send(encodeMessage({ type: 'ack', seq: 1, body: { seq: 500 } }));
    await until(() => spool.stats().nextSeq === 501);
    const rec = await spool.append(metricsFrame);
    expect(rec.seq).toBe(501);
    await c.stop();
  });

  it('reconnects with backoff after the collector drops the connection', async () => {
    const c = connection();
    c.start();
    const first = await peer;
    peer = new Promise((resolve) => wss.once('connection', resolve));
    first.terminate();
    await peer;
    await until(() => c.stats.connects === 2);
    await c.stop();
  });

  it('ignores a message of the previous, closed connection: it is not the new connection’s first ack', async () => {
    const c = connection();
    c.start();
    const first = await peer;
    // The agent's side of the first connection, as its listener saw it (the socket object itself).
    const oldSocket = (c as unknown as { ws: { emit(event: string, ...args: unknown[]): boolean } }).ws;
    peer = new Promise((resolve) => wss.once('connection', resolve));
    first.terminate();
    const second = await peer;
    await until(() => c.stats.connects === 2);
    expect(c.isReady).toBe(false);
    // A late ack of the first connection (its events are delivered after the second one opened).
    oldSocket.emit('message', Buffer.from(encodeMessage({ type: 'ack', seq: 1, body: { seq: 0 } })), false);
    // The second collector's own first ack: handled after the stale one (messages are handled in order).
    second.send(encodeMessage({ type: 'ack', seq: 1, body: { seq: 0 } }));
    await until(() => c.isReady && c.stats.acks >= 1);
    expect(c.stats.acks).toBe(1);
    expect(c.stats.staleMessages).toBe(1);
    await c.stop();
  });

  it('waits when the collector cannot store (pause), keeps its frames, and resends what followed the ack that resumes it', async () => {
    for (let i = 0; i < 6; i++) await spool.append(metricsFrame);
    const c = connection();
    c.start();
    const ws = await peer;
    ws.send(encodeMessage({ type: 'ack', seq: 1, body: { seq: 0 } }));
    await until(() => received.length === 5); // hello + a window of 4
    ws.send(encodeMessage({ type: 'ack', seq: 2, body: { seq: 1 } }));
    await until(() => received.length === 6);
    ws.send(encodeMessage({ type: 'error', seq: 3, body: { code: 'VIGIE_E_STORE_FULL', message: 'full', fatal: false, pause: true } }));
    await until(() => c.stats.pauses === 1);
    for (let i = 0; i < 3; i++) await spool.append(metricsFrame);
    c.kick();
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toHaveLength(6); // nothing sent while paused, and nothing dropped
    expect(spool.stats()).toMatchObject({ ackedSeq: 1, pendingFrames: 8 });
    expect(c.connectionState).toBe('open');
    // The collector can store again: its ack says what it has; everything after is sent again.
    received.length = 0;
    ws.send(encodeMessage({ type: 'ack', seq: 4, body: { seq: 1 } }));
    await until(() => received.length === 4);
    expect(received.map((m) => (m as { seq: number }).seq)).toEqual([2, 3, 4, 5]);
    ws.send(encodeMessage({ type: 'ack', seq: 5, body: { seq: 5 } }));
    await until(() => received.length === 8);
    expect(received.slice(4).map((m) => (m as { seq: number }).seq)).toEqual([6, 7, 8, 9]);
    await c.stop();
  });

  it('resends the acknowledged window when a new connection is acknowledged below the last ack (the store lost frames)', async () => {
    for (let i = 0; i < 8; i++) await spool.append(metricsFrame);
    const c = connection();
    c.start();
    let ws = await peer;
    ws.send(encodeMessage({ type: 'ack', seq: 1, body: { seq: 0 } }));
    await until(() => received.length === 5);
    ws.send(encodeMessage({ type: 'ack', seq: 2, body: { seq: 8 } }));
    await until(() => spool.stats().ackedSeq === 8);
    // The collector restarts on a store that lost its last commits: it knows up to 3 only.
    peer = new Promise((resolve) => wss.once('connection', resolve));
    ws.terminate();
    ws = await peer;
    await until(() => received.filter((m) => (m as { type: string }).type === 'hello').length === 2);
    const hello = received.at(-1) as { body: { spool: { ackedSeq: number } } };
    expect(hello.body.spool.ackedSeq).toBe(8); // what lets the collector see its loss
    received.length = 0;
    ws.send(encodeMessage({ type: 'ack', seq: 1, body: { seq: 3 } }));
    await until(() => received.length === 4);
    expect(received.map((m) => (m as { seq: number }).seq)).toEqual([4, 5, 6, 7]);
    expect(c.stats.rewinds).toBe(1);
    ws.send(encodeMessage({ type: 'ack', seq: 2, body: { seq: 7 } }));
    await until(() => received.length === 5);
    expect((received[4] as { seq: number }).seq).toBe(8);
    await c.stop();
  });

  it('tells the collector of new losses at once, outside the spool (spool-report)', async () => {
    await spool.close();
    spool = await Spool.open({ dir, fsync: 'never', segmentBytes: 1000, maxBytes: 3000, ackWindowBytes: 0 });
    const c = connection();
    c.start();
    const ws = await peer;
    ws.send(encodeMessage({ type: 'ack', seq: 1, body: { seq: 0 } }));
    await until(() => received.length === 1);
    // Frames the collector never acknowledges pile up beyond the size bound: the oldest unsent ones are lost.
    const big = (seq: number) =>
      encodeMessage({ type: 'metrics', seq, body: { samples: [{ ts: seq, values: { 'cpu.usage_pct': seq, pad: 0 } }] } }).padEnd(180, ' ');
    for (let i = 0; i < 40; i++) await spool.append(big);
    c.reportSpool();
    await until(() => received.some((m) => (m as { type: string }).type === 'spool-report'));
    const report = received.find((m) => (m as { type: string }).type === 'spool-report') as { seq: number; body: { nextSeq: number; spool: any } };
    expect(report.seq).toBe(0);
    expect(report.body.nextSeq).toBe(41);
    expect(report.body.spool.droppedFrames + report.body.spool.inDoubtFrames).toBe(spool.stats().droppedFrames + spool.stats().inDoubtFrames);
    expect(report.body.spool.droppedFrames).toBeGreaterThan(0);
    expect(report.body.spool.drops[0]).toMatchObject({ id: 1, reason: 'spool-full' });
    await c.stop();
  });

  it('takes a pause that follows its first ack at once as coming after it: frames sent meanwhile are resent after the resuming ack', async () => {
    for (let i = 0; i < 6; i++) await spool.append(metricsFrame);
    const c = connection();
    c.start();
    const ws = await peer;
    await until(() => received.length === 1);
    // A collector restarted on a full disk: its hello ack, then at once the request to wait.
    ws.send(encodeMessage({ type: 'ack', seq: 1, body: { seq: 0 } }));
    ws.send(encodeMessage({ type: 'error', seq: 2, body: { code: 'VIGIE_E_STORE_FULL', message: 'full', fatal: false, pause: true } }));
    await until(() => c.stats.pauses === 1);
    await new Promise((r) => setTimeout(r, 200));
    received.length = 0;
    ws.send(encodeMessage({ type: 'ack', seq: 3, body: { seq: 0 } }));
    await until(() => received.length === 4);
    // Whatever went out before the pause was read is sent again from the first unacknowledged frame.
    expect(received.map((m) => (m as { seq: number }).seq)).toEqual([1, 2, 3, 4]);
    await c.stop();
  });

  it('fails over to the second collector when the first is gone, and resends from the second one’s first ack', async () => {
    for (let i = 0; i < 6; i++) await spool.append(metricsFrame);
    // The second collector of the list: another peer on its own port (they share a store in real life).
    const second = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => second.once('listening', r));
    const secondUrl = `http://127.0.0.1:${(second.address() as AddressInfo).port}`;
    const onSecond: unknown[] = [];
    const secondPeer = new Promise<WebSocket>((resolve) =>
      second.on('connection', (ws) => {
        ws.on('message', (d) => {
          const r = decodeAgentFrame(d as Buffer);
          onSecond.push(r.ok ? r.msg : r);
        });
        resolve(ws);
      }),
    );
    try {
      const c = connection({ urls: [url, secondUrl] });
      c.start();
      const ws = await peer;
      ws.send(encodeMessage({ type: 'ack', seq: 1, body: { seq: 0 } }));
      await until(() => received.length === 5); // hello and a window of 4
      ws.send(encodeMessage({ type: 'ack', seq: 2, body: { seq: 2 } }));
      await until(() => spool.stats().ackedSeq === 2);
      // The first collector dies: it had committed up to 3 but acknowledged only 2.
      for (const client of wss.clients) client.terminate();
      await new Promise((r) => wss.close(r));
      const ws2 = await secondPeer;
      expect(c.currentUrl).toBe(secondUrl);
      expect(c.stats.failovers).toBe(1);
      await until(() => onSecond.length === 1);
      expect((onSecond[0] as { type: string; body: { spool: { ackedSeq: number } } }).body.spool.ackedSeq).toBe(2);
      // Its first ack is the shared store's committed seq: 3 is trimmed, 4..6 are sent again.
      ws2.send(encodeMessage({ type: 'ack', seq: 1, body: { seq: 3 } }));
      await until(() => onSecond.length === 4);
      expect(onSecond.slice(1).map((m) => (m as { seq: number }).seq)).toEqual([4, 5, 6]);
      ws2.send(encodeMessage({ type: 'ack', seq: 2, body: { seq: 6 } }));
      await until(() => spool.stats().pendingFrames === 0);
      await c.stop();
    } finally {
      await new Promise((r) => second.close(r));
    }
  });
});
