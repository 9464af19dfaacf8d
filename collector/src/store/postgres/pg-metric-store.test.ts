/**
 * What only the PostgreSQL metric store has (its answers are the embedded store's: see
 * metric-store-contract.test.ts): its URL, partitions created for the data and dropped by
 * retention, several collectors on one database, and a server that goes away and comes back.
 * Against a real PostgreSQL 15 (Debian's `postgresql`, started here).
 */
import type { MetricSample } from '@vigie/shared';
import { type Postgres, startPostgres } from '@vigie/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROLLUP_1H_SQL, ROLLUP_5M_SQL, ROLLUP_SETTINGS } from './pg-metric-sql.js';
import { PgMetricStore } from './pg-metric-store.js';
import { partitionStart } from './pg-partitions.js';
import { parsePostgresUrl } from './pg-target.js';

const H = 3_600_000;
const DAY = 24 * H;
let postgres: Postgres;
let databases = 0;
const opened: PgMetricStore[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

async function open(
  url?: string,
  retention?: { rawMs: number; fiveMinMs: number; hourMs: number },
): Promise<{ store: PgMetricStore; url: string; db: string }> {
  const db = `pgstore_${++databases}`;
  const u = url ?? (await postgres.createDatabase(db));
  const store = await PgMetricStore.open(parsePostgresUrl(u), retention ? { retention } : {});
  opened.push(store);
  return { store, url: u, db: url ? new URL(url).pathname.slice(1) : db };
}

const partitions = (db: string, parent: string) =>
  postgres.psql(
    `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'vigie_metrics.${parent}'::regclass ORDER BY 1`,
    db,
  );
const count = (db: string, table: string) => Number(postgres.psql(`SELECT count(*) FROM vigie_metrics.${table}`, db)[0]);

describe('the --metrics postgres:// URL', () => {
  it('reads user, host, port, database, TLS; the password from the URL or VIGIE_PG_PASSWORD', () => {
    expect(parsePostgresUrl('postgres://vigie:s%40cret@db.example:6543/vigie_metrics?sslmode=require', {})).toEqual({
      host: 'db.example',
      port: 6543,
      database: 'vigie_metrics',
      user: 'vigie',
      password: 's@cret',
      ssl: true,
    });
    expect(parsePostgresUrl('postgresql://[::1]/m', { VIGIE_PG_PASSWORD: 'p' })).toEqual({
      host: '::1',
      port: 5432,
      database: 'm',
      user: 'postgres',
      password: 'p',
      ssl: false,
    });
  });

  it.each([
    ['postgres://db.example', /il manque le nom de la base[\s\S]*\n--metrics: the database name \(the URL path\) is missing/],
    ['postgres://u:topsecret@db.example/a;drop', /1 à 63 lettres[\s\S]*1-63 letters/],
    ['mysql://db.example/vigie', /schéma "mysql:" inconnu \(postgres:\/\/ pour PostgreSQL[\s\S]*unknown scheme "mysql:"/],
    ['postgres://db.example/vigie?options=-c%20x', /paramètre « options » non pris en charge[\s\S]*unsupported parameter "options"/],
    ['postgres://db.example:99999/vigie', /ce n’est pas une URL|port invalide/],
    ['not a url', /ce n’est pas une URL[\s\S]*not a URL/],
  ])('refuses %s with VIGIE_E_METRICS_URL_INVALID, French first, English after, never the password', (url, text) => {
    let err: unknown;
    try {
      parsePostgresUrl(url, {});
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'VIGIE_E_METRICS_URL_INVALID', status: 400 });
    const message = (err as Error).message.replaceAll('\u00a0', ' ');
    expect(message).toMatch(text);
    expect(message).toMatch(/^--metrics : /);
    expect(message).not.toContain('topsecret');
  });
});

describe('partitions', () => {
  it('are created ahead of the data, and for data outside them when it arrives', async () => {
    const { store, db } = await open();
    const now = Date.now();
    // On open: the current and the next partition of each table.
    expect(partitions(db, 'samples')).toHaveLength(2);
    expect(partitions(db, 'rollup_5m')).toHaveLength(2);
    expect(partitions(db, 'rollup_1h')).toHaveLength(2);
    // An agent back after ten days: its day gets a partition, and so do its week and 30 days of rollups.
    const old = Math.floor((now - 10 * DAY) / DAY) * DAY + 5 * 60_000;
    await store.write([{ deviceId: 7, samples: [{ ts: old, values: { 'cpu.usage_pct': 3 } }] }]);
    const day = new Date(old).toISOString().slice(0, 10).replaceAll('-', '');
    expect(partitions(db, 'samples')).toContain(`samples_d${day}`);
    // The row is in that partition, not anywhere else.
    expect(postgres.psql(`SELECT count(*) FROM vigie_metrics.samples_d${day}`, db)).toEqual(['1']);
    await store.maintain(Date.now());
    expect(count(db, 'rollup_5m')).toBe(1);
    expect(count(db, 'rollup_1h')).toBe(1);
  });

  it('for rows written straight into one table (a seeded history), only that table gets partitions', async () => {
    const { store, db } = await open();
    const twoYearsAgo = Date.now() - 730 * DAY;
    await store.partitions.ensureFor([twoYearsAgo, twoYearsAgo + 40 * DAY], ['rollup1h']);
    expect(partitions(db, 'rollup_1h')).toHaveLength(4);
    expect(partitions(db, 'samples')).toHaveLength(2);
    expect(partitions(db, 'rollup_5m')).toHaveLength(2);
    // A row goes into the partition created for its time.
    const first = partitionStart('rollup1h', twoYearsAgo);
    postgres.psql(
      `INSERT INTO vigie_metrics.rollup_1h VALUES (1, ${twoYearsAgo}, 1, 1, 1, 1, 1, ${twoYearsAgo}), (1, ${twoYearsAgo + 40 * DAY}, 1, 1, 1, 1, 1, 0)`,
      db,
    );
    const day = new Date(first).toISOString().slice(0, 10).replaceAll('-', '');
    expect(postgres.psql(`SELECT count(*) FROM vigie_metrics.rollup_1h_m${day}`, db)).toEqual(['1']);
  });

  it('retention drops the partitions entirely past it and trims the one it cuts through', async () => {
    const retention = { rawMs: 2 * DAY, fiveMinMs: 20 * DAY, hourMs: 400 * DAY };
    const { store, db } = await open(undefined, retention);
    const now = Date.now();
    const today = Math.floor(now / DAY) * DAY;
    // Hourly samples over the last five whole days and today so far.
    const samples: MetricSample[] = [];
    for (let ts = today - 5 * DAY; ts < now - 60_000; ts += H) samples.push({ ts, values: { 'cpu.usage_pct': (ts / H) % 7, uptime_s: ts / 1000 } });
    await store.write([{ deviceId: 1, samples }]);
    await store.maintain(Date.now());
    const daysBefore = partitions(db, 'samples');
    const rawBefore = count(db, 'samples');
    const cutoff = now - retention.rawMs;
    const expected = samples.filter((s) => s.ts < cutoff).length * 2;
    const report = await store.maintain(now, { retention: true });
    expect(report.rawDeleted).toBe(expected);
    expect(count(db, 'samples')).toBe(rawBefore - expected);
    expect(Number(postgres.psql(`SELECT count(*) FROM vigie_metrics.samples WHERE ts < ${cutoff}`, db)[0])).toBe(0);
    // The days wholly before the cut are gone as tables; the cut's own day is kept, trimmed.
    const wholeDaysGone = daysBefore.filter((name) => {
      const d = name.slice('samples_d'.length);
      const start = Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)));
      return start + DAY <= cutoff;
    });
    expect(wholeDaysGone.length).toBeGreaterThanOrEqual(3);
    expect(partitions(db, 'samples')).toEqual(daysBefore.filter((n) => !wholeDaysGone.includes(n)));
    expect(store.partitions.stats.dropped).toBe(wholeDaysGone.length);
    // The 5-minute rollups (20 days) keep everything: nothing of them was dropped.
    expect(report.fiveMinDeleted).toBe(0);
    const five = await store.query({ deviceId: 1, name: 'cpu.usage_pct', from: today - 5 * DAY, to: now, stepMs: 300_000, agg: 'count' });
    expect(five[0]!.resolution).toBe('5m');
    expect(five[0]!.points.reduce((n, p) => n + p[1], 0)).toBe(samples.length);
  });
});

