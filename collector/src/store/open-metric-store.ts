import type { Database } from './database.js';
import { InfluxMetricStore } from './influx/influx-metric-store.js';
import { describeInfluxTarget, parseInfluxUrl } from './influx/influx-target.js';
import type { MetricStore, RetentionPolicy } from './metric-store.js';
import { SqliteMetricStore } from './sqlite-metric-store.js';

/** Where metrics go: the embedded SQLite file by default, or InfluxDB 1.x (`--metrics influx://host:port/db`). */
export interface MetricsSettings {
  /** `influx://[user[:password]@]host:port/database` (`influxs://` for HTTPS); absent: SQLite. */
  url?: string | undefined;
  /** InfluxDB: how often the continuous queries run (`1m`). */
  cqEvery?: string | undefined;
  /** InfluxDB: age at which late samples' marks are folded into the rollups (2 min). */
  lateLagMs?: number | undefined;
}

export async function openMetricStore(
  db: Database,
  settings: MetricsSettings,
  retention: RetentionPolicy,
  workerId: number,
  log: (msg: string) => void = () => {},
): Promise<MetricStore> {
  if (!settings.url) return SqliteMetricStore.open(db, retention, workerId);
  const target = parseInfluxUrl(settings.url);
  const { store, schema } = await InfluxMetricStore.open(target, { retention, cqEvery: settings.cqEvery, lateLagMs: settings.lateLagMs });
  const changed = [...schema.policiesCreated, ...schema.policiesAltered, ...schema.queriesCreated, ...schema.queriesDropped];
  log(`metrics in InfluxDB at ${describeInfluxTarget(target)}${changed.length > 0 ? ` (set up: ${changed.join(', ')})` : ''}`);
  return store;
}
