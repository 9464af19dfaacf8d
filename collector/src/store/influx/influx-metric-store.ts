import { randomBytes } from 'node:crypto';
import { type MetricSample, parseSeriesKey, VigieError } from '@vigie/shared';
import { InfluxDB, type IPoint } from 'influx';
import {
  type Aggregation,
  type BucketCountsQuery,
  chooseResolution,
  DEFAULT_RETENTION,
  type DeviceSamples,
  type MaintenanceReport,
  type MetricQuery,
  type MetricStore,
  NewestSamples,
  type RetentionPolicy,
  type SeriesInfo,
  type SeriesPoints,
  zeroCounts,
} from '../metric-store.js';
import { aggregationColumns, byKeyBytes, decodeTag, encodeTag, type InfluxSeries, MEASUREMENT_OF, pointOf, select, selectEach, str } from './influx-query.js';
import { checkContinuousQueries, ensureSchema, type InfluxLayout, MEASUREMENT, q, RP, type SchemaReport } from './influx-schema.js';
import { describeInfluxTarget, type InfluxTarget } from './influx-target.js';
import { LateRollups } from './late-rollups.js';

/** Points per write request (about 100 bytes each: far below influxd's 25 MB body limit). */
const WRITE_CHUNK = 20_000;
/** Statements sent in one query request (series lists, bucket counts), so that a request stays of a bounded size. */
const STATEMENTS_PER_REQUEST = 200;
/** A write in flight longer than this fails (and the frame is retried): late marks are read after it. */
const REQUEST_TIMEOUT_MS = 60_000;

export interface InfluxStoreOptions {
  retention?: RetentionPolicy;
  /** How often the continuous queries run: `1m` by default; tests use `1s`. */
  cqEvery?: string;
  /** Late marks are folded in once this old (default: twice the request timeout). */
  lateLagMs?: number;
}

export interface InfluxStoreStats {
  writes: number;
  pointsWritten: number;
  /** Samples older than the raw retention when they arrived: InfluxDB refuses them (see write()). */
  expiredOnArrival: number;
  lateSamples: number;
  /** Continuous queries found missing by maintain() and created again. */
  queriesRecreated: number;
}

/**
 * Metrics on InfluxDB 1.x through the `influx` package. Raw samples in `vigie_raw.samples`, the
 * 5-minute and hourly rollups in their own retention policies, computed server-side by two
 * continuous queries (see influx-schema.ts); late samples are folded in by maintain()
 * (late-rollups.ts). Answers are the embedded store's for the same data (contract test).
 *
 * Not part of the relational transaction: the ingest writer awaits `write` before committing the
 * agent's seq, and only then acknowledges (sqlite-ingest-writer.ts). InfluxDB identifies a point by
 * measurement, tags and time, so writing a resent frame again stores it once.
 */
export class InfluxMetricStore implements MetricStore {
  readonly kind = 'influx';
  readonly sharesTransaction = false;
  readonly stats: InfluxStoreStats = { writes: 0, pointsWritten: 0, expiredOnArrival: 0, lateSamples: 0, queriesRecreated: 0 };
  /** Told of each device's samples not sent because already past the raw retention (the collector logs them). */
  onExpired: ((deviceId: number, values: number, oldestTs: number) => void) | undefined;
  private readonly newest = new NewestSamples();
  /** The name and key tags of each series key seen (keys are few: the same names and labels on every device). */
  private readonly keyTags = new Map<string, { name: string; key: string }>();
  private readonly late: LateRollups;
  private readonly layout: InfluxLayout;
  private maintaining: Promise<MaintenanceReport> | undefined;

  private constructor(
    readonly influx: InfluxDB,
    readonly target: InfluxTarget,
    readonly retention: RetentionPolicy,
    opts: InfluxStoreOptions,
  ) {
    this.layout = { db: target.database, retention, cqEvery: opts.cqEvery ?? '1m' };
    this.late = new LateRollups(influx, target.database, randomBytes(4).toString('hex'), opts.lateLagMs ?? 2 * REQUEST_TIMEOUT_MS);
  }

