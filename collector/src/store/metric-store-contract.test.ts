/**
 * The same cases against the embedded SQLite store, the InfluxDB 1.x store (a real influxd from
 * Debian's `influxdb` package) and the PostgreSQL store (a real PostgreSQL 15 from Debian's
 * `postgresql` package), both servers started here: same inputs, same answers — queries at each
 * resolution and aggregation, labels, latest values, series lists, availability buckets, rollups
 * (through the continuous queries and through the late-data backfill on InfluxDB, through
 * maintain() on PostgreSQL) and retention (partitions dropped on PostgreSQL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricSample } from '@vigie/shared';
import { type Influxd, type Postgres, startInfluxd, startPostgres } from '@vigie/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Database } from './database.js';
import { InfluxMetricStore } from './influx/influx-metric-store.js';
import { parseInfluxUrl } from './influx/influx-target.js';
import { type Aggregation, DEFAULT_RETENTION, type MetricQuery, type MetricStore, type RetentionPolicy, type SeriesPoints } from './metric-store.js';
import { PgMetricStore } from './postgres/pg-metric-store.js';
import { parsePostgresUrl } from './postgres/pg-target.js';
import { SqliteMetricStore } from './sqlite-metric-store.js';

const MIN = 60_000;
const H = 3_600_000;
const AGGS: Aggregation[] = ['avg', 'min', 'max', 'last', 'sum', 'count'];
/** Label values that line protocol has to escape: a Windows drive (trailing backslash), spaces, quotes, `%`, accents. */
const KEYS = ['cpu.usage_pct', 'fs.used_pct{mount=/}', 'fs.used_pct{mount=C:\\}', 'fs.used_pct{mount=/mnt/mes données "prod" 100%}', 'uptime_s'];

let influxd: Influxd;
let postgres: Postgres;
let dir: string;
let cases = 0;
const opened: { db: Database; sqlite: SqliteMetricStore; influx: InfluxMetricStore; pg: PgMetricStore; name: string }[] = [];

beforeAll(async () => {
  // Both servers start together; if one fails, the other is still kept so afterAll stops it.
  const [i, p] = await Promise.allSettled([startInfluxd(), startPostgres({ fast: true })]);
  if (i.status === 'fulfilled') influxd = i.value;
  if (p.status === 'fulfilled') postgres = p.value;
  for (const r of [i, p]) if (r.status === 'rejected') throw r.reason;
  dir = mkdtempSync(join(tmpdir(), 'vigie-contract-'));
});
afterAll(async () => {
  await influxd?.stop();
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.sqlite.close();
    await o.db.close();
    await o.influx.close();
    await o.pg.close();
    // Each case has its own databases; dropping InfluxDB's also drops its continuous queries.
    await influxd.query(`DROP DATABASE "${o.name}"`);
    postgres.psql(`DROP DATABASE ${o.name}`);
  }
});

/** The three stores, empty, with device 1 (and 2, 3 for several-device cases; the same ids in InfluxDB's tags and PostgreSQL's rows). */
async function both(retention: RetentionPolicy = DEFAULT_RETENTION) {
  const name = `contract_${++cases}`;
  const db = new Database({ path: join(dir, `${name}.db`), synchronous: 'normal' });
  await db.migrate();
  const sqlite = await SqliteMetricStore.open(db, retention);
  db.sqlite.exec(`INSERT INTO clients (name, created_at) VALUES ('c', 0); INSERT INTO sites (client_id, name, created_at) VALUES (1, 's', 0);
    INSERT INTO devices (site_id, client_id, kind, hostname, created_at) VALUES (1, 1, 'agent', 'h', 0), (1, 1, 'agentless', 'h2', 0), (1, 1, 'agent', 'h3', 0)`);
  const { store: influx } = await InfluxMetricStore.open(parseInfluxUrl(influxd.url(name)), { retention, cqEvery: '1s', lateLagMs: 0 });
  const pg = await PgMetricStore.open(parsePostgresUrl(await postgres.createDatabase(name)), { retention });
  opened.push({ db, sqlite, influx, pg, name });
  const deviceId = 1;
  /** Device 1's samples, or those of device 2 or 3 (also in SQLite's devices table). */
  const write = async (samples: MetricSample[], deviceId = 1) => {
    await db.writeLock(() => db.sqlite.transaction(() => sqlite.write([{ deviceId, samples }]))());
    await influx.write([{ deviceId, samples }]);
    await pg.write([{ deviceId, samples }]);
  };
  /** The stores compared with the embedded one. */
  const others: [string, MetricStore][] = [
    ['InfluxDB', influx],
    ['PostgreSQL', pg],
  ];
  return { db, sqlite, influx, pg, others, deviceId, write, name };
}

