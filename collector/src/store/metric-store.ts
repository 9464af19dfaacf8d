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
  /**
   * (device, time range) windows rolled up by this pass: one per device with new samples (SQLite,
   * all its series in one statement) or per late window (InfluxDB).
   */
  windowsRolledUp: number;
  /** 5-minute and hourly rollup rows written (SQLite; InfluxDB's continuous queries write their own). */
  rollupRows?: number;
  rawDeleted: number;
  fiveMinDeleted: number;
  hourDeleted: number;
  ms: number;
}

/**
 * Buckets of a rollup resolution holding data of some series of devices, in many windows at once
 * (availability over months): one call, a handful of queries whatever the number of devices and
 * windows.
 */
export interface BucketCountsQuery {
  resolution: '5m' | '1h';
  devices: readonly DeviceBucketWindows[];
}

/** One device's part of a `BucketCountsQuery`. */
export interface DeviceBucketWindows {
  deviceId: number;
  /** Series names counted; every series of the device when absent, none when empty. */
  names?: readonly string[];
  /**
   * Only buckets where a counted series reached above 0 (its rollup's max): an agentless device's
   * poll series is 1 when the poll was answered, 0 when it was made and not answered.
   */
  positive?: boolean;
  /** [from, to), bucket starts, each counted on its own; an empty window (to <= from) counts 0. */
  windows: readonly { from: number; to: number }[];
}

/** Zero for every window of every device of the query: the shape `bucketCounts` answers. */
export function zeroCounts(q: BucketCountsQuery): number[][] {
  return q.devices.map((d) => d.windows.map(() => 0));
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
  /** The series of several devices in one go: an entry for each device asked (empty when it has none). */
  listSeriesOf(deviceIds: readonly number[]): Promise<Map<number, SeriesInfo[]>>;
  /** Latest value of every series of a device. */
  latest(deviceId: number): Promise<Record<string, { ts: number; value: number }>>;
  /** The newest sample of every device that sent one since this process started (rules engine). */
  newestSamples(): IterableIterator<[number, MetricSample]>;
  /**
   * For each device of the query (in its order), how many buckets of each of its windows (in their
   * order) hold at least one rollup of the device's (named) series.
   */
  bucketCounts(q: BucketCountsQuery): Promise<number[][]>;
  /** Rollups (raw → 5 min → 1 h) and retention; safe to call often. */
  maintain(now: number, opts?: { retention?: boolean }): Promise<MaintenanceReport>;
  /** Forgets cached state of a deleted device. */
  forgetDevice(deviceId: number): void;
  close(): Promise<void>;
}

/**
 * The newest sample of each device: what the threshold rules read, whichever store holds the history.
 */
export class NewestSamples {
  private readonly byDevice = new Map<number, MetricSample>();

  /**
   * Copies a device's newest values into the object kept for it when the series are the same (the
   * usual case): keeping each received frame instead for its ~10 s made every frame outlive the
   * young generation, ~60 MB a minute of old-generation garbage at 10,000 agents.
   */
  offer(deviceId: number, sample: MetricSample): void {
    const kept = this.byDevice.get(deviceId);
    if (kept && kept.ts > sample.ts) return;
    let same = kept !== undefined;
    let count = 0;
    if (kept) {
      for (const key in sample.values) {
        count++;
        if (!(key in kept.values)) {
          same = false;
          break;
        }
      }
    }
    let keptCount = 0;
    if (kept && same) for (const _ in kept.values) keptCount++;
    if (!kept || !same || count !== keptCount) {
      this.byDevice.set(deviceId, { ts: sample.ts, values: { ...sample.values } });
      return;
    }
    kept.ts = sample.ts;
    for (const key in sample.values) kept.values[key] = sample.values[key]!;
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