  /** Connects, then creates or updates the database, its retention policies and continuous queries. */
  static async open(target: InfluxTarget, opts: InfluxStoreOptions = {}): Promise<{ store: InfluxMetricStore; schema: SchemaReport }> {
    const influx = new InfluxDB({
      host: target.host,
      port: target.port,
      protocol: target.protocol,
      database: target.database,
      ...(target.username ? { username: target.username, password: target.password ?? '' } : {}),
      // A failed write is not retried here: the frame stays unacknowledged and the agent sends it again.
      pool: { maxRetries: 0, requestTimeout: REQUEST_TIMEOUT_MS },
    });
    const store = new InfluxMetricStore(influx, target, opts.retention ?? DEFAULT_RETENTION, opts);
    let schema: SchemaReport;
    try {
      schema = await ensureSchema(influx, store.layout);
    } catch (err) {
      throw new VigieError('METRICS_UNAVAILABLE', `InfluxDB at ${describeInfluxTarget(target)}: ${(err as Error).message}`);
    }
    return { store, schema };
  }

  /**
   * Writes the samples and resolves once InfluxDB has them (HTTP 204: in its WAL, fsynced). A sample
   * older than the raw retention is not sent: InfluxDB would refuse it ("points beyond retention
   * policy") and the frame could never be acknowledged. The embedded store would keep such a sample
   * until its daily retention pass; here it is counted in `stats.expiredOnArrival`.
   */
  async write(batch: DeviceSamples[]): Promise<void> {
    const now = Date.now();
    const oldest = now - this.retention.rawMs + 60_000; // a minute's margin for the two clocks
    const points: IPoint[] = [];
    const late = new Map<number, { min: number; max: number }>();
    for (const { deviceId, samples } of batch) {
      const device = String(deviceId);
      const expired = { values: 0, oldest: Number.POSITIVE_INFINITY };
      for (const sample of samples) {
        this.newest.offer(deviceId, sample);
        if (sample.ts < oldest) {
          expired.values += Object.keys(sample.values).length;
          expired.oldest = Math.min(expired.oldest, sample.ts);
          continue;
        }
        if (LateRollups.isLate(sample.ts, now)) {
          const r = late.get(deviceId);
          late.set(deviceId, r ? { min: Math.min(r.min, sample.ts), max: Math.max(r.max, sample.ts) } : { min: sample.ts, max: sample.ts });
          this.stats.lateSamples++;
        }
        for (const key in sample.values) {
          const value = sample.values[key]!;
          if (!Number.isFinite(value)) continue;
          points.push({
            measurement: MEASUREMENT.raw,
            tags: { device, ...this.tagsOf(key) },
            fields: { value },
            timestamp: sample.ts,
          });
        }
      }
      if (expired.values > 0) {
        this.stats.expiredOnArrival += expired.values;
        this.onExpired?.(deviceId, expired.values, expired.oldest);
      }
    }
    // The marks go with the first request: whenever any of these samples is stored, so is its mark.
    const marks = this.late.marks(late, now);
    const all = marks.length > 0 ? [...marks, ...points] : points;
    for (let i = 0; i < all.length; i += WRITE_CHUNK) {
      const chunk = all.slice(i, i + WRITE_CHUNK);
      try {
        await this.influx.writePoints(chunk, { database: this.target.database, retentionPolicy: RP.raw, precision: 'ms' });
      } catch (err) {
        throw new VigieError('METRICS_UNAVAILABLE', `InfluxDB write failed: ${(err as Error).message}`);
      }
      this.stats.writes++;
      this.stats.pointsWritten += chunk.length;
    }
  }

  private tagsOf(key: string): { name: string; key: string } {
    let tags = this.keyTags.get(key);
    if (!tags) {
      tags = { name: parseSeriesKey(key).name, key: encodeTag(key) };
      this.keyTags.set(key, tags);
    }
    return tags;
  }

  newestSamples(): IterableIterator<[number, MetricSample]> {
    return this.newest.entries();
  }

  /** Every series key of a device (of one metric name), whichever resolution still holds it. */
  private async seriesKeys(deviceId: number, name?: string): Promise<string[]> {
    return keysOf(await select(this.influx, this.target.database, seriesKeysStatement(deviceId, name)));
  }

  async listSeries(deviceId: number): Promise<SeriesInfo[]> {
    return (await this.listSeriesOf([deviceId])).get(deviceId)!;
  }

