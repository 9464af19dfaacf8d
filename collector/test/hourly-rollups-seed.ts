import { parseSeriesKey } from '@vigie/shared';
import { Database } from '../src/store/database.js';
import type { MetricStore } from '../src/store/metric-store.js';
import type { CollectorStore } from '../src/store/open-relational-store.js';
import { UPSERT_SERIES } from '../src/store/postgres/pg-metric-sql.js';
import { PgMetricStore } from '../src/store/postgres/pg-metric-store.js';
import { T } from '../src/store/postgres/pg-schema.js';
import { SqliteMetricStore } from '../src/store/sqlite-metric-store.js';

/** One series of a device and the hours (bucket starts, ms) it has a rollup for. */
export interface SeededSeries {
  deviceId: number;
  /** Series key, e.g. `uptime_s`. */
  key: string;
  hours: readonly number[];
}

/**
 * Years of hourly rollups written straight into the metric store's hourly table, for tests that
 * need the volume of a long history (reports-stats.test.ts: two years of 20 devices). Writing the
 * raw samples and letting `maintain` roll them up would be the ingest's own path, but one pass
 * over two years of a device is far too slow for a test (the SQLite rollup of a window grows with
 * its square), so each engine gets the rows its rollup pass would have left:
 * - SQLite: `series` and `rollup_1h` of the file, in one write transaction;
 * - PostgreSQL: the store's own series upsert, its own partitions of `vigie_metrics.rollup_1h`
 *   (Partitions.ensureFor, so the partitioning rule stays in pg-partitions.ts), one `unnest`
 *   insert per series.
 * Each rollup row stands for 12 five-minute buckets of the value 1 (a heartbeat every 5 minutes).
 */
export async function seedHourlyRollups(db: CollectorStore, metrics: MetricStore, series: readonly SeededSeries[]): Promise<void> {
  if (metrics instanceof SqliteMetricStore && db instanceof Database) return seedSqlite(db, series);
  if (metrics instanceof PgMetricStore) return seedPostgres(metrics, series);
  throw new Error(`hourly rollups cannot be seeded into a ${metrics.kind} metric store`);
}

function seedSqlite(db: Database, series: readonly SeededSeries[]): Promise<void> {
  return db.writeTransaction(() => {
    const upsert = db.sqlite.prepare(
      'INSERT INTO series (device_id, key, name, labels) VALUES (?, ?, ?, ?) ON CONFLICT (device_id, key) DO UPDATE SET name = excluded.name RETURNING id',
    );
    const rollup = db.sqlite.prepare('INSERT INTO rollup_1h (series_id, ts, count, sum, min, max, last, last_ts) VALUES (?, ?, 12, 12, 1, 1, 1, ?)');
    for (const s of series) {
      const { name, labels } = parseSeriesKey(s.key);
      const { id } = upsert.get(s.deviceId, s.key, name, JSON.stringify(labels)) as { id: number };
      for (const ts of s.hours) rollup.run(id, ts, ts + 59 * 60_000);
    }
  });
}

async function seedPostgres(store: PgMetricStore, series: readonly SeededSeries[]): Promise<void> {
  const parsed = series.map((s) => parseSeriesKey(s.key));
  const { rows } = await store.pool.query<{ id: number; device_id: number; key: string }>(UPSERT_SERIES, [
    series.map((s) => s.deviceId),
    series.map((s) => s.key),
    parsed.map((p) => p.name),
    parsed.map((p) => JSON.stringify(p.labels)),
  ]);
  const ids = new Map(rows.map((r) => [`${r.device_id} ${r.key}`, Number(r.id)]));
  await store.partitions.ensureFor(
    series.flatMap((s) => s.hours),
    ['rollup1h'],
  );
  for (const s of series) {
    const id = ids.get(`${s.deviceId} ${s.key}`)!;
    await store.pool.query(
      `INSERT INTO ${T.rollup1h} (series_id, ts, "count", "sum", "min", "max", "last", last_ts)
       SELECT $1::bigint, h, 12, 12, 1, 1, 1, h + 59 * 60000 FROM unnest($2::bigint[]) AS h`,
      [id, s.hours],
    );
  }
}