describe('several collectors on one database', () => {
  it('two stores writing the same new series at once each store every value once', async () => {
    const { url, db } = await open();
    const [a, b] = [(await open(url)).store, (await open(url)).store];
    const now = Date.now();
    const frame = (offset: number): MetricSample[] =>
      Array.from({ length: 20 }, (_, i) => ({ ts: now - 60_000 + i * 1000 + offset, values: { 'cpu.usage_pct': i, 'fs.used_pct{mount=/}': i } }));
    await Promise.all([a.write([{ deviceId: 3, samples: frame(0) }]), b.write([{ deviceId: 3, samples: frame(500) }])]);
    expect(count(db, 'series')).toBe(2);
    expect(count(db, 'samples')).toBe(80);
  });

  it('a partition dropped by another collector is created again by the next write', async () => {
    const { store, url, db } = await open();
    // The other collector keeps raw samples one day only.
    const other = (await open(url, { rawMs: DAY, fiveMinMs: 366 * DAY, hourMs: 3 * 366 * DAY })).store;
    const old = Date.now() - 3 * DAY;
    await store.write([{ deviceId: 1, samples: [{ ts: old, values: { x: 1 } }] }]);
    // Its retention drops that day's partition; this one still believes it exists.
    await other.maintain(Date.now(), { retention: true });
    const day = `samples_d${new Date(old).toISOString().slice(0, 10).replaceAll('-', '')}`;
    expect(partitions(db, 'samples')).not.toContain(day);
    await store.write([{ deviceId: 1, samples: [{ ts: old + 1000, values: { x: 2 } }] }]);
    expect(partitions(db, 'samples')).toContain(day);
    expect(postgres.psql(`SELECT value FROM vigie_metrics.${day}`, db)).toEqual(['2']);
  });
});

