import { type MetricSample, parseSeriesKey } from '@vigie/shared';
import pg from 'pg';
import {
  type BucketCountsQuery,
  DEFAULT_RETENTION,
  type DeviceSamples,
  type MaintenanceReport,
  type MetricQuery,
  type MetricStore,
  NewestSamples,
  type RetentionPolicy,
  type SeriesInfo,
  type SeriesPoints,
} from '../metric-store.js';
import { ROLLUP_1H, ROLLUP_5M } from '../rollup.js';
import { watchConnectionErrors } from './pg-connection-errors.js';
import { PgMetricReads, unavailable } from './pg-metric-reads.js';
import { CLEAR_DIRTY, INSERT_SAMPLES, MARK_LATE, ROLLUP_1H_SQL, ROLLUP_5M_SQL, ROLLUP_SETTINGS, UPSERT_SERIES } from './pg-metric-sql.js';
import { Partitions } from './pg-partitions.js';
import { ensureSchema, maintenance, QUERY_TIMEOUT_MS, T, transaction } from './pg-schema.js';
import { describePgTarget, type PgTarget } from './pg-target.js';

/** Samples older than the last rollup pass by more than this are "late" and marked durably (as in SQLite). */
const LATE_MARGIN_MS = 15 * 60_000;
/** Devices rolled up per statement (and transaction) by maintain(). */
const ROLLUP_SLICE = 500;
/** PostgreSQL's "no partition of relation … found for row": another collector dropped one we had cached. */
export const NO_PARTITION = '23514';

export interface PgStoreOptions {
  retention?: RetentionPolicy;
  /** Connections in the pool (default 8: ingest writes, maintenance and API reads at once). */
  poolSize?: number;
  /** Tells this process's rollup watermark from the others' (the collector's worker id). */
  workerId?: number;
}

/** Runs one parameterised statement inside a transaction someone else holds (a pg client, a Kysely transaction). */
export type PgStatementRunner = (text: string, values: unknown[]) => Promise<{ rows: unknown[] }>;

/** A batch's write, planned before its transaction (see `PgMetricStore.planWrite`). */
export interface SampleWritePlan {
  readonly batch: DeviceSamples[];
  readonly times: Set<number>;
  readonly oldest: Map<number, number>;
  readonly late: Map<number, number>;
  readonly newSeries: Map<string, { deviceId: number; key: string }>;
}

/** What `writeWithin` wrote: the series it created (cached once committed) and the rows. */
export interface SampleWriteDone {
  readonly created: Map<string, number>;
  readonly count: number;
}

export interface PgStoreStats {
  writes: number;
  rowsWritten: number;
  failedWrites: number;
  lateSamples: number;
  connectionErrors: number;
}

/**
 * Metrics on PostgreSQL: raw samples and the 5-minute and hourly rollups in natively partitioned
 * tables (pg-partitions.ts), the embedded store's rollup rules (a device's buckets recomputed from
 * its oldest new sample on, late samples marked durably) and its retention, by dropping whole
 * partitions and trimming the one the cut falls in.
 *
 * Not part of the relational transaction (`sharesTransaction: false`): the ingest writer awaits
 * `write` before committing the agents' seqs and only then acknowledges, so a frame PostgreSQL did
 * not store is never acknowledged (sqlite-ingest-writer.ts). A resent frame is stored once.
 */
export class PgMetricStore implements MetricStore {
  readonly kind = 'postgres';
  readonly sharesTransaction = false;
  readonly stats: PgStoreStats = { writes: 0, rowsWritten: 0, failedWrites: 0, lateSamples: 0, connectionErrors: 0 };
  /** Told of errors of idle pooled connections (the server restarted or went away; the pool reconnects). Counted either way. */
  onConnectionError: ((err: Error) => void) | undefined;
  private readonly seriesIds = new Map<number, Map<string, number>>();
  private readonly dirty = new Map<number, number>();
  private readonly newest = new NewestSamples();
  private readonly workerKey: string;
  private watermark = 0;
  private maintaining: Promise<MaintenanceReport> | undefined;
  private readonly reads: PgMetricReads;

  private constructor(
    readonly pool: pg.Pool,
    readonly target: PgTarget,
    readonly retention: RetentionPolicy,
    readonly partitions: Partitions,
    workerId: number,
  ) {
    this.workerKey = `w${workerId}`;
    this.reads = new PgMetricReads(pool, retention);
  }

