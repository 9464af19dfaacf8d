import type { Aggregation } from '../metric-store.js';
import { ROLLUP_1H, ROLLUP_5M } from '../rollup.js';
import { T } from './pg-schema.js';

/**
 * The statements of the PostgreSQL metric store. Everything variable is a parameter; arrays go in
 * as one parameter each and come out of `unnest`, so a frame of any size is one statement.
 * `last` is the value at the newest time of the bucket, as in the embedded store.
 */

/** One write's samples: four parallel arrays. A resent frame is stored once (the embedded store's INSERT OR IGNORE). */
export const INSERT_SAMPLES = `INSERT INTO ${T.samples} (device_id, ts, series_id, value)
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::double precision[]) ON CONFLICT DO NOTHING`;

export const UPSERT_SERIES = `INSERT INTO ${T.series} (device_id, key, name, labels)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[])
  ON CONFLICT (device_id, key) DO UPDATE SET name = excluded.name RETURNING id, device_id, key`;

export const MARK_LATE = `INSERT INTO ${T.dirty} (device_id, from_ts) SELECT * FROM unnest($1::bigint[], $2::bigint[])
  ON CONFLICT (device_id) DO UPDATE SET from_ts = least(${T.dirty}.from_ts, excluded.from_ts)`;

const WINDOWS = 'w AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS w(device_id, from_ts))';
const SET_BUCKET =
  'ON CONFLICT (series_id, ts) DO UPDATE SET "count" = excluded."count", "sum" = excluded."sum", "min" = excluded."min", "max" = excluded."max", "last" = excluded."last", last_ts = excluded.last_ts';

/**
 * The 5-minute buckets of each window's device from its oldest new sample on ($1 devices, $2 bucket
 * starts, $3 the oldest of them, so that older partitions are pruned at planning). Each device's
 * samples are read and grouped on their own (LATERAL, through the samples' primary key): joined as
 * a whole, the planner hashed every sample of every device since the oldest window, so that each
 * slice of 500 devices read the whole fleet's (a pass grew with the square of the fleet: 448 ms a
 * slice at 33,000 devices, see bench fleet --pg-profile).
 */
export const ROLLUP_5M_SQL = `WITH ${WINDOWS}
  INSERT INTO ${T.rollup5m} (series_id, ts, "count", "sum", "min", "max", "last", last_ts)
  SELECT b.* FROM w CROSS JOIN LATERAL (
    SELECT s.series_id, s.ts - s.ts % ${ROLLUP_5M} AS b, count(*), sum(s.value), min(s.value), max(s.value),
           (array_agg(s.value ORDER BY s.ts DESC))[1], max(s.ts)
    FROM ${T.samples} s
    WHERE s.device_id = w.device_id AND s.ts >= w.from_ts AND s.ts >= $3::bigint
    GROUP BY s.series_id, 2) b ${SET_BUCKET}`;

/** The hours of those windows, from the 5-minute buckets ($2: hour starts); a device at a time, as above. */
export const ROLLUP_1H_SQL = `WITH ${WINDOWS}
  INSERT INTO ${T.rollup1h} (series_id, ts, "count", "sum", "min", "max", "last", last_ts)
  SELECT h.* FROM w CROSS JOIN LATERAL (
    SELECT r.series_id, r.ts - r.ts % ${ROLLUP_1H} AS h, sum(r."count"), sum(r."sum"), min(r."min"), max(r."max"),
           (array_agg(r."last" ORDER BY r.last_ts DESC))[1], max(r.last_ts)
    FROM ${T.series} se JOIN ${T.rollup5m} r ON r.series_id = se.id
    WHERE se.device_id = w.device_id AND r.ts >= w.from_ts AND r.ts >= $3::bigint
    GROUP BY r.series_id, 2) h ${SET_BUCKET}`;

/**
 * Set in each rollup transaction: each device's rows through the indexes, device by device, always.
 * On tables not yet analysed (a new day's partition) the planner read every series' buckets since
 * the window for each device and hashed them (57 s instead of 4 s a pass of 5,000 devices). And the
 * statements' estimated cost switched JIT compilation on: ~10 ms each, every slice.
 */
export const ROLLUP_SETTINGS = 'SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL jit = off';