describe('PostgreSQL down', () => {
  it('a write fails with METRICS_UNAVAILABLE and counts nothing as received; after the restart the same write is stored', async () => {
    const { store, db } = await open();
    const now = Date.now();
    await store.write([{ deviceId: 1, samples: [{ ts: now - 2000, values: { 'cpu.usage_pct': 1 } }] }]);
    const frame = [{ deviceId: 1, samples: [{ ts: now - 1000, values: { 'cpu.usage_pct': 2, 'mem.used_pct': 5 } }] }];
    await postgres.down();
    try {
      await expect(store.write(frame)).rejects.toMatchObject({ code: 'VIGIE_E_METRICS_UNAVAILABLE' });
      await expect(store.query({ deviceId: 1, name: 'cpu.usage_pct', from: now - 60_000, to: now })).rejects.toMatchObject({
        code: 'VIGIE_E_METRICS_UNAVAILABLE',
      });
      await expect(store.maintain(Date.now())).rejects.toMatchObject({ code: 'VIGIE_E_METRICS_UNAVAILABLE' });
      // The rules engine does not see a value that was not stored.
      expect([...store.newestSamples()]).toEqual([[1, { ts: now - 2000, values: { 'cpu.usage_pct': 1 } }]]);
      expect(store.stats.failedWrites).toBe(1);
    } finally {
      await postgres.up();
    }
    // The pooled connections the shutdown closed were noticed (not a crash), and are replaced.
    expect(store.stats.connectionErrors).toBeGreaterThan(0);
    await store.write(frame);
    expect(count(db, 'samples')).toBe(3);
    expect(count(db, 'series')).toBe(2);
    // The rollup pass that failed during the outage left its devices to the next one.
    expect((await store.maintain(Date.now())).windowsRolledUp).toBe(1);
    expect(count(db, 'rollup_5m')).toBeGreaterThan(0);
  });

  it('cannot open: METRICS_UNAVAILABLE naming the server, without the password', async () => {
    const url = `postgres://postgres:hunter2@127.0.0.1:${postgres.port}/no_such_database`;
    await expect(PgMetricStore.open(parsePostgresUrl(url))).rejects.toMatchObject({
      code: 'VIGIE_E_METRICS_UNAVAILABLE',
      message: expect.stringMatching(/^PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/no_such_database: .*no_such_database/),
    });
    await expect(PgMetricStore.open(parsePostgresUrl(url))).rejects.not.toMatchObject({ message: expect.stringContaining('hunter2') });
  });
});

