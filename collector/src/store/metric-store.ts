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
  /** Series (SQLite) or late (device, time range) windows (InfluxDB) rolled up by this pass. */
  seriesRolledUp: number;
  rawDeleted: number;
  fiveMinDeleted: number;
  hourDeleted: number;
  ms: number;
}

/** Buckets of a rollup resolution holding data of some series of a device (availability). */
export interface BucketCountQuery {
  deviceId: number;
  /** Series names counted; every series of the device when absent. */
  names?: readonly string[];
  resolution: '5m' | '1h';
  /** [from, to), bucket starts. */
  from: number;
  to: number;
  /**
   * Only buckets where a counted series reached above 0 (its rollup's max): an agentless device's
   * poll series is 1 when the poll was answered, 0 when it was made and not answered.
   */
  positive?: boolean;
}

/**
 * Where metric samples live. The embedded implementation is SQLite (`SqliteMetricStore`);
 * InfluxDB 1.x (`InfluxMetricStore`) takes its place for large providers. Everything that reads
 * metrics (charts, device pages, rules, availability, reports, flows) goes through this interface.
 */
export interface MetricStore {
  readonly kind: string;
  /**
   * True when `write` is synchronous and part of the relational ingest transaction (SQLite). An
   * external store (InfluxDB) is written, and awaited, before the relational commit instead.
   */
  readonly sharesTransaction: boolean;
  /** Stores samples; for stores that share the relational transaction this is synchronous. */
  write(batch: DeviceSamples[]): void | Promise<void>;
  query(q: MetricQuery): Promise<SeriesPoints[]>;
  listSeries(deviceId: number): Promise<SeriesInfo[]>;
  /** Latest value of every series of a device. */
  latest(deviceId: number): Promise<Record<string, { ts: number; value: number }>>;
  /** The newest sample of every device that sent one since this process started (rules engine). */
  newestSamples(): IterableIterator<[number, MetricSample]>;
  /** How many buckets in [from, to) hold at least one rollup of the device's (named) series. */
  countBuckets(q: BucketCountQuery): Promise<number>;
  /** Rollups (raw → 5 min → 1 h) and retention; safe to call often. */
  maintain(now: number, opts?: { retention?: boolean }): Promise<MaintenanceReport>;
  /** Forgets cached state of a deleted device. */
  forgetDevice(deviceId: number): void;
  close(): Promise<void>;
}

/**
 * The newest sample of each device, kept by reference (no copy per value on the ingest path):
 * what the threshold rules read, whichever store holds the history.
 */
export class NewestSamples {
  private readonly byDevice = new Map<number, MetricSample>();

  offer(deviceId: number, sample: MetricSample): void {
    const newest = this.byDevice.get(deviceId);
    if (!newest || newest.ts <= sample.ts) this.byDevice.set(deviceId, sample);
  }

  get(deviceId: number): MetricSample | undefined {
    return this.byDevice.get(deviceId);
  }

  entries(): IterableIterator<[number, MetricSample]> {
    return this.byDevice.entries();
  }

  forget(deviceId: number): void {
    this.byDevice.delete(deviceId);
  }
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
