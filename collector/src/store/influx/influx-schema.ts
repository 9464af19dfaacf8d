import { createHash } from 'node:crypto';
import { type InfluxDB, escape as influxEscape } from 'influx';
import type { RetentionPolicy } from '../metric-store.js';

/**
 * The InfluxDB layout that mirrors the embedded store: one retention policy per resolution, each
 * with its own measurement (so a `DELETE FROM` one never touches another), and two continuous
 * queries doing the embedded rollups server-side (raw → 5 min → 1 h). Every point carries the tags
 * `device` (id), `name` (metric name) and `key` (the whole series key, encoded by `encodeTag`).
 */
export const RP = { raw: 'vigie_raw', fiveMin: 'vigie_5m', hour: 'vigie_1h', meta: 'vigie_meta' } as const;
export const MEASUREMENT = {
  raw: 'samples',
  fiveMin: 'rollup_5m',
  hour: 'rollup_1h',
  /** Late samples' (device, time range), written with the samples: maintain() folds them in. */
  late: 'rollup_late',
  /** The newest late mark already folded in (one point, in the never-expiring meta policy). */
  cursor: 'rollup_cursor',
} as const;

/** Each run of a continuous query recomputes its last FOR window, the running bucket included. */
export const CQ_WINDOW = { fiveMin: '15m', hour: '2h' } as const;
/** Samples older than this when written may miss the 5-minute query's window: they are marked late. */
export const ON_TIME_MS = 10 * 60_000;

const H = 3_600_000;

export interface InfluxLayout {
  db: string;
  retention: RetentionPolicy;
  /** How often the continuous queries run (InfluxQL duration, `1m` by default). */
  cqEvery: string;
}

export const q = (identifier: string) => influxEscape.quoted(identifier);
const from = (db: string, rp: string, m: string) => `${q(db)}.${q(rp)}.${q(m)}`;

/**
 * The rollup queries, shared by the continuous queries and the late-data backfill (which adds a
 * WHERE clause): the same fields as the embedded rollup tables (count, sum, min, max, last).
 */
export function rollupSelect(db: string, level: '5m' | '1h', where = ''): string {
  const w = where ? ` WHERE ${where}` : '';
  if (level === '5m')
    return `SELECT count("value") AS "count", sum("value") AS "sum", min("value") AS "min", max("value") AS "max", last("value") AS "last" INTO ${from(db, RP.fiveMin, MEASUREMENT.fiveMin)} FROM ${from(db, RP.raw, MEASUREMENT.raw)}${w} GROUP BY time(5m), *`;
  return `SELECT sum("count") AS "count", sum("sum") AS "sum", min("min") AS "min", max("max") AS "max", last("last") AS "last" INTO ${from(db, RP.hour, MEASUREMENT.hour)} FROM ${from(db, RP.fiveMin, MEASUREMENT.fiveMin)}${w} GROUP BY time(1h), *`;
}

export interface ContinuousQuery {
  name: string;
  statement: string;
}

/** Named after a hash of their definition: a changed definition gets a new name, the old one is dropped. */
export function continuousQueries(layout: InfluxLayout): ContinuousQuery[] {
  const make = (level: '5m' | '1h', window: string) => {
    const body = `RESAMPLE EVERY ${layout.cqEvery} FOR ${window} BEGIN ${rollupSelect(layout.db, level)} END`;
    const name = `vigie_rollup_${level}_${createHash('sha256').update(body).digest('hex').slice(0, 8)}`;
    return { name, statement: `CREATE CONTINUOUS QUERY ${q(name)} ON ${q(layout.db)} ${body}` };
  };
  return [make('5m', CQ_WINDOW.fiveMin), make('1h', CQ_WINDOW.hour)];
}

/** Influx keeps whole hours at least: a policy is rounded up, and maintain() trims to the millisecond. */
export function policyHours(ms: number): number {
  return Math.max(1, Math.ceil(ms / H));
}

function policies(layout: InfluxLayout): { name: string; hours: number; isDefault: boolean }[] {
  return [
    { name: RP.raw, hours: policyHours(layout.retention.rawMs), isDefault: true },
    { name: RP.fiveMin, hours: policyHours(layout.retention.fiveMinMs), isDefault: false },
    { name: RP.hour, hours: policyHours(layout.retention.hourMs), isDefault: false },
    { name: RP.meta, hours: 0, isDefault: false }, // 0: kept forever
  ];
}

/** `720h0m0s` → 720 (Influx's SHOW RETENTION POLICIES); `0s` → 0 (infinite). */
export function durationHours(d: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  if (!m) return Number.NaN;
  return Number(m[1] ?? 0) + Number(m[2] ?? 0) / 60 + Number(m[3] ?? 0) / 3600;
}

export interface SchemaReport {
  policiesCreated: string[];
  policiesAltered: string[];
  queriesCreated: string[];
  queriesDropped: string[];
}

/**
 * Creates (or brings up to date) the database, its retention policies and continuous queries.
 * Idempotent: each collector process runs it at start, and maintain() re-creates a missing query.
 */
export async function ensureSchema(influx: InfluxDB, layout: InfluxLayout): Promise<SchemaReport> {
  const report: SchemaReport = { policiesCreated: [], policiesAltered: [], queriesCreated: [], queriesDropped: [] };
  const run = (statement: string) => influx.queryRaw(statement, { method: 'POST' });
  await run(`CREATE DATABASE ${q(layout.db)}`);
  const existing = await influx.showRetentionPolicies(layout.db);
  for (const p of policies(layout)) {
    const duration = p.hours === 0 ? 'INF' : `${p.hours}h`;
    const found = existing.find((e) => e.name === p.name);
    if (!found) {
      await run(`CREATE RETENTION POLICY ${q(p.name)} ON ${q(layout.db)} DURATION ${duration} REPLICATION 1${p.isDefault ? ' DEFAULT' : ''}`);
      report.policiesCreated.push(p.name);
    } else if (durationHours(found.duration) !== p.hours || found.default !== p.isDefault) {
      await run(`ALTER RETENTION POLICY ${q(p.name)} ON ${q(layout.db)} DURATION ${duration}${p.isDefault ? ' DEFAULT' : ''}`);
      report.policiesAltered.push(p.name);
    }
  }
  const { missing, stale } = await checkContinuousQueries(influx, layout);
  for (const cq of missing) {
    await run(cq.statement);
    report.queriesCreated.push(cq.name);
  }
  for (const name of stale) {
    await run(`DROP CONTINUOUS QUERY ${q(name)} ON ${q(layout.db)}`);
    report.queriesDropped.push(name);
  }
  return report;
}

/** Which of our continuous queries are missing on the server, and which of ours are outdated. */
export async function checkContinuousQueries(influx: InfluxDB, layout: InfluxLayout): Promise<{ missing: ContinuousQuery[]; stale: string[] }> {
  const wanted = continuousQueries(layout);
  // SHOW CONTINUOUS QUERIES lists every database's, one result series per database.
  const raw = (await influx.queryRaw('SHOW CONTINUOUS QUERIES')) as { results: { series?: { name: string; values?: [string, string][] }[] }[] };
  const ours = raw.results[0]?.series?.find((s) => s.name === layout.db);
  const present = new Set((ours?.values ?? []).map((v) => v[0]));
  return {
    missing: wanted.filter((cq) => !present.has(cq.name)),
    stale: [...present].filter((n) => n.startsWith('vigie_rollup_') && !wanted.some((cq) => cq.name === n)),
  };
}
