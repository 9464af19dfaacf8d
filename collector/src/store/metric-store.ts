import type { MetricSample } from '@vigie/shared';

/** Samples of one device, as one metrics frame carries them. */
export interface DeviceSamples {
  deviceId: number;
  samples: MetricSample[];
}

export type Aggregation = 'avg' | 'min' | 'max' | 'last' | 'sum' | 'count';
export type Resolution = 'raw' | '5m' | '1h';

export interface MetricQuery {
  deviceId: number;
  /** Metric name without labels, e.g. `fs.used_pct`; every label set of it is returned. */
  name: string;
  from: number;
  to: number;
  /** Bucket width; raised to the chosen resolution and to at most `maxPoints` buckets. */
  stepMs?: number;
  agg?: Aggregation;
  maxPoints?: number;
}

export interface SeriesPoints {
  key: string;
  name: string;
  labels: Record<string, string>;
  resolution: Resolution;
  stepMs: number;
  /** `[bucketStartMs, value]`, ascending. */
  points: [number, number][];
}

export interface SeriesInfo {
  key: string;
  name: string;
  labels: Record<string, string>;
}

export interface RetentionPolicy {
  rawMs: number;
  fiveMinMs: number;
  hourMs: number;
}

const DAY = 86_400_000;
/** Defaults: raw 30 days, 5-minute rollups 1 year, hourly rollups 3 years (≥ 2 years promised). */
export const DEFAULT_RETENTION: RetentionPolicy = { rawMs: 30 * DAY, fiveMinMs: 366 * DAY, hourMs: 3 * 366 * DAY };

export interface MaintenanceReport {
  devicesRolledUp: number;
  /** 5-minute and hourly rollup rows written. */
  rollupRows: number;
  rawDeleted: number;
  fiveMinDeleted: number;
  hourDeleted: number;
  ms: number;
}

/**
 * Where metric samples live. The embedded implementation is SQLite (`SqliteMetricStore`);
 * InfluxDB can take its place for large providers.
 */
export interface MetricStore {
  readonly kind: string;
  /** Stores samples; for stores that share the relational transaction this is synchronous. */
  write(batch: DeviceSamples[]): void | Promise<void>;
  query(q: MetricQuery): Promise<SeriesPoints[]>;
  listSeries(deviceId: number): Promise<SeriesInfo[]>;
  /** Latest value of every series of a device. */
  latest(deviceId: number): Promise<Record<string, { ts: number; value: number }>>;
  /** Rollups (raw → 5 min → 1 h) and retention; safe to call often. */
  maintain(now: number, opts?: { retention?: boolean }): Promise<MaintenanceReport>;
  close(): Promise<void>;
}

export function chooseResolution(q: MetricQuery, now: number, retention: RetentionPolicy): { resolution: Resolution; stepMs: number } {
  const span = Math.max(1, q.to - q.from);
  const maxPoints = q.maxPoints ?? 2000;
  const wanted = Math.max(q.stepMs ?? 0, Math.ceil(span / maxPoints));
  let resolution: Resolution;
  if (wanted < 300_000 && q.from >= now - retention.rawMs) resolution = 'raw';
  else if (wanted < 3_600_000 && q.from >= now - retention.fiveMinMs) resolution = '5m';
  else resolution = '1h';
  const base = resolution === 'raw' ? 1000 : resolution === '5m' ? 300_000 : 3_600_000;
  const stepMs = Math.max(base, Math.ceil(wanted / base) * base);
  return { resolution, stepMs };
}