/** Late marks folded by this pass: a mark moved earlier meanwhile (a newer late sample) stays. */
export const CLEAR_DIRTY = `DELETE FROM ${T.dirty} d USING unnest($1::bigint[], $2::bigint[]) AS w(device_id, from_ts)
  WHERE d.device_id = w.device_id AND d.from_ts >= w.from_ts`;

const RAW_AGG: Record<Aggregation, string> = {
  avg: 'avg(value)',
  min: 'min(value)',
  max: 'max(value)',
  sum: 'sum(value)',
  count: 'count(*)::double precision',
  last: '(array_agg(value ORDER BY ts DESC))[1]',
};
const ROLLUP_AGG: Record<Aggregation, string> = {
  avg: 'sum("sum") / sum("count")::double precision',
  min: 'min("min")',
  max: 'max("max")',
  sum: 'sum("sum")',
  count: 'sum("count")::double precision',
  last: '(array_agg("last" ORDER BY last_ts DESC))[1]',
};

/** Points of several series at once: $1 step, $2 device, $3 series ids, $4 from, $5 to (inclusive). */
export function rawPointsSql(agg: Aggregation): string {
  return `SELECT series_id, ts - ts % $1::bigint AS b, ${RAW_AGG[agg]} AS v FROM ${T.samples}
    WHERE device_id = $2 AND series_id = ANY($3::bigint[]) AND ts >= $4::bigint AND ts <= $5::bigint GROUP BY series_id, b ORDER BY series_id, b`;
}

/** Points of several series from a rollup table: $1 step, $2 series ids, $3 from, $4 to (inclusive). */
export function rollupPointsSql(table: typeof T.rollup5m | typeof T.rollup1h, agg: Aggregation): string {
  return `SELECT series_id, ts - ts % $1::bigint AS b, ${ROLLUP_AGG[agg]} AS v FROM ${table}
    WHERE series_id = ANY($2::bigint[]) AND ts >= $3::bigint AND ts <= $4::bigint GROUP BY series_id, b ORDER BY series_id, b`;
}

/** The newest stored value of each series of a device ($1) but those named in $2 (known from memory). */
export const LATEST_SQL = `SELECT se.key, l.ts, l.value FROM ${T.series} se
  CROSS JOIN LATERAL (SELECT ts, value FROM ${T.samples} WHERE device_id = se.device_id AND series_id = se.id ORDER BY ts DESC LIMIT 1) l
  WHERE se.device_id = $1 AND NOT (se.key = ANY($2::text[]))`;

/**
 * Bucket counts of many (device, window) pairs in one statement. Each device entry j ($1 entry,
 * $2 device, $3 positive) counts the series named in the pairs ($4 entry, $5 name; a null name:
 * all its series); each window i ($6 window, $7 entry, $8 from, $9 to) is counted by one range
 * read of the primary key (series_id, ts), as a single device's count would be. A window whose
 * entry has no series counted gives no row. `positive`: only where the bucket's max was above 0.
 */
export function bucketCountsSql(table: typeof T.rollup5m | typeof T.rollup1h): string {
  return `WITH entry AS (
    SELECT e.j, e.positive, array_agg(DISTINCT se.id) AS ids
    FROM unnest($1::int[], $2::bigint[], $3::boolean[]) AS e(j, device_id, positive)
    JOIN unnest($4::int[], $5::text[]) AS n(j, name) ON n.j = e.j
    JOIN ${T.series} se ON se.device_id = e.device_id AND (n.name IS NULL OR se.name = n.name)
    GROUP BY e.j, e.positive)
  SELECT w.i, c.n FROM unnest($6::int[], $7::int[], $8::bigint[], $9::bigint[]) AS w(i, j, from_ts, to_ts)
  JOIN entry ON entry.j = w.j
  CROSS JOIN LATERAL (SELECT count(DISTINCT r.ts) AS n FROM ${table} r
    WHERE r.series_id = ANY(entry.ids) AND r.ts >= w.from_ts AND r.ts < w.to_ts AND (NOT entry.positive OR r."max" > 0)) c`;
}

/** The series of several devices ($1), each device's ordered by key as the embedded store does (bytes). */
export const SERIES_OF_DEVICES = `SELECT device_id, id, key, name, labels FROM ${T.series} WHERE device_id = ANY($1::bigint[]) ORDER BY device_id, key COLLATE "C"`;
