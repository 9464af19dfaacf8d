import type { Pool, PoolClient } from 'pg';

/**
 * The metric tables on PostgreSQL, in their own schema so that they never meet the relational
 * tables when those move to PostgreSQL too. Every name here is a constant: no identifier is ever
 * built from data, only partition names from integer bounds.
 *
 * Times are `bigint` milliseconds, as in the embedded store: bucket starts are the same integer
 * arithmetic (`ts - ts % step`), and a range partition bound is an exact millisecond.
 */
export const SCHEMA = 'vigie_metrics';
export const T = {
  series: `${SCHEMA}.series`,
  samples: `${SCHEMA}.samples`,
  rollup5m: `${SCHEMA}.rollup_5m`,
  rollup1h: `${SCHEMA}.rollup_1h`,
  dirty: `${SCHEMA}.rollup_dirty`,
  watermark: `${SCHEMA}.rollup_watermark`,
} as const;

/**
 * Writes and API reads give up after a minute (a server that stopped answering must not hold the
 * ingest forever: the frame stays unacknowledged and is sent again). Maintenance statements work
 * through whole partitions and may take longer: they get hours.
 */
export const QUERY_TIMEOUT_MS = 60_000;
const MAINTENANCE_TIMEOUT_MS = 6 * 3_600_000;
export const maintenance = (text: string, values: unknown[] = []) => ({ text, values, query_timeout: MAINTENANCE_TIMEOUT_MS });

/** Serialises DDL between collectors sharing the database (schema set-up, partition creation and drops). */
export const DDL_LOCK_KEY = 0x76_69_67_69; // "vigi"

const ROLLUP_COLUMNS =
  'series_id bigint NOT NULL, ts bigint NOT NULL, "count" bigint NOT NULL, "sum" double precision NOT NULL, "min" double precision NOT NULL, "max" double precision NOT NULL, "last" double precision NOT NULL, last_ts bigint NOT NULL, PRIMARY KEY (series_id, ts)';

/**
 * Raw samples keyed (device, ts, series) as in SQLite: one frame's values are adjacent in the
 * index. Series ids are the store's own (the relational database may be another engine). Labels
 * are the JSON text the embedded store keeps (jsonb would reorder the keys).
 */
const DDL = [
  `CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`,
  `CREATE TABLE IF NOT EXISTS ${T.series} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, device_id bigint NOT NULL, key text NOT NULL, name text NOT NULL, labels text NOT NULL, UNIQUE (device_id, key))`,
  `CREATE INDEX IF NOT EXISTS series_device_name ON ${T.series} (device_id, name)`,
  `CREATE TABLE IF NOT EXISTS ${T.samples} (device_id bigint NOT NULL, ts bigint NOT NULL, series_id bigint NOT NULL, value double precision NOT NULL, PRIMARY KEY (device_id, ts, series_id)) PARTITION BY RANGE (ts)`,
  `CREATE TABLE IF NOT EXISTS ${T.rollup5m} (${ROLLUP_COLUMNS}) PARTITION BY RANGE (ts)`,
  `CREATE TABLE IF NOT EXISTS ${T.rollup1h} (${ROLLUP_COLUMNS}) PARTITION BY RANGE (ts)`,
  // Devices with samples older than the last rollup pass (late), durable so a crash does not lose them.
  `CREATE TABLE IF NOT EXISTS ${T.dirty} (device_id bigint PRIMARY KEY, from_ts bigint NOT NULL)`,
  // Each collector process's last rollup pass: on start, everything since the oldest is redone.
  `CREATE TABLE IF NOT EXISTS ${T.watermark} (worker text PRIMARY KEY, ts bigint NOT NULL)`,
];

/** Creates what is missing, under the DDL lock (two collectors starting together would race on IF NOT EXISTS). */
export async function ensureSchema(pool: Pool): Promise<void> {
  await transaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [DDL_LOCK_KEY]);
    for (const sql of DDL) await c.query(sql);
  });
}

/**
 * Runs `fn` in a transaction on one pooled connection. A connection whose ROLLBACK failed too (the
 * server went away) is discarded rather than returned to the pool; the original error is thrown.
 */
export async function transaction<R>(pool: Pool, fn: (c: PoolClient) => Promise<R>): Promise<R> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}