  /** Connects, creates the schema and the partitions around now, and reads where the last rollup pass stopped. */
  static async open(target: PgTarget, opts: PgStoreOptions = {}): Promise<PgMetricStore> {
    const pool = new pg.Pool({
      host: target.host,
      port: target.port,
      database: target.database,
      user: target.user,
      ...(target.password ? { password: target.password } : {}),
      ...(target.ssl ? { ssl: true } : {}),
      max: opts.poolSize ?? 8,
      application_name: 'vigie-collector',
      // A server that is down fails the write at once: the frame stays unacknowledged, the agent resends.
      connectionTimeoutMillis: 10_000,
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
      // Times and ids are bigint: well within 2^53 (milliseconds until the year 287,396).
      types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)) },
    } as pg.PoolConfig);
    const store = new PgMetricStore(pool, target, opts.retention ?? DEFAULT_RETENTION, new Partitions(pool), opts.workerId ?? 1);
    watchConnectionErrors(pool, (err) => {
      store.stats.connectionErrors++;
      if (store.onConnectionError) store.onConnectionError(err);
      else console.error(`PostgreSQL metric store ${describePgTarget(target)}: a connection was lost (${err.message}); the pool reconnects`);
    });
    try {
      await ensureSchema(pool);
      await store.partitions.load();
      await store.partitions.ensureAhead(Date.now());
      await store.loadState();
    } catch (err) {
      await pool.end();
      throw unavailable(`PostgreSQL at ${describePgTarget(target)}`, err);
    }
    return store;
  }

  private async loadState(): Promise<void> {
    const { rows } = await this.pool.query<{ id: number; device_id: number; key: string }>(`SELECT id, device_id, key FROM ${T.series}`);
    for (const r of rows) this.cacheSeries(r.device_id, r.key, r.id);
    const wm = await this.pool.query<{ ts: number | null }>(`SELECT min(ts) AS ts FROM ${T.watermark}`);
    const ts = wm.rows[0]?.ts;
    if (ts !== null && ts !== undefined) {
      // A crash may have lost the in-memory list of touched devices: redo everything since the oldest pass.
      this.watermark = ts;
      for (const deviceId of this.seriesIds.keys()) this.dirty.set(deviceId, ts - LATE_MARGIN_MS);
    }
  }

  private cacheSeries(deviceId: number, key: string, id: number): void {
    let m = this.seriesIds.get(deviceId);
    if (!m) {
      m = new Map();
      this.seriesIds.set(deviceId, m);
    }
    m.set(key, id);
  }

  /**
   * Stores a batch in one statement (plus, in the same transaction, the series seen for the first
   * time and the late marks). Resolves once PostgreSQL has committed it; throws METRICS_UNAVAILABLE
   * otherwise, and nothing of the batch counts as received (no rollup mark, no newest sample).
   */
  async write(batch: DeviceSamples[]): Promise<void> {
    try {
      await this.writeOnce(batch);
    } catch (err) {
      if ((err as { code?: string }).code !== NO_PARTITION) {
        this.stats.failedWrites++;
        throw unavailable('PostgreSQL write failed', err);
      }
      // Another collector's retention pass dropped a partition we believed existed.
      try {
        await this.partitions.reload();
        await this.writeOnce(batch);
      } catch (again) {
        this.stats.failedWrites++;
        throw unavailable('PostgreSQL write failed', again);
      }
    }
  }

  private async writeOnce(batch: DeviceSamples[]): Promise<void> {
    const plan = this.planWrite(batch);
    if (!plan) return;
    await this.ensurePartitions(plan);
    const done = await transaction(this.pool, (c) => this.writeWithin((text, values) => c.query(text, values), plan));
    this.committed(plan, done);
  }

  /**
   * What a batch writes, computed before its transaction: the times (partitions), the series not
   * yet known, the late samples. Undefined for a batch without samples. The steps `planWrite`,
   * `ensurePartitions`, `writeWithin` (inside the caller's transaction) and `committed` (after it
   * committed) let the PostgreSQL ingest writer store samples in the same transaction as the agent's
   * sequence watermark (ingest/pg-ingest-writer.ts); `write` runs them in a transaction of its own.
   */
  planWrite(batch: DeviceSamples[]): SampleWritePlan | undefined {
    const lateBefore = this.watermark - LATE_MARGIN_MS;
    const times = new Set<number>();
    const oldest = new Map<number, number>();
    const late = new Map<number, number>();
    const newSeries = new Map<string, { deviceId: number; key: string }>();
    for (const { deviceId, samples } of batch) {
      for (const sample of samples) {
        times.add(sample.ts);
        const o = oldest.get(deviceId);
        if (o === undefined || sample.ts < o) oldest.set(deviceId, sample.ts);
        if (sample.ts < lateBefore) {
          const l = late.get(deviceId);
          if (l === undefined || sample.ts < l) late.set(deviceId, sample.ts);
        }
        const known = this.seriesIds.get(deviceId);
        for (const key in sample.values) if (!known?.has(key)) newSeries.set(`${deviceId} ${key}`, { deviceId, key });
      }
    }
    if (times.size === 0) return undefined;
    return { batch, times, oldest, late, newSeries };
  }

  /** Creates the partitions the plan's samples fall in (DDL: before, and outside, the writing transaction). */
  ensurePartitions(plan: SampleWritePlan): Promise<void> {
    return this.partitions.ensureFor(plan.times);
  }

  /** Another collector's retention pass dropped a partition this process had cached (NO_PARTITION): read them again. */
  reloadPartitions(): Promise<void> {
    return this.partitions.reload();
  }

  /**
   * The plan's statements, run by `run` inside the caller's transaction (nothing is cached: the
   * transaction may still roll back).
   */
  async writeWithin(run: PgStatementRunner, plan: SampleWritePlan): Promise<SampleWriteDone> {
    const created = new Map<string, number>();
    if (plan.newSeries.size > 0) {
      const list = [...plan.newSeries.values()];
      const parsed = list.map((s) => parseSeriesKey(s.key));
      const r = await run(UPSERT_SERIES, [
        list.map((s) => s.deviceId),
        list.map((s) => s.key),
        parsed.map((p) => p.name),
        parsed.map((p) => JSON.stringify(p.labels)),
      ]);
      for (const row of r.rows as { id: number; device_id: number; key: string }[]) created.set(`${row.device_id} ${row.key}`, Number(row.id));
    }
    const device: number[] = [];
    const ts: number[] = [];
    const series: number[] = [];
    const value: number[] = [];
    for (const { deviceId, samples } of plan.batch) {
      const known = this.seriesIds.get(deviceId);
      for (const sample of samples) {
        for (const key in sample.values) {
          const v = sample.values[key]!;
          if (!Number.isFinite(v)) continue;
          device.push(deviceId);
          ts.push(sample.ts);
          series.push(known?.get(key) ?? created.get(`${deviceId} ${key}`)!);
          value.push(v);
        }
      }
    }
    if (device.length > 0) await run(INSERT_SAMPLES, [device, ts, series, value]);
    if (plan.late.size > 0) await run(MARK_LATE, [[...plan.late.keys()], [...plan.late.values()]]);
    // Seen first here, cached only once committed (`committed`): a rolled-back id may not exist.
    return { created, count: device.length };
  }

  /** After the transaction that ran `writeWithin` committed: the caches, the rollup marks, the newest samples, the counters. */
  committed(plan: SampleWritePlan, done: SampleWriteDone): void {
    for (const [k, id] of done.created) {
      const space = k.indexOf(' ');
      this.cacheSeries(Number(k.slice(0, space)), k.slice(space + 1), id);
    }
    for (const [deviceId, ts] of plan.oldest) {
      const d = this.dirty.get(deviceId);
      if (d === undefined || ts < d) this.dirty.set(deviceId, ts);
    }
    for (const { deviceId, samples } of plan.batch) for (const s of samples) this.newest.offer(deviceId, s);
    this.stats.writes++;
    this.stats.rowsWritten += done.count;
    this.stats.lateSamples += plan.late.size;
  }

  newestSamples(): IterableIterator<[number, MetricSample]> {
    return this.newest.entries();
  }

  listSeries(deviceId: number): Promise<SeriesInfo[]> {
    return this.reads.listSeries(deviceId);
  }

  listSeriesOf(deviceIds: readonly number[]): Promise<Map<number, SeriesInfo[]>> {
    return this.reads.listSeriesOf(deviceIds);
  }

  latest(deviceId: number): Promise<Record<string, { ts: number; value: number }>> {
    return this.reads.latest(deviceId, this.newest.get(deviceId));
  }

  query(q: MetricQuery): Promise<SeriesPoints[]> {
    return this.reads.query(q);
  }

  bucketCounts(q: BucketCountsQuery): Promise<number[][]> {
    return this.reads.bucketCounts(q);
  }

  private read<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    return this.reads.read<R>(sql, params);
  }

  maintain(now: number, opts: { retention?: boolean } = {}): Promise<MaintenanceReport> {
    this.maintaining ??= this.runMaintenance(now, opts).finally(() => {
      this.maintaining = undefined;
    });
    return this.maintaining;
  }

  /**
   * Creates the coming partitions, recomputes the buckets touched since the last pass (devices in
   * slices, each slice one transaction: 5-minute buckets from raw, hours from those, late marks
   * cleared), records the pass, then with `retention` cuts each table. A failed pass puts the
   * devices it did not finish back, for the next one.
   */
  private async runMaintenance(now: number, opts: { retention?: boolean }): Promise<MaintenanceReport> {
    const started = Date.now();
    const report: Required<MaintenanceReport> = { windowsRolledUp: 0, rollupRows: 0, rawDeleted: 0, fiveMinDeleted: 0, hourDeleted: 0, ms: 0 };
    const passStart = now;
    const work = new Map(this.dirty);
    this.dirty.clear();
    let done = 0;
    const entries: [number, number][] = [];
    try {
      await this.partitions.ensureAhead(now);
      for (const r of await this.read<{ device_id: number; from_ts: number }>(`SELECT device_id, from_ts FROM ${T.dirty}`, [])) {
        const d = work.get(r.device_id);
        if (d === undefined || r.from_ts < d) work.set(r.device_id, r.from_ts);
      }
      // In device order: two collectors rolling up the same late device lock its buckets in one order.
      entries.push(...[...work].sort((x, y) => x[0] - y[0]));
      for (; done < entries.length; done += ROLLUP_SLICE) {
        const slice = entries.slice(done, done + ROLLUP_SLICE);
        const devices = slice.map(([d]) => d);
        const froms = slice.map(([, ts]) => ts);
        const fiveFrom = froms.map((ts) => ts - (ts % ROLLUP_5M));
        const hourFrom = froms.map((ts) => ts - (ts % ROLLUP_1H));
        report.rollupRows += await transaction(this.pool, async (c) => {
          await c.query(ROLLUP_SETTINGS);
          const a = await c.query(maintenance(ROLLUP_5M_SQL, [devices, fiveFrom, Math.min(...fiveFrom)]));
          const b = await c.query(maintenance(ROLLUP_1H_SQL, [devices, hourFrom, Math.min(...hourFrom)]));
          await c.query(CLEAR_DIRTY, [devices, froms]);
          return (a.rowCount ?? 0) + (b.rowCount ?? 0);
        });
        report.windowsRolledUp += slice.length;
      }
      this.watermark = passStart;
      await this.pool.query(`INSERT INTO ${T.watermark} (worker, ts) VALUES ($1, $2) ON CONFLICT (worker) DO UPDATE SET ts = excluded.ts`, [
        this.workerKey,
        passStart,
      ]);
      if (opts.retention) {
        report.rawDeleted = (await this.partitions.cut('samples', now - this.retention.rawMs)).rows;
        report.fiveMinDeleted = (await this.partitions.cut('rollup5m', now - this.retention.fiveMinMs)).rows;
        report.hourDeleted = (await this.partitions.cut('rollup1h', now - this.retention.hourMs)).rows;
      }
    } catch (err) {
      for (const [deviceId, ts] of entries.length > 0 ? entries.slice(done) : work) {
        const d = this.dirty.get(deviceId);
        if (d === undefined || ts < d) this.dirty.set(deviceId, ts);
      }
      throw unavailable('PostgreSQL maintenance failed', err);
    }
    report.ms = Date.now() - started;
    return report;
  }

  forgetDevice(deviceId: number): void {
    this.dirty.delete(deviceId);
    this.seriesIds.delete(deviceId);
    this.newest.forget(deviceId);
  }

  async close(): Promise<void> {
    try {
      await this.maintaining;
    } finally {
      await this.pool.end();
    }
  }
}