describe('late samples', () => {
  it('a late sample marked after a pass survives a restart before the next pass', async () => {
    const { store, url, db } = await open();
    const hour = Math.floor((Date.now() - 2 * H) / H) * H;
    await store.write([{ deviceId: 1, samples: [{ ts: hour + 1000, values: { 'cpu.usage_pct': 10 } }] }]);
    await store.maintain(Date.now());
    await store.write([{ deviceId: 1, samples: [{ ts: hour + 2000, values: { 'cpu.usage_pct': 30 } }] }]); // late: older than the pass
    expect(count(db, 'rollup_dirty')).toBe(1);
    await store.close();
    opened.splice(opened.indexOf(store), 1);
    const again = (await open(url)).store;
    await again.maintain(Date.now() + 60_000);
    expect(postgres.psql(`SELECT "count", "sum", "min", "max", "last" FROM vigie_metrics.rollup_1h WHERE ts = ${hour}`, db)).toEqual(['2|40|10|30|30']);
    expect(count(db, 'rollup_dirty')).toBe(0);
  });
});

describe('rollup passes', () => {
  /** Rows the statement read from the tables whose names start with `prefix` (EXPLAIN ANALYZE in a pass's settings, the writes rolled back). */
  function rowsRead(db: string, statement: string, values: [number[], number[], number], prefix: string): number {
    const [devices, froms, oldest] = values;
    const text = statement
      .replace('$1::bigint[]', `ARRAY[${devices.join(',')}]::bigint[]`)
      .replace('$2::bigint[]', `ARRAY[${froms.join(',')}]::bigint[]`)
      .replaceAll('$3::bigint', `${oldest}::bigint`);
    const out = postgres
      .psql(`BEGIN; ${ROLLUP_SETTINGS}; EXPLAIN (ANALYZE, FORMAT JSON) ${text}; ROLLBACK`, db)
      .filter((l) => !['BEGIN', 'SET', 'ROLLBACK'].includes(l));
    const plan = JSON.parse(out.join('\n')) as [{ Plan: PlanNode }];
    let read = 0;
    const walk = (n: PlanNode) => {
      if (n['Relation Name']?.startsWith(prefix)) read += n['Actual Rows'] * n['Actual Loops'];
      for (const c of n.Plans ?? []) walk(c);
    };
    walk(plan[0].Plan);
    return read;
  }
  interface PlanNode {
    'Relation Name'?: string;
    'Actual Rows': number;
    'Actual Loops': number;
    Plans?: PlanNode[];
  }

  it("read only the slice's own devices, however many devices the tables hold", async () => {
    // Joined as a whole, the planner hashed every device's samples since the slice's oldest window:
    // each slice of 500 read the whole fleet's, and a pass grew with the square of the fleet.
    const { store, db } = await open();
    const t0 = Math.floor((Date.now() - 2 * H) / H) * H;
    const devices = 2000;
    for (let minute = 0; minute < 3; minute++)
      await store.write(
        Array.from({ length: devices }, (_, i) => ({
          deviceId: i + 1,
          samples: [{ ts: t0 + minute * 60_000, values: { 'cpu.usage_pct': i % 100, 'mem.used_pct': minute, 'disk.used_pct': 1, 'net.rx_bps': 2 } }],
        })),
      );
    await store.maintain(Date.now());
    const slice = Array.from({ length: 500 }, (_, i) => i + 1); // a pass's slice (ROLLUP_SLICE)
    const window: [number[], number[], number] = [slice, slice.map(() => t0), t0];
    expect(count(db, 'samples')).toBe(devices * 3 * 4);
    // Each of the slice's 500 devices: 4 series × 3 samples, and 4 series × 1 five-minute bucket;
    // on tables the planner knows nothing of yet (a new day's partitions), then once analysed.
    for (const analysed of [false, true]) {
      if (analysed) postgres.psql('ANALYZE', db);
      expect(rowsRead(db, ROLLUP_5M_SQL, window, 'samples'), `analysed: ${analysed}`).toBe(500 * 4 * 3);
      expect(rowsRead(db, ROLLUP_1H_SQL, window, 'rollup_5m'), `analysed: ${analysed}`).toBe(500 * 4);
    }
  });
});
