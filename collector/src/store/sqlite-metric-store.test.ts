import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from './database.js';
import { chooseResolution, DEFAULT_RETENTION } from './metric-store.js';
import { foldBuckets } from './rollup.js';
import { ROLLUP_1H_SQL, ROLLUP_5M_SQL, SqliteMetricStore } from './sqlite-metric-store.js';

const H = 3_600_000;
let dir: string;
let db: Database;
let store: SqliteMetricStore;
let deviceId: number;

async function open(): Promise<void> {
  db = new Database({ path: join(dir, 'm.db'), synchronous: 'normal' });
  await db.migrate();
  store = await SqliteMetricStore.open(db);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-metrics-'));
  await open();
  const c = db.sqlite.prepare("INSERT INTO clients (name, created_at) VALUES ('c', 0)").run();
  const s = db.sqlite.prepare('INSERT INTO sites (client_id, name, created_at) VALUES (?, ?, 0)').run(c.lastInsertRowid, 's');
  deviceId = Number(
    db.sqlite
      .prepare("INSERT INTO devices (site_id, client_id, kind, hostname, created_at) VALUES (?, ?, 'agent', 'h', 0)")
      .run(s.lastInsertRowid, c.lastInsertRowid).lastInsertRowid,
  );
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const write = (samples: { ts: number; values: Record<string, number> }[]) =>
  db.writeLock(() => db.sqlite.transaction(() => store.write([{ deviceId, samples }]))());

describe('SQLite metric store', () => {
  it('folds raw points into 5-minute and hourly rollups that agree with the raw data', async () => {
    const now = Date.now();
    const t0 = Math.floor((now - 3 * H) / H) * H;
    const samples = Array.from({ length: 2 * 360 }, (_, i) => ({
      ts: t0 + i * 10_000,
      values: { 'cpu.usage_pct': i % 100, 'fs.used_pct{mount=/}': 50 + (i % 7) },
    }));
    await write(samples);
    const rep = await store.maintain(now);
    expect(rep).toMatchObject({ windowsRolledUp: 1, rollupRows: 2 * 24 + 2 * 2 });
    const five = db.sqlite.prepare('SELECT count(*) n, sum(count) c FROM rollup_5m').get() as { n: number; c: number };
    expect(five).toEqual({ n: 2 * 24, c: 2 * 720 });
    const hours = db.sqlite
      .prepare("SELECT ts, count, sum, min, max, last FROM rollup_1h WHERE series_id = (SELECT id FROM series WHERE key = 'cpu.usage_pct') ORDER BY ts")
      .all() as any[];
    expect(hours).toHaveLength(2);
    const firstHour = samples.slice(0, 360).map((s) => s.values['cpu.usage_pct']!);
    expect(hours[0]).toMatchObject({ ts: t0, count: 360, sum: firstHour.reduce((a, b) => a + b, 0), min: 0, max: 99, last: firstHour[359] });

    // The same two-hour chart from raw, 5-minute and hourly data gives the same mean.
    const mean = (pts: [number, number][]) => pts.reduce((a, p) => a + p[1], 0) / pts.length;
    const raw = await store.query({ deviceId, name: 'cpu.usage_pct', from: t0, to: t0 + 2 * H - 1, stepMs: H });
    expect(raw[0]!.resolution).toBe('1h');
    expect(raw[0]!.points.map((p) => p[0])).toEqual([t0, t0 + H]);
    expect(mean(raw[0]!.points)).toBeCloseTo(samples.reduce((a, s) => a + s.values['cpu.usage_pct']!, 0) / samples.length, 9);
    const fiveMin = await store.query({ deviceId, name: 'cpu.usage_pct', from: t0, to: t0 + 2 * H - 1, stepMs: 300_000, agg: 'max' });
    expect(fiveMin[0]!.resolution).toBe('5m');
    expect(fiveMin[0]!.points).toHaveLength(24);
  });

  it('folds late samples (an agent back after a day) into rollups already computed', async () => {
    const now = Date.now();
    const hour = Math.floor((now - 2 * H) / H) * H;
    await write([{ ts: hour + 1000, values: { 'cpu.usage_pct': 10 } }]);
    await store.maintain(now);
    await write([{ ts: hour + 2000, values: { 'cpu.usage_pct': 30 } }]); // late: older than the last pass
    // Even a restart before the next pass must not lose it (the late mark is durable).
    await db.close();
    await open();
    await store.maintain(now + 60_000);
    const row = db.sqlite.prepare('SELECT count, sum, min, max, last FROM rollup_1h WHERE ts = ?').get(hour);
    expect(row).toEqual({ count: 2, sum: 40, min: 10, max: 30, last: 30 });
  });

  it('keeps samples idempotent on (series, ts) and ignores non-finite values', async () => {
    const ts = Date.now();
    await write([{ ts, values: { 'cpu.usage_pct': 1, 'mem.used_pct': Number.NaN } }]);
    await write([{ ts, values: { 'cpu.usage_pct': 1 } }]);
    expect((db.sqlite.prepare('SELECT count(*) n FROM samples').get() as { n: number }).n).toBe(1);
  });

  it('applies retention per resolution', async () => {
    const now = Date.now();
    const old = now - 40 * 86_400_000;
    await write([
      { ts: old, values: { 'cpu.usage_pct': 5 } },
      { ts: now, values: { 'cpu.usage_pct': 6 } },
    ]);
    const rep = await store.maintain(now, { retention: true });
    expect(rep.rawDeleted).toBe(1);
    expect((db.sqlite.prepare('SELECT count(*) n FROM samples').get() as { n: number }).n).toBe(1);
    // The 5-minute rollup of the old point is kept (1 year).
    expect((db.sqlite.prepare('SELECT count(*) n FROM rollup_5m WHERE ts <= ?').get(old) as { n: number }).n).toBe(1);
  });

  it('picks the resolution from the range and step', () => {
    const now = Date.now();
    const r = DEFAULT_RETENTION;
    expect(chooseResolution({ deviceId: 1, name: 'x', from: now - H, to: now }, now, r)).toEqual({ resolution: 'raw', stepMs: 2000 });
    expect(chooseResolution({ deviceId: 1, name: 'x', from: now - 7 * 86_400_000, to: now }, now, r).resolution).toBe('5m');
    expect(chooseResolution({ deviceId: 1, name: 'x', from: now - 730 * 86_400_000, to: now }, now, r)).toEqual({ resolution: '1h', stepMs: 9 * H });
    expect(chooseResolution({ deviceId: 1, name: 'x', from: now - 40 * 86_400_000, to: now - 39 * 86_400_000, stepMs: 60_000 }, now, r).resolution).toBe('5m');
  });

  it('folds buckets keeping the latest value as last', () => {
    const b = foldBuckets(
      [
        { ts: 10, count: 1, sum: 3, min: 3, max: 3, last: 3, lastTs: 10 },
        { ts: 5, count: 1, sum: 9, min: 9, max: 9, last: 9, lastTs: 5 },
      ],
      100,
    );
    expect(b).toEqual([{ ts: 0, count: 2, sum: 12, min: 3, max: 9, last: 3, lastTs: 10 }]);
  });
});

describe('SQLite rollup statements', () => {
  /** The plan's lines for the outer table `l` (each bucket's newest sample). */
  const planOf = (statement: string) =>
    (db.sqlite.prepare(`EXPLAIN QUERY PLAN ${statement}`).all({ device: deviceId, from: 0 }) as { detail: string }[]).map((r) => r.detail);

  it('find each bucket’s newest value by the whole key, bucket by bucket (not every sample of the device against every bucket)', () => {
    // Without the fixed order the planner chose "SEARCH l USING PRIMARY KEY (device_id=?)" and probed
    // the buckets by series alone: 4,000 hourly samples of 10 series took seconds under the write lock.
    const five = planOf(ROLLUP_5M_SQL);
    expect(five, five.join(' | ')).toContain('SEARCH l USING PRIMARY KEY (device_id=? AND ts=? AND series_id=?)');
    expect(five.join(' | ')).not.toMatch(/AUTOMATIC|SCAN l/);
    const hour = planOf(ROLLUP_1H_SQL);
    expect(
      hour.find((d) => d.includes(' l ')),
      hour.join(' | '),
    ).toMatch(/^SEARCH l USING PRIMARY KEY \(series_id=\? AND ts>\? AND ts<\?\)$/);
    expect(hour.join(' | ')).not.toMatch(/AUTOMATIC|SCAN l/);
  });

  it('fold a backlog of hourly samples (an agent back after days) into the same buckets as the raw data', async () => {
    const t0 = Date.UTC(2026, 0, 5);
    const samples = Array.from({ length: 500 }, (_, i) => ({ ts: t0 + i * H, values: { 'cpu.usage_pct': i % 97, 'mem.used_pct': (i * 7) % 101 } }));
    await write(samples);
    await store.maintain(t0 + 600 * H);
    const expected = samples.map((s) => ({ ts: s.ts, count: 1, last: s.values['mem.used_pct'] }));
    for (const table of ['rollup_5m', 'rollup_1h'])
      expect(
        db.sqlite.prepare(`SELECT ts, count, last FROM ${table} WHERE series_id = (SELECT id FROM series WHERE key = 'mem.used_pct') ORDER BY ts`).all(),
        table,
      ).toEqual(expected);
  });
});
