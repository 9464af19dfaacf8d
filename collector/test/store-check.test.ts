import { closeSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createCollector } from '../src/app.js';
import { defaultConfig } from '../src/config.js';
import { DEFAULT_REPORT_SETTINGS } from '../src/reports/settings.js';
import { enrollAgent, type Harness, login, startHarness, TestAgent } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.collector.close().catch(() => undefined);
  if (h) rmSync(h.dir, { recursive: true, force: true });
  h = undefined;
});

const config = (dataDir: string) =>
  defaultConfig({ dataDir, port: 0, logLevel: 'silent', synchronous: 'normal', storeReserveBytes: 0, reports: { ...DEFAULT_REPORT_SETTINGS, schedule: null } });

/** Spoils a leaf page of the samples table in the file (the collector being stopped). */
function spoilSamples(dbPath: string): void {
  const db = new BetterSqlite3(dbPath);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const page = (
    db.prepare("SELECT pageno FROM dbstat WHERE name = 'samples' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 2").get() as { pageno: number }
  ).pageno;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const fd = openSync(dbPath, 'r+');
  writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, (page - 1) * pageSize + 8);
  closeSync(fd);
}

describe('store check after an unclean stop', () => {
  it('finds a damaged samples table, refuses to acknowledge agent data (VIGIE_E_STORE_DAMAGED), says why and serves reads', async () => {
    h = await startHarness({ storeReserveBytes: 0 }, { serving: true });
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-damaged');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    const values = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`fs.used_pct{mount=/d${i}}`, i]));
    for (let i = 0; i < 20; i++) await a.waitAck(a.send('metrics', { samples: [{ ts: 1_790_000_000_000 + i * 1000, values }] }));
    const tech = await login(h.url, 'tech@vigie.test');
    a.close();
    await h.collector.close();
    const dbPath = join(h.dir, 'vigie.db');
    // As after a crash: the run marker is still there; and a page of the samples table is damaged.
    writeFileSync(`${dbPath}.running-1`, '1\n');
    spoilSamples(dbPath);

    const collector = await createCollector(config(h.dir), { serving: true });
    h = { ...h, collector, url: await collector.listen() };
    expect(collector.storeCheck).toMatchObject({ unclean: true });
    expect(collector.storeCheck!.damagedTables).toContain('samples');
    const health = (await fetch(`${h.url}/healthz`).then((r) => r.json())) as any;
    expect(health).toMatchObject({ status: 'degraded', store: { state: 'damaged', code: 'VIGIE_E_STORE_DAMAGED' } });
    expect(health.store.lastCheck).toMatch(/quick_check found \d+ problem\(s\) in .*samples/);
    // The agent is told to wait and gets no ack for what it sends: nothing is acknowledged into a damaged table.
    const b = await TestAgent.connect(`${h.url.replace('http', 'ws')}/api/v1/agent`, cred);
    await b.hello({ nextSeq: 21 });
    expect((await b.next((m) => m.type === 'ack')).body.seq).toBe(20);
    expect((await b.next((m) => m.type === 'error')).body).toMatchObject({ code: 'VIGIE_E_STORE_DAMAGED', fatal: false, pause: true });
    b.send('metrics', { samples: [{ ts: 1_790_000_100_000, values }] }, 21);
    await new Promise((r) => setTimeout(r, 300));
    expect(b.received.filter((m) => m.type === 'ack').map((m) => m.body.seq)).toEqual([20]);
    expect(b.closeCode).toBeUndefined();
    // Reads go on.
    const res = await fetch(`${h.url}/api/v1/devices/${cred.deviceId}`, { headers: { cookie: tech.cookie } });
    expect(res.status).toBe(200);
    b.close();
    // Stopped cleanly but still damaged: the next start checks again.
    await collector.close();
    const again = await createCollector(config(h.dir), { serving: true });
    h = { ...h, collector: again };
    expect(again.storeCheck?.damagedTables).toContain('samples');
  });

  it('after a clean stop, starts without checking', async () => {
    h = await startHarness({ storeReserveBytes: 0 }, { serving: true });
    await h.collector.close();
    const collector = await createCollector(config(h.dir), { serving: true });
    h = { ...h, collector };
    expect(collector.storeCheck).toBeNull();
    expect(collector.health.condition.state).toBe('ok');
  });
});
