import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCollector } from '../src/app.js';
import { defaultConfig } from '../src/config.js';
import { DEFAULT_REPORT_SETTINGS } from '../src/reports/settings.js';
import { enrollAgent, type Harness, login, startHarness, TestAgent } from './harness.js';
import { sqliteOf } from './test-database.js';

const run = promisify(execFile);
let disk: string;
let h: Harness | undefined;

// A real full disk: a small tmpfs (mounting one needs root, as in CI).
beforeEach(async () => {
  disk = mkdtempSync(join(tmpdir(), 'vigie-store-full-'));
  await run('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', disk]);
});
afterEach(async () => {
  await h?.collector.close().catch(() => undefined);
  h = undefined;
  await run('umount', [disk]);
  rmSync(disk, { recursive: true, force: true });
});

/** Writes a file until the file system refuses with ENOSPC. */
async function fill(path: string): Promise<void> {
  const fh = await open(path, 'w');
  try {
    for (;;) await fh.write(Buffer.alloc(64 * 1024, 1));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await fh.close();
  }
}

/** A metrics frame of 2,000 values: the store fills fast. */
const bigFrame = (ts: number) => ({
  samples: [{ ts, values: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`fs.used_pct{mount=/srv/d${i}}`, i % 100])) }],
});
const sampleRows = (deviceId: number) =>
  (sqliteOf(h!.collector.db).prepare('SELECT count(*) AS n FROM samples WHERE device_id = ?').get(deviceId) as { n: number }).n;

describe.skipIf(process.platform !== 'linux' || process.getuid?.() !== 0)('collector store on a full disk', () => {
  it('tells agents to wait (VIGIE_E_STORE_FULL) without closing them, serves reads, and resumes acknowledging by itself', async () => {
    h = await startHarness({ dataDir: disk });
    const tech = await login(h.url, 'tech@vigie.test');
    const creds = await Promise.all([1, 2, 3].map((i) => enrollAgent(h!, h!.acme.siteId, `pc-full-${i}`)));
    const agents = await Promise.all(creds.map((c) => TestAgent.connect(h!.wsUrl, c)));
    for (const a of agents) await a.hello();
    // An agent of the protocol before pauses (its hello reports no acknowledged seq).
    const oldCred = await enrollAgent(h, h.acme.siteId, 'pc-full-old');
    const old = await TestAgent.connect(h.wsUrl, oldCred);
    await old.hello({ spool: { pendingFrames: 0, pendingBytes: 0, droppedFrames: 0 } });
    await old.waitAck(old.send('metrics', bigFrame(Date.now())));
    for (const a of agents) await a.waitAck(a.send('metrics', bigFrame(Date.now())));
    await fill(join(disk, 'filler'));

    // Frames go on until the store refuses them (SQLite may still have free pages for a while).
    const t0 = Date.now();
    const sent: { agent: TestAgent; seq: number; ts: number }[] = [];
    for (let i = 0; !agents.every((a) => a.received.some((m) => m.type === 'error')) && i < 400; i++) {
      for (const [k, a] of agents.entries()) {
        const ts = t0 + i * 1000 + k;
        sent.push({ agent: a, seq: a.send('metrics', bigFrame(ts)), ts });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const a of agents) {
      const err = await a.next((m) => m.type === 'error');
      expect(err.body).toMatchObject({ code: 'VIGIE_E_STORE_FULL', fatal: false, pause: true });
    }
    // The older agent would not understand a pause: it is disconnected with the code, and resends after reconnecting.
    old.send('metrics', bigFrame(t0 + 2_000_000));
    expect((await old.next((m) => m.type === 'error')).body).toMatchObject({ code: 'VIGIE_E_STORE_FULL', fatal: true });
    expect(await old.closed).toBe(4507);
    // Agents that keep sending are not told again and again, nor disconnected.
    for (const a of agents) for (let i = 0; i < 20; i++) a.send('metrics', bigFrame(t0 + 1_000_000 + i), a.seq + 1);
    await new Promise((r) => setTimeout(r, 500));
    for (const a of agents) {
      expect(a.received.filter((m) => m.type === 'error')).toHaveLength(1);
      expect(a.closeCode).toBeUndefined();
    }
    const health = await fetch(`${h.url}/healthz`).then((r) => r.json() as Promise<any>);
    expect(health).toMatchObject({ status: 'degraded', store: { state: 'full', code: 'VIGIE_E_STORE_FULL' } });
    expect(health.store.framesRefused).toBeGreaterThan(0);
    // Reads are served.
    expect((await tech.get(`/api/v1/devices/${creds[0]!.deviceId}`)).status).toBe(200);
    expect(h.collector.channel.stats.pauses).toBe(3);

    // Space returns: each agent gets an ack (its committed seq), resends what followed, and everything is stored.
    const acksBefore = agents.map((a) => a.received.filter((m) => m.type === 'ack').length);
    await rm(join(disk, 'filler'));
    for (const [i, a] of agents.entries()) {
      await a.next((m) => m.type === 'ack' && a.received.filter((x) => x.type === 'ack').length > acksBefore[i]!, 15_000);
    }
    const committed = agents.map((a) => a.received.filter((m) => m.type === 'ack').at(-1).body.seq as number);
    for (const [i, a] of agents.entries()) {
      const mine = sent.filter((s) => s.agent === a && s.seq > committed[i]!);
      for (const s of mine) a.send('metrics', bigFrame(s.ts), s.seq);
      await a.waitAck(Math.max(committed[i]!, ...mine.map((s) => s.seq)));
    }
    for (const [i, c] of creds.entries()) {
      const frames = 1 + sent.filter((s) => s.agent === agents[i]).length;
      expect(sampleRows(c.deviceId)).toBe(frames * 2000);
    }
    expect((await fetch(`${h.url}/healthz`).then((r) => r.json() as Promise<any>)).status).toBe('ok');
    for (const a of agents) a.close();
  });

  it('starts on a full disk, serves reads with an existing session, and says why it refuses data', async () => {
    h = await startHarness({ dataDir: disk }, { serving: true });
    const tech = await login(h.url, 'tech@vigie.test');
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-start-full');
    await h.collector.close();
    await fill(join(disk, 'filler'));
    const collector = await createCollector(
      defaultConfig({ dataDir: disk, port: 0, logLevel: 'silent', synchronous: 'normal', reports: { ...DEFAULT_REPORT_SETTINGS, schedule: null } }),
      { serving: true },
    );
    h = { ...h, collector, url: await collector.listen() };
    h.wsUrl = `${h.url.replace('http', 'ws')}/api/v1/agent`;
    const health = await fetch(`${h.url}/healthz`).then((r) => r.json() as Promise<any>);
    expect(health).toMatchObject({ status: 'degraded', store: { state: 'full', code: 'VIGIE_E_STORE_FULL' } });
    const res = await fetch(`${h.url}/api/v1/devices/${cred.deviceId}`, { headers: { cookie: tech.cookie } });
    expect(res.status).toBe(200);
    // An agent is told why right after its hello's ack, and is not disconnected.
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    await a.next((m) => m.type === 'ack');
    expect((await a.next((m) => m.type === 'error')).body).toMatchObject({ code: 'VIGIE_E_STORE_FULL', pause: true });
    // The reserve given up at start-up leaves room for small writes: users can still sign in.
    expect((await login(h.url, 'tech@vigie.test')).cookie).toMatch(/^vigie_session=/);
    a.close();
  });
});