  /** One request: a statement per device (SHOW TAG VALUES does not say which device a value belongs to). */
  async listSeriesOf(deviceIds: readonly number[]): Promise<Map<number, SeriesInfo[]>> {
    const out = new Map<number, SeriesInfo[]>();
    for (let i = 0; i < deviceIds.length; i += STATEMENTS_PER_REQUEST) {
      const chunk = deviceIds.slice(i, i + STATEMENTS_PER_REQUEST);
      const results = await selectEach(
        this.influx,
        this.target.database,
        chunk.map((id) => seriesKeysStatement(id)),
        'POST',
      );
      for (const [k, id] of chunk.entries())
        out.set(
          id,
          keysOf(results[k]!).map((key) => ({ key, ...parseSeriesKey(key) })),
        );
    }
    return out;
  }

  async latest(deviceId: number): Promise<Record<string, { ts: number; value: number }>> {
    const series = await select(
      this.influx,
      this.target.database,
      `SELECT last("value") FROM ${MEASUREMENT_OF.raw} WHERE "device" = ${str(String(deviceId))} GROUP BY "key"`,
    );
    const out: Record<string, { ts: number; value: number }> = {};
    for (const s of series) {
      const row = s.values[0];
      if (row && s.tags?.key !== undefined) out[decodeTag(s.tags.key)] = { ts: Number(row[0]), value: Number(row[1]) };
    }
    return out;
  }

  async query(mq: MetricQuery): Promise<SeriesPoints[]> {
    const { resolution, stepMs } = chooseResolution(mq, Date.now(), this.retention);
    const agg: Aggregation = mq.agg ?? 'avg';
    const keys = await this.seriesKeys(mq.deviceId, mq.name);
    if (keys.length === 0) return [];
    const from = mq.from - (mq.from % stepMs);
    const series = await select(
      this.influx,
      this.target.database,
      `SELECT ${aggregationColumns(resolution, agg)} FROM ${MEASUREMENT_OF[resolution]} WHERE "device" = ${str(String(mq.deviceId))} AND "name" = ${str(mq.name)} AND time >= ${from}ms AND time <= ${mq.to}ms GROUP BY time(${stepMs}ms), "key" fill(none)`,
    );
    const byKey = new Map<string, [number, number][]>();
    for (const s of series)
      byKey.set(
        decodeTag(s.tags?.key ?? ''),
        s.values.map((row) => pointOf(row, resolution, agg)),
      );
    return keys.map((key) => {
      const { name, labels } = parseSeriesKey(key);
      return { key, name, labels, resolution, stepMs, points: byKey.get(key) ?? [] };
    });
  }

  /**
   * One request: a statement per window and series selection, grouped by device, so devices
   * counting the same series in the same window (every month of a client's agents) share it.
   */
  async bucketCounts(bq: BucketCountsQuery): Promise<number[][]> {
    const out = zeroCounts(bq);
    const groups = new Map<string, { names?: readonly string[]; positive: boolean; from: number; to: number; targets: Map<string, [number, number][]> }>();
    bq.devices.forEach((d, j) => {
      if (d.names && d.names.length === 0) return;
      const selection = d.names ? JSON.stringify([...new Set(d.names)].sort()) : '*';
      d.windows.forEach((w, k) => {
        if (w.to <= w.from) return;
        const id = `${selection} ${d.positive === true} ${w.from} ${w.to}`;
        const g = groups.get(id) ?? { names: d.names, positive: d.positive === true, from: w.from, to: w.to, targets: new Map() };
        groups.set(id, g);
        const device = String(d.deviceId);
        g.targets.set(device, [...(g.targets.get(device) ?? []), [j, k]]);
      });
    });
    const list = [...groups.values()];
    for (let i = 0; i < list.length; i += STATEMENTS_PER_REQUEST) {
      const chunk = list.slice(i, i + STATEMENTS_PER_REQUEST);
      const results = await selectEach(
        this.influx,
        this.target.database,
        chunk.map((g) => bucketCountStatement(bq.resolution, [...g.targets.keys()], g)),
        'POST',
      );
      chunk.forEach((g, c) => {
        for (const s of results[c]!) {
          const n = Number(s.values[0]?.[1] ?? 0);
          for (const [j, k] of g.targets.get(s.tags?.device ?? '') ?? []) out[j]![k] = n;
        }
      });
    }
    return out;
  }

