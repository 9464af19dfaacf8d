import type { Database } from './database.js';
import { InfluxMetricStore } from './influx/influx-metric-store.js';
import { describeInfluxTarget, parseInfluxUrl } from './influx/influx-target.js';
import type { MetricStore, RetentionPolicy } from './metric-store.js';
import { PgMetricStore } from './postgres/pg-metric-store.js';
import { describePgTarget, parsePostgresUrl } from './postgres/pg-target.js';
import type { PostgresDatabase } from './postgres-database.js';
import { SqliteMetricStore } from './sqlite-metric-store.js';

/**
 * Where metrics go: the embedded SQLite file by default, PostgreSQL (`--metrics postgres://…`) or
 * InfluxDB 1.x (`--metrics influx://host:port/db`).
 */
export interface MetricsSettings {
  /**
   * `postgres://[user[:password]@]host[:port]/database[?sslmode=require]`, or
   * `influx://[user[:password]@]host:port/database` (`influxs://` for HTTPS); absent: SQLite.
   */
  url?: string | undefined;
  /** InfluxDB: how often the continuous queries run (`1m`). */
  cqEvery?: string | undefined;
  /** InfluxDB: age at which late samples' marks are folded into the rollups (2 min). */
  lateLagMs?: number | undefined;
}

export async function openMetricStore(
  db: Database | PostgresDatabase,
  settings: MetricsSettings,
  retention: RetentionPolicy,
  workerId: number,
  log: (msg: string) => void = () => {},
): Promise<MetricStore> {
  if (!settings.url) {
    if (db.dialect === 'sqlite') return SqliteMetricStore.open(db, retention, workerId);
    // On PostgreSQL the metrics default to the same database (their own schema), written in the ingest transaction.
    const store = await PgMetricStore.open(db.target, { retention, workerId });
    log(`metrics in PostgreSQL beside the database at ${describePgTarget(db.target)} (${store.partitions.stats.created} partitions created)`);
    return store;
  }
  if (!isInfluxUrl(settings.url)) {
    const target = parsePostgresUrl(settings.url);
    const store = await PgMetricStore.open(target, { retention, workerId });
    log(`metrics in PostgreSQL at ${describePgTarget(target)} (${store.partitions.stats.created} partitions created)`);
    return store;
  }
  const target = parseInfluxUrl(settings.url);
  const { store, schema } = await InfluxMetricStore.open(target, { retention, cqEvery: settings.cqEvery, lateLagMs: settings.lateLagMs });
  const changed = [...schema.policiesCreated, ...schema.policiesAltered, ...schema.queriesCreated, ...schema.queriesDropped];
  log(`metrics in InfluxDB at ${describeInfluxTarget(target)}${changed.length > 0 ? ` (set up: ${changed.join(', ')})` : ''}`);
  return store;
}

/** Refuses a metrics URL no store accepts, before the collector creates anything (start-up, CLI). */
export function checkMetricsSettings(settings: MetricsSettings): void {
  if (!settings.url) return;
  if (isInfluxUrl(settings.url)) parseInfluxUrl(settings.url);
  else parsePostgresUrl(settings.url); // also the error for any other scheme (it names both)
}

function isInfluxUrl(url: string): boolean {
  return /^influxs?:/i.test(url);
}