/** Samples every `everyMs` over [from, to), values varying per key so that every aggregation differs. */
function samples(from: number, to: number, everyMs: number, keys = KEYS): MetricSample[] {
  const out: MetricSample[] = [];
  for (let ts = from, i = 0; ts < to; ts += everyMs, i++) {
    const values: Record<string, number> = {};
    keys.forEach((k, j) => {
      values[k] = k === 'uptime_s' ? i * (everyMs / 1000) : ((i * 37 + j * 11) % 101) + (j + 1) / 8;
    });
    out.push({ ts, values });
  }
  return out;
}

function expectSame(a: SeriesPoints[], b: SeriesPoints[], what: string): void {
  const shape = (s: SeriesPoints[]) => s.map(({ points, ...rest }) => ({ ...rest, buckets: points.map((p) => p[0]) }));
  expect(shape(b), `${what}: series and buckets`).toEqual(shape(a));
  a.forEach((s, i) => {
    s.points.forEach(([t, v], j) => {
      const w = b[i]!.points[j]![1];
      // avg and sum may differ in the last bits: SQLite sums with compensation, InfluxDB does not.
      expect(Math.abs(v - w), `${what} ${s.key} at ${t}: ${v} vs ${w}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v)));
    });
  });
}

async function compareQueries(s: Awaited<ReturnType<typeof both>>, base: Omit<MetricQuery, 'deviceId' | 'name'>, expected: SeriesPoints['resolution']) {
  let points = 0;
  for (const name of ['cpu.usage_pct', 'fs.used_pct', 'uptime_s', 'no.such_metric']) {
    for (const agg of AGGS) {
      const q = { ...base, deviceId: s.deviceId, name, agg };
      const a = await s.sqlite.query(q);
      for (const [engine, other] of s.others) expectSame(a, await other.query(q), `${engine}: ${name} ${agg} step ${base.stepMs}`);
      for (const series of a) {
        expect(series.resolution).toBe(expected);
        points += series.points.length;
      }
    }
  }
  expect(points, 'the comparison covered data').toBeGreaterThan(0);
}

/** Until each continuous query has run at least twice since now (queryOk counts every CQ run of the server). */
async function continuousQueriesRan(): Promise<void> {
  const stat = async () => Number((await influxd.query("SHOW STATS FOR 'cq'"))[0]?.values[0]?.[1] ?? 0);
  const all = await influxd.query('SHOW CONTINUOUS QUERIES');
  const count = all.reduce((n, s) => n + (s.values?.length ?? 0), 0);
  const start = await stat();
  const until = Date.now() + 30_000;
  while ((await stat()) < start + 3 * count) {
    if (Date.now() > until) throw new Error('continuous queries did not run');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One device's buckets in one window, through the batched count. */
async function countOne(
  store: MetricStore,
  q: { deviceId: number; names?: readonly string[]; positive?: boolean; resolution: '5m' | '1h'; from: number; to: number },
): Promise<number> {
  const counts = await store.bucketCounts({
    resolution: q.resolution,
    devices: [{ deviceId: q.deviceId, names: q.names, positive: q.positive, windows: [{ from: q.from, to: q.to }] }],
  });
  expect(counts).toHaveLength(1);
  expect(counts[0]).toHaveLength(1);
  return counts[0]![0]!;
}

describe('MetricStore contract: SQLite, InfluxDB and PostgreSQL give the same answers', () => {
  it('raw queries: every aggregation, step and label set', async () => {
    const s = await both();
    const now = Date.now();
    await s.write(samples(now - 50 * MIN, now - MIN, 10_000));
    for (const stepMs of [1000, 10_000, 60_000, 120_000]) await compareQueries(s, { from: now - 55 * MIN, to: now, stepMs }, 'raw');
    // A range starting off a bucket boundary, and maxPoints raising the step.
    await compareQueries(s, { from: now - 37 * MIN - 4321, to: now - 3 * MIN, maxPoints: 50 }, 'raw');
    for (const [engine, other] of s.others) {
      const labels = (await other.query({ deviceId: s.deviceId, name: 'fs.used_pct', from: now - H, to: now })).map((x) => x.labels.mount);
      expect(labels.sort(), engine).toEqual(['/', '/mnt/mes données "prod" 100%', 'C:\\']);
    }
  });

  it('latest values, series lists and the newest samples for the rules', async () => {
    const s = await both();
    const now = Date.now();
    await s.write(samples(now - 20 * MIN, now - MIN, 30_000));
    await s.write([{ ts: now - 30 * MIN, values: { 'mem.used_pct': 12.5 } }]); // a series only in an older sample
    for (const [engine, other] of s.others) {
      expect(await other.latest(s.deviceId), engine).toEqual(await s.sqlite.latest(s.deviceId));
      expect(await other.listSeries(s.deviceId), engine).toEqual(await s.sqlite.listSeries(s.deviceId));
      expect([...other.newestSamples()], engine).toEqual([...s.sqlite.newestSamples()]);
      expect(await other.latest(999), engine).toEqual({});
      expect(await other.listSeries(999), engine).toEqual([]);
    }
    // Not only from memory: a restarted PostgreSQL store reads the newest values back.
    const reopened = await PgMetricStore.open(s.pg.target);
    try {
      expect(await reopened.latest(s.deviceId)).toEqual(await s.sqlite.latest(s.deviceId));
    } finally {
      await reopened.close();
    }
  });

  it('rollups of on-time samples by the continuous queries: 5-minute and hourly answers', async () => {
    const s = await both();
    const now = Date.now();
    // Within the last 10 minutes: on time, no late mark; only the continuous queries roll these up.
    await s.write(samples(now - 9 * MIN, now - 1000, 5000));
    expect(s.influx.stats.lateSamples).toBe(0);
    await s.sqlite.maintain(Date.now());
    await s.pg.maintain(Date.now());
    await continuousQueriesRan();
    await compareQueries(s, { from: now - 2 * H, to: now, stepMs: 300_000 }, '5m');
    await compareQueries(s, { from: now - 3 * H, to: now, stepMs: H }, '1h');
  });

  it('rollups of late samples (an agent back after two days) by maintain(), also into buckets already rolled up', async () => {
    const s = await both();
    const now = Date.now();
    const t0 = Math.floor((now - 2 * 24 * H) / H) * H;
    await s.write(samples(t0, t0 + 3 * H, 20_000));
    expect(s.influx.stats.lateSamples).toBeGreaterThan(0);
    const before = await s.influx.query({ deviceId: s.deviceId, name: 'cpu.usage_pct', from: t0, to: t0 + 3 * H, stepMs: 300_000 });
    expect(before[0]!.points, 'no rollup before maintain: the continuous queries do not reach two days back').toEqual([]);
    const [a, b, c] = [await s.sqlite.maintain(Date.now()), await s.influx.maintain(Date.now()), await s.pg.maintain(Date.now())];
    expect(a.windowsRolledUp).toBe(1); // one device: all its series in one window
    expect(b.windowsRolledUp).toBe(1); // one device's late window
    expect(c.windowsRolledUp).toBe(1);
    await compareQueries(s, { from: t0, to: t0 + 3 * H, stepMs: 300_000 }, '5m');
    await compareQueries(s, { from: t0 - H, to: t0 + 4 * H, stepMs: H }, '1h');
    await compareQueries(s, { from: t0, to: t0 + 3 * H, stepMs: 2 * H }, '1h');
    // More samples into the same hours, after their rollups exist.
    await s.write(samples(t0 + 10_000, t0 + H, 20_000, ['cpu.usage_pct']));
    await s.sqlite.maintain(Date.now());
    expect((await s.influx.maintain(Date.now())).windowsRolledUp).toBe(1);
    expect((await s.pg.maintain(Date.now())).windowsRolledUp).toBe(1);
    expect(s.pg.stats.lateSamples, 'two days old: marked late, durably').toBeGreaterThan(0);
    await compareQueries(s, { from: t0, to: t0 + 3 * H, stepMs: 300_000 }, '5m');
    await compareQueries(s, { from: t0, to: t0 + 3 * H, stepMs: H }, '1h');
    // Nothing left to fold: the cursor moved past the marks (the late marks were cleared).
    expect((await s.influx.maintain(Date.now())).windowsRolledUp).toBe(0);
    expect((await s.pg.maintain(Date.now())).windowsRolledUp).toBe(0);
  });

  it('availability buckets: the uptime series, any series, at 5 minutes and one hour', async () => {
    const s = await both();
    const now = Date.now();
    const t0 = Math.floor((now - 26 * H) / H) * H;
    // Gaps: the device is silent 40 minutes of every two hours.
    const all = samples(t0, t0 + 12 * H, 60_000).filter((x) => (x.ts - t0) % (2 * H) < 80 * MIN);
    await s.write(all);
    await s.sqlite.maintain(Date.now());
    await s.influx.maintain(Date.now());
    await s.pg.maintain(Date.now());
    for (const resolution of ['5m', '1h'] as const) {
      for (const names of [['uptime_s'], undefined, ['cpu.usage_pct', 'fs.used_pct'], ['no.such_metric'], []]) {
        const bq = { deviceId: s.deviceId, names, resolution, from: t0 - H, to: t0 + 13 * H };
        const want = await countOne(s.sqlite, bq);
        for (const [engine, other] of s.others) expect(await countOne(other, bq), `${engine} ${resolution} ${names}`).toBe(want);
      }
    }
    expect(await countOne(s.sqlite, { deviceId: s.deviceId, resolution: '5m', from: t0, to: t0 + 12 * H })).toBe(6 * 16);
  });

  it('availability buckets of an agentless device: only where its poll series reached above 0', async () => {
    const s = await both();
    const now = Date.now();
    const t0 = Math.floor((now - 26 * H) / H) * H;
    // A watcher polls every minute; the device answers (1) only the first 40 minutes of each hour, then 0.
    const polls: MetricSample[] = [];
    for (let ts = t0; ts < t0 + 6 * H; ts += MIN) polls.push({ ts, values: { snmp_up: (ts - t0) % H < 40 * MIN ? 1 : 0 } });
    await s.write(polls);
    await s.sqlite.maintain(Date.now());
    await s.influx.maintain(Date.now());
    await s.pg.maintain(Date.now());
    const q = { deviceId: s.deviceId, names: ['snmp_up'], from: t0, to: t0 + 6 * H };
    // Every 5-minute bucket holds a poll; 8 of 12 per hour were answered.
    expect(await countOne(s.sqlite, { ...q, resolution: '5m' })).toBe(72);
    expect(await countOne(s.sqlite, { ...q, resolution: '5m', positive: true })).toBe(48);
    for (const resolution of ['5m', '1h'] as const)
      for (const positive of [false, true])
        for (const [engine, other] of s.others)
          expect(await countOne(other, { ...q, resolution, positive }), `${engine} ${resolution} positive=${positive}`).toBe(
            await countOne(s.sqlite, { ...q, resolution, positive }),
          );
  });

  it('bucket counts of several devices and windows in one call: empty windows, a device without series, positive, window edges', async () => {
    const s = await both();
    const now = Date.now();
    const t0 = Math.floor((now - 26 * H) / H) * H;
    // Device 1: an agent silent 40 minutes of every two hours. Device 2: polled every minute, answering
    // (1) the first 40 minutes of each hour, 0 after. Device 3: no series at all.
    const agent = samples(t0, t0 + 6 * H, MIN).filter((x) => (x.ts - t0) % (2 * H) < 80 * MIN);
    const polls: MetricSample[] = [];
    for (let ts = t0; ts < t0 + 6 * H; ts += MIN) polls.push({ ts, values: { snmp_up: (ts - t0) % H < 40 * MIN ? 1 : 0 } });
    await s.write(agent, 1);
    await s.write(polls, 2);
    await s.sqlite.maintain(Date.now());
    await s.influx.maintain(Date.now());
    await s.pg.maintain(Date.now());
    const windows = [
      { from: t0 - 2 * H, to: t0 + 8 * H }, // everything
      { from: t0 - 2 * H, to: t0 }, // no data: the first bucket with data starts exactly at its end
      { from: t0 + 6 * H, to: t0 + 8 * H }, // no data: after the last sample
      { from: t0 + 75 * MIN, to: t0 + 80 * MIN }, // one 5-minute bucket, with data, at its start
      { from: t0 + 80 * MIN, to: t0 + 2 * H }, // device 1 silent; the next bucket with data starts exactly at its end
      { from: t0 + 2 * H, to: t0 + 2 * H + 5 * MIN }, // the first bucket after the silence, at its start
      { from: t0 + 40 * MIN, to: t0 + H }, // device 2 polled but unanswered there
      { from: t0 + H, to: t0 + H }, // empty
      { from: t0 + 3 * H, to: t0 + H }, // reversed: empty
      ...Array.from({ length: 6 }, (_, k) => ({ from: t0 + k * H, to: t0 + (k + 1) * H })), // consecutive, like months
      { from: t0, to: t0 + 6 * H }, // overlapping the others: counted on its own
    ];
    // What each store must answer, from the samples themselves: the buckets starting in the window
    // that hold a sample of a counted series (above 0 when `positive`).
    const oracle = (written: MetricSample[], keys: readonly string[] | undefined, positive: boolean, bucket: number) =>
      windows.map((w) => {
        const buckets = new Set<number>();
        for (const x of written) {
          const b = x.ts - (x.ts % bucket);
          for (const [key, value] of Object.entries(x.values))
            if ((!keys || keys.includes(key.replace(/\{.*$/, ''))) && (!positive || value > 0) && b >= w.from && b < w.to) buckets.add(b);
        }
        return buckets.size;
      });
    const devices = [
      { deviceId: 1, names: ['uptime_s'], windows },
      { deviceId: 2, names: ['snmp_up'], positive: true, windows },
      { deviceId: 3, windows }, // no series
      { deviceId: 1, windows }, // every series of the device
      { deviceId: 2, names: ['snmp_up'], windows }, // the same device again, every poll counted
      { deviceId: 1, names: ['cpu.usage_pct', 'fs.used_pct', 'no.such_metric'], windows },
      { deviceId: 1, names: [], windows }, // no series named: nothing counted
      { deviceId: 4, windows: [{ from: t0, to: t0 + H }] }, // a device the stores never heard of
      { deviceId: 2, names: ['snmp_up'], windows: [] },
    ];
    for (const [resolution, bucket] of [
      ['5m', 5 * MIN],
      ['1h', H],
    ] as const) {
      const want = [
        oracle(agent, ['uptime_s'], false, bucket),
        oracle(polls, ['snmp_up'], true, bucket),
        windows.map(() => 0),
        oracle(agent, undefined, false, bucket),
        oracle(polls, ['snmp_up'], false, bucket),
        oracle(agent, ['cpu.usage_pct', 'fs.used_pct'], false, bucket),
        windows.map(() => 0),
        [0],
        [],
      ];
      const got = await s.sqlite.bucketCounts({ resolution, devices });
      expect(got, `SQLite ${resolution}`).toEqual(want);
      for (const [engine, other] of s.others) expect(await other.bucketCounts({ resolution, devices }), `${engine} ${resolution}`).toEqual(want);
      if (resolution === '5m') {
        // The edges, spelled out: a bucket at a window's start counts, one at its end does not.
        expect(got[0]!.slice(0, 7)).toEqual([3 * 16, 0, 0, 1, 0, 1, 4]);
        expect(got[1]!.slice(0, 7)).toEqual([6 * 8, 0, 0, 1, 4, 1, 0]);
        expect(got[4]!.slice(0, 7)).toEqual([6 * 12, 0, 0, 1, 8, 1, 4]);
      } else {
        expect(got[0]!.slice(9, 15)).toEqual([1, 1, 1, 1, 1, 1]);
        expect(got[0]!.slice(0, 3)).toEqual([6, 0, 0]);
      }
    }
    // The series of several devices at once: each as listed alone, the one without any too.
    for (const store of [s.sqlite, s.influx, s.pg]) {
      const listed = await store.listSeriesOf([1, 2, 3, 999]);
      expect([...listed.keys()], store.kind).toEqual([1, 2, 3, 999]);
      for (const id of [1, 2, 3, 999]) expect(listed.get(id), `${store.kind} device ${id}`).toEqual(await s.sqlite.listSeries(id));
    }
    expect((await s.sqlite.listSeries(1)).map((x) => x.key)).toEqual([...KEYS].sort());
    expect(await s.sqlite.listSeries(2)).toEqual([{ key: 'snmp_up', name: 'snmp_up', labels: {} }]);
    expect(await s.sqlite.listSeries(3)).toEqual([]);
  });

  it('retention per resolution: the same points deleted, the same answers after', async () => {
    // The 5-minute retention ends 3 hours before the test's real now: InfluxDB's hourly continuous
    // query keeps recomputing the hours of its 2-hour window from the 5-minute rollups, so a trim
    // inside that window (which only a clock moved by a day can make) would change them under it.
    const retention = { rawMs: 5 * H, fiveMinMs: 28 * H, hourMs: 3 * 24 * H };
    const s = await both(retention);
    const now = Date.now();
    await s.write(samples(now - 4 * H, now - 11 * MIN, 60_000));
    await s.sqlite.maintain(Date.now());
    await s.influx.maintain(Date.now());
    await s.pg.maintain(Date.now());
    // A day later: every raw sample and the 5-minute rollups older than 28 hours have to go.
    const later = now + 25 * H;
    const dropsBefore = s.pg.partitions.stats.dropped;
    const [a, b, c] = [
      await s.sqlite.maintain(later, { retention: true }),
      await s.influx.maintain(later, { retention: true }),
      await s.pg.maintain(later, { retention: true }),
    ];
    expect(a.rawDeleted).toBe(229 * KEYS.length);
    expect(a.fiveMinDeleted).toBeGreaterThan(0);
    expect({ ...b, windowsRolledUp: 0, ms: 0 }).toEqual({ ...a, windowsRolledUp: 0, rollupRows: undefined, ms: 0 });
    const deleted = (r: typeof a) => [r.rawDeleted, r.fiveMinDeleted, r.hourDeleted];
    expect(deleted(c), 'PostgreSQL: the same rows gone').toEqual(deleted(a));
    // The day the oldest samples fell in ends at most 20 hours after them, before the cut: dropped whole.
    expect(s.pg.partitions.stats.dropped - dropsBefore).toBeGreaterThanOrEqual(1);
    // The same answers once the continuous queries have run again over what is left.
    await continuousQueriesRan();
    await compareQueries(s, { from: now - 2 * H, to: now, stepMs: 300_000 }, '5m');
    await compareQueries(s, { from: now - 3 * H, to: now, stepMs: H }, '1h');
    for (const agg of AGGS) {
      const q = { deviceId: s.deviceId, name: 'fs.used_pct', from: now - 100 * MIN, to: now, stepMs: 1000, agg };
      const x = await s.sqlite.query(q);
      expect(x.map((r) => r.resolution)).toEqual(['raw', 'raw', 'raw']);
      for (const [engine, other] of s.others) {
        const y = await other.query(q);
        expect(y.flatMap((r) => r.points)).toEqual([]);
        expectSame(x, y, `${engine}: raw after retention, ${agg}`);
      }
    }
    // Retention policies on the server: the configured ages, rounded up to hours.
    const rps = await influxd.query(`SHOW RETENTION POLICIES ON "${s.name}"`);
    expect(rps[0]!.values.map((v) => [v[0], v[1]])).toEqual(
      expect.arrayContaining([
        ['vigie_raw', '5h0m0s'],
        ['vigie_5m', '28h0m0s'],
        ['vigie_1h', '72h0m0s'],
        ['vigie_meta', '0s'],
      ]),
    );
  });

  it('stores a resent frame once', async () => {
    const s = await both();
    const now = Date.now();
    const batch = samples(now - 5 * MIN, now, 10_000);
    await s.write(batch);
    await s.write(batch); // the ack was lost: the agent sends the same frame again
    const raw = { deviceId: s.deviceId, name: 'cpu.usage_pct', from: now - 10 * MIN, to: now, stepMs: 1000, agg: 'count' as const };
    for (const [engine, other] of s.others) expectSame(await s.sqlite.query(raw), await other.query(raw), `${engine}: resend`);
    const counted = await influxd.query('SELECT count("value") FROM "vigie_raw"."samples"', s.name);
    expect(counted[0]!.values[0]![1]).toBe(batch.length * KEYS.length);
    expect(postgres.psql('SELECT count(*) FROM vigie_metrics.samples', s.name)).toEqual([String(batch.length * KEYS.length)]);
  });
});