  /**
   * The continuous queries roll up on-time samples server-side; this pass checks that they still
   * exist (re-creating a missing one), folds late samples in, and with `retention` trims each
   * resolution to the millisecond like the embedded store (the retention policies themselves drop
   * whole shard groups, an hour to a week later than the configured age).
   */
  maintain(now: number, opts: { retention?: boolean } = {}): Promise<MaintenanceReport> {
    this.maintaining ??= this.runMaintenance(now, opts).finally(() => {
      this.maintaining = undefined;
    });
    return this.maintaining;
  }

  private async runMaintenance(now: number, opts: { retention?: boolean }): Promise<MaintenanceReport> {
    const started = Date.now();
    const report: MaintenanceReport = { windowsRolledUp: 0, rawDeleted: 0, fiveMinDeleted: 0, hourDeleted: 0, ms: 0 };
    const { missing } = await checkContinuousQueries(this.influx, this.layout);
    if (missing.length > 0) {
      this.stats.queriesRecreated += missing.length;
      await ensureSchema(this.influx, this.layout);
    }
    report.windowsRolledUp = await this.late.backfill(now);
    if (opts.retention) {
      report.rawDeleted = await this.trim(`${MEASUREMENT_OF.raw}`, MEASUREMENT.raw, 'count("value")', now - this.retention.rawMs);
      report.fiveMinDeleted = await this.trim(MEASUREMENT_OF['5m'], MEASUREMENT.fiveMin, 'count("count")', now - this.retention.fiveMinMs);
      report.hourDeleted = await this.trim(MEASUREMENT_OF['1h'], MEASUREMENT.hour, 'count("count")', now - this.retention.hourMs);
    }
    report.ms = Date.now() - started;
    return report;
  }

  /** Deletes a measurement's points older than `before` (measurement names are unique across policies); returns how many. */
  private async trim(from: string, measurement: string, counter: string, before: number): Promise<number> {
    const counted = await select(this.influx, this.target.database, `SELECT ${counter} FROM ${from} WHERE time < ${before}ms`);
    const n = Number(counted[0]?.values[0]?.[1] ?? 0);
    if (n > 0) await select(this.influx, this.target.database, `DELETE FROM ${q(measurement)} WHERE time < ${before}ms`, 'POST');
    return n;
  }

  forgetDevice(deviceId: number): void {
    this.newest.forget(deviceId);
  }

  async close(): Promise<void> {
    await this.maintaining;
  }
}

/** The series keys of a device (of one metric name) in every resolution. */
function seriesKeysStatement(deviceId: number, name?: string): string {
  const where = `"device" = ${str(String(deviceId))}${name !== undefined ? ` AND "name" = ${str(name)}` : ''}`;
  const measurements = [MEASUREMENT.raw, MEASUREMENT.fiveMin, MEASUREMENT.hour].join('|');
  return `SHOW TAG VALUES FROM /^(${measurements})$/ WITH KEY = "key" WHERE ${where}`;
}

function keysOf(series: InfluxSeries[]): string[] {
  const keys = new Set<string>();
  for (const s of series) for (const v of s.values) keys.add(decodeTag(String(v[1])));
  return [...keys].sort(byKeyBytes);
}

/**
 * Buckets of a window with a rollup of the named series (all when absent), per device: grouped by
 * time and device, each bucket of a device is one row of the subquery. `positive`: the bucket's
 * highest value (max of the rollups' max) above 0, as the embedded store.
 */
function bucketCountStatement(
  resolution: '5m' | '1h',
  devices: readonly string[],
  g: { names?: readonly string[]; positive: boolean; from: number; to: number },
): string {
  const names = g.names ? ` AND (${g.names.map((n) => `"name" = ${str(n)}`).join(' OR ')})` : '';
  const inner = g.positive ? 'max("max")' : 'count("count")';
  const outer = g.positive ? ' WHERE "b" > 0' : '';
  return `SELECT count("b") FROM (SELECT ${inner} AS "b" FROM ${MEASUREMENT_OF[resolution]} WHERE (${devices.map((d) => `"device" = ${str(d)}`).join(' OR ')})${names} AND time >= ${g.from}ms AND time < ${g.to}ms GROUP BY time(${resolution}), "device" fill(none))${outer} GROUP BY "device"`;
}
