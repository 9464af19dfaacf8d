import { type MetricSample, parseSeriesKey } from '@vigie/shared';
import type { Database, SqliteHandle, Stmt } from './database.js';
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
} from './metric-store.js';
import { ROLLUP_1H, ROLLUP_5M } from './rollup.js';

/** Rows per multi-row INSERT: 3 parameters each, far below SQLite's variable limit. */
const INSERT_CHUNK = 256;
/** Samples older than the last rollup pass by more than this are "late" and tracked durably. */
const LATE_MARGIN_MS = 15 * 60_000;
/** Rollup work done per synchronous slice before yielding, so acknowledgements are not held up. */
const ROLLUP_SLICE_MS = 8;
/** A device's touched 5-minute buckets, from raw; `last` is the value at the bucket's newest ts (a primary-key lookup). */
// CROSS JOIN fixes the join order (SQLite's documented way): each bucket finds its newest sample by
// the whole primary key. With a plain JOIN the planner walked every sample of the device and looked
// its series' buckets up by series alone, one probe per bucket of the window: quadratic. An agent
// back with a few days of hourly samples (4,000 × 10 series) took 9.2 s under the write lock; 72 ms
// now (sqlite-metric-store.test.ts checks the plan).
export const ROLLUP_5M_SQL = `INSERT OR REPLACE INTO rollup_5m (series_id, ts, count, sum, min, max, last, last_ts)
  SELECT a.series_id, a.b, a.n, a.s, a.lo, a.hi, l.value, a.lt
  FROM (SELECT series_id, ts - ts % ${ROLLUP_5M} AS b, count(*) AS n, sum(value) AS s, min(value) AS lo, max(value) AS hi, max(ts) AS lt
        FROM samples WHERE device_id = $device AND ts >= $from GROUP BY series_id, b) a
  CROSS JOIN samples l ON l.device_id = $device AND l.ts = a.lt AND l.series_id = a.series_id`;
/** The hours of those buckets, from the 5-minute buckets; `last` from the bucket holding the hour's newest ts. */
export const ROLLUP_1H_SQL = `INSERT OR REPLACE INTO rollup_1h (series_id, ts, count, sum, min, max, last, last_ts)
  SELECT a.series_id, a.h, a.n, a.s, a.lo, a.hi, l.last, a.lt
  FROM (SELECT series_id, ts - ts % ${ROLLUP_1H} AS h, sum(count) AS n, sum(sum) AS s, min(min) AS lo, max(max) AS hi, max(last_ts) AS lt
        FROM rollup_5m WHERE series_id IN (SELECT id FROM series WHERE device_id = $device) AND ts >= $from GROUP BY series_id, h) a
  CROSS JOIN rollup_5m l ON l.series_id = a.series_id AND l.ts >= a.h AND l.ts < a.h + ${ROLLUP_1H} AND l.last_ts = a.lt`;
const WATERMARK_KEY = 'metrics.rollup.watermark';

/**
 * Raw samples are clustered by (device, time): the values of one frame are adjacent rows, so a
 * commit touches about one page per frame whatever the history size. (Clustered by series, every
 * value would dirty its own page once series are long, and each commit would rewrite that many pages.)
 */
export const SAMPLES_DDL = [
  'CREATE TABLE IF NOT EXISTS samples (device_id INTEGER NOT NULL, ts INTEGER NOT NULL, series_id INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (device_id, ts, series_id)) WITHOUT ROWID',
];
export const SAMPLE_INSERT_CHUNK = INSERT_CHUNK;
export const sampleInsertSql = (rows: number) =>
  `INSERT OR IGNORE INTO samples (device_id, ts, series_id, value) VALUES ${Array(rows).fill('(?,?,?,?)').join(',')}`;

/**
 * Metrics on the embedded SQLite file: raw samples keyed by (series, ts), 5-minute and hourly
 * rollups recomputed from the series touched since the last pass, and retention per resolution.
 * `write` runs inside the ingest transaction so samples commit atomically with the agent's seq.
 */
export class SqliteMetricStore implements MetricStore {
  readonly kind = 'sqlite';
  readonly sharesTransaction = true;
  private readonly db: SqliteHandle;
  private readonly seriesIds = new Map<number, Map<string, number>>();
  /** Devices with samples since the last rollup pass, and the oldest sample time among them. */
  private readonly dirty = new Map<number, number>();
  private readonly latestByDevice = new NewestSamples();
  private readonly insertMany: Stmt;
  private readonly insertOne: Stmt;
  private readonly insertSeries: Stmt;
  private readonly markLate: Stmt;
  private readonly rollup5m: Stmt;
  private readonly rollup1h: Stmt;
  private watermark = 0;
  private maintaining: Promise<MaintenanceReport> | undefined;

  private constructor(
    private readonly database: Database,
    readonly retention: RetentionPolicy,
    /** Each collector process of a cluster rolls up the devices it received data for. */
    private readonly workerId: number,
  ) {
    this.db = database.sqlite;
    for (const ddl of SAMPLES_DDL) this.db.exec(ddl);
    for (const t of ['rollup_5m', 'rollup_1h']) {
      this.db.exec(
        `CREATE TABLE IF NOT EXISTS ${t} (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, last REAL NOT NULL, last_ts INTEGER NOT NULL, PRIMARY KEY (series_id, ts)) WITHOUT ROWID`,
      );
    }
    this.db.exec('CREATE TABLE IF NOT EXISTS rollup_dirty (device_id INTEGER PRIMARY KEY, from_ts INTEGER NOT NULL)');
    this.insertMany = this.db.prepare(sampleInsertSql(INSERT_CHUNK));
    this.insertOne = this.db.prepare(sampleInsertSql(1));
    this.insertSeries = this.db.prepare(
      'INSERT INTO series (device_id, key, name, labels) VALUES (?,?,?,?) ON CONFLICT (device_id, key) DO UPDATE SET name = excluded.name RETURNING id',
    );
    this.rollup5m = this.db.prepare(ROLLUP_5M_SQL);
    this.rollup1h = this.db.prepare(ROLLUP_1H_SQL);
    this.markLate = this.db.prepare(
      'INSERT INTO rollup_dirty (device_id, from_ts) VALUES (?, ?) ON CONFLICT (device_id) DO UPDATE SET from_ts = min(from_ts, excluded.from_ts)',
    );
  }

  static async open(database: Database, retention: RetentionPolicy = DEFAULT_RETENTION, workerId = 1): Promise<SqliteMetricStore> {
    const store = new SqliteMetricStore(database, retention, workerId);
    for (const row of database.sqlite.prepare('SELECT id, device_id, key FROM series').iterate() as Iterable<{ id: number; device_id: number; key: string }>) {
      store.cacheSeries(row.device_id, row.key, row.id);
    }
    // The oldest pass of any collector process: a crash may have lost any process's list of touched devices.
    const wm = database.sqlite.prepare("SELECT min(CAST(value AS INTEGER)) AS value FROM kv WHERE key LIKE 'metrics.rollup.watermark%'").get() as {
      value: number | null;
    };
    if (wm.value !== null) {
      // A crash may have lost the in-memory list of touched series: redo everything since the last pass.
      store.watermark = Number(wm.value);
      const since = store.watermark - LATE_MARGIN_MS;
      for (const deviceId of store.seriesIds.keys()) store.dirty.set(deviceId, since);
    }
    return store;
  }

  private cacheSeries(deviceId: number, key: string, id: number): void {
    let m = this.seriesIds.get(deviceId);
    if (!m) {
      m = new Map();
      this.seriesIds.set(deviceId, m);
    }
    m.set(key, id);
  }

  private seriesId(deviceId: number, key: string): number {
    const id = this.seriesIds.get(deviceId)?.get(key);
    if (id !== undefined) return id;
    const { name, labels } = parseSeriesKey(key);
    const row = this.insertSeries.get(deviceId, key, name, JSON.stringify(labels)) as { id: number };
    this.cacheSeries(deviceId, key, row.id);
    return row.id;
  }

  /** Synchronous; call inside the ingest transaction. */
  write(batch: DeviceSamples[]): void {
    const params: number[] = [];
    const lateBefore = this.watermark - LATE_MARGIN_MS;
    for (const { deviceId, samples } of batch) {
      for (const sample of samples) {
        const ts = sample.ts;
        this.latestByDevice.offer(deviceId, sample);
        const d = this.dirty.get(deviceId);
        if (d === undefined || ts < d) this.dirty.set(deviceId, ts);
        if (ts < lateBefore) this.markLate.run(deviceId, ts);
        for (const key in sample.values) {
          const value = sample.values[key]!;
          if (!Number.isFinite(value)) continue;
          params.push(deviceId, ts, this.seriesId(deviceId, key), value);
          if (params.length === INSERT_CHUNK * 4) {
            this.insertMany.run(params);
            params.length = 0;
          }
        }
      }
    }
    for (let i = 0; i < params.length; i += 4) this.insertOne.run(params[i], params[i + 1], params[i + 2], params[i + 3]);
  }

  /** The newest sample of every device that sent one since start-up (for the rules engine). */
  newestSamples(): IterableIterator<[number, MetricSample]> {
    return this.latestByDevice.entries();
  }

  async bucketCounts(q: BucketCountsQuery): Promise<number[][]> {
    const out = zeroCounts(q);
    const table = q.resolution === '5m' ? 'rollup_5m' : 'rollup_1h';
    const series = this.seriesRows(q.devices.map((d) => d.deviceId));
    q.devices.forEach((d, i) => {
      const ids = (series.get(d.deviceId) ?? []).filter((r) => !d.names || d.names.includes(r.name)).map((r) => r.id);
      if (ids.length === 0) return;
      const positive = d.positive ? ' AND max > 0' : '';
      // Rollup rows are one per series and bucket: a single series needs no DISTINCT (a range count on the primary key).
      const count = this.db
        .prepare(
          ids.length === 1
            ? `SELECT count(*) FROM ${table} WHERE series_id = ? AND ts >= ? AND ts < ?${positive}`
            : `SELECT count(DISTINCT ts) FROM ${table} WHERE series_id IN (${ids.map(() => '?').join(',')}) AND ts >= ? AND ts < ?${positive}`,
        )
        .raw(true);
      // A call into the file per window: no round trip to save, each a range read of the primary key.
      d.windows.forEach((w, k) => {
        if (w.to > w.from) out[i]![k] = (count.get(...ids, w.from, w.to) as [number])[0];
      });
    });
    return out;
  }

  async listSeries(deviceId: number): Promise<SeriesInfo[]> {
    return (await this.listSeriesOf([deviceId])).get(deviceId)!;
  }

  async listSeriesOf(deviceIds: readonly number[]): Promise<Map<number, SeriesInfo[]>> {
    const rows = this.seriesRows(deviceIds);
    return new Map(
      deviceIds.map((id) => [id, (rows.get(id) ?? []).map((r) => ({ key: r.key, name: r.name, labels: JSON.parse(r.labels) as Record<string, string> }))]),
    );
  }

  /** The series rows of the devices (one statement), by device, each device's ordered by key. */
  private seriesRows(deviceIds: readonly number[]): Map<number, { id: number; key: string; name: string; labels: string }[]> {
    const rows = this.db
      .prepare('SELECT device_id, id, key, name, labels FROM series WHERE device_id IN (SELECT value FROM json_each(?)) ORDER BY device_id, key')
      .all(JSON.stringify(deviceIds)) as { device_id: number; id: number; key: string; name: string; labels: string }[];
    const out = new Map<number, { id: number; key: string; name: string; labels: string }[]>();
    for (const r of rows) {
      const list = out.get(r.device_id);
      if (list) list.push(r);
      else out.set(r.device_id, [r]);
    }
    return out;
  }

  async latest(deviceId: number): Promise<Record<string, { ts: number; value: number }>> {
    return this.latestSync(deviceId);
  }

  /** The newest value of each series of a device (from memory when it has it). */
  latestSync(deviceId: number): Record<string, { ts: number; value: number }> {
    const out: Record<string, { ts: number; value: number }> = {};
    const mem = this.latestByDevice.get(deviceId);
    const last = this.db.prepare('SELECT ts, value FROM samples WHERE device_id = ? AND series_id = ? ORDER BY ts DESC LIMIT 1');
    for (const [key, id] of this.seriesIds.get(deviceId) ?? []) {
      const inMemory = mem?.values[key];
      const v = inMemory !== undefined && mem ? { ts: mem.ts, value: inMemory } : (last.get(deviceId, id) as { ts: number; value: number } | undefined);
      if (v) out[key] = { ts: v.ts, value: v.value };
    }
    return out;
  }

  async query(q: MetricQuery): Promise<SeriesPoints[]> {
    const { resolution, stepMs } = chooseResolution(q, Date.now(), this.retention);
    const agg: Aggregation = q.agg ?? 'avg';
    const series = this.db.prepare('SELECT id, key, name, labels FROM series WHERE device_id = ? AND name = ? ORDER BY key').all(q.deviceId, q.name) as {
      id: number;
      key: string;
      name: string;
      labels: string;
    }[];
    const sql = resolution === 'raw' ? rawQuerySql(agg) : rollupQuerySql(resolution === '5m' ? 'rollup_5m' : 'rollup_1h', agg);
    const stmt = this.db.prepare(sql).raw(true);
    const from = q.from - (q.from % stepMs);
    return series.map((s) => ({
      key: s.key,
      name: s.name,
      labels: JSON.parse(s.labels) as Record<string, string>,
      resolution,
      stepMs,
      points: (resolution === 'raw' ? stmt.all(stepMs, q.deviceId, s.id, from, q.to) : stmt.all(stepMs, s.id, from, q.to)) as [number, number][],
    }));
  }

  maintain(now: number, opts: { retention?: boolean } = {}): Promise<MaintenanceReport> {
    // One pass at a time; a caller arriving during a pass waits for it.
    this.maintaining ??= this.runMaintenance(now, opts).finally(() => {
      this.maintaining = undefined;
    });
    return this.maintaining;
  }

  /**
   * Recomputes the 5-minute buckets touched since the last pass from the raw samples, then their
   * hours from the 5-minute buckets, entirely inside SQLite: no raw row becomes a JavaScript object
   * (10,000 devices at one frame every 10 s are 12 M raw rows a pass, which as objects had made
   * the heap swell by ~190 MB a minute and the collector stall in the garbage collector).
   * Devices are done in slices of a few milliseconds, committed without waiting for the disk
   * (derived data: the watermark written last with a full sync makes them durable with it).
   */
  private async runMaintenance(now: number, opts: { retention?: boolean }): Promise<MaintenanceReport> {
    const started = Date.now();
    const report: Required<MaintenanceReport> = { windowsRolledUp: 0, rollupRows: 0, rawDeleted: 0, fiveMinDeleted: 0, hourDeleted: 0, ms: 0 };
    const passStart = now;
    const work = new Map(this.dirty);
    this.dirty.clear();
    for (const r of this.db.prepare('SELECT device_id, from_ts FROM rollup_dirty').all() as { device_id: number; from_ts: number }[]) {
      const d = work.get(r.device_id);
      if (d === undefined || r.from_ts < d) work.set(r.device_id, r.from_ts);
    }
    const entries = [...work];
    const clearDirty = this.db.prepare('DELETE FROM rollup_dirty WHERE device_id = ? AND from_ts >= ?');
    for (let i = 0; i < entries.length; ) {
      i = await this.database.writeTransaction(
        () => {
          const until = performance.now() + ROLLUP_SLICE_MS;
          let j = i;
          for (; j < entries.length && (j === i || performance.now() < until); j++) {
            const [deviceId, fromTs] = entries[j]!;
            report.rollupRows += this.rollup5m.run({ device: deviceId, from: fromTs - (fromTs % ROLLUP_5M) }).changes;
            report.rollupRows += this.rollup1h.run({ device: deviceId, from: fromTs - (fromTs % ROLLUP_1H) }).changes;
            clearDirty.run(deviceId, fromTs);
            report.windowsRolledUp++;
          }
          return j;
        },
        { durable: false },
      );
      await new Promise((r) => setImmediate(r));
    }
    this.watermark = passStart;
    await this.database.writeLock(() =>
      this.db.prepare('INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)').run(`${WATERMARK_KEY}.w${this.workerId}`, String(passStart)),
    );
    if (opts.retention) Object.assign(report, await this.applyRetention(now));
    report.ms = Date.now() - started;
    return report;
  }

  private async applyRetention(now: number): Promise<Pick<MaintenanceReport, 'rawDeleted' | 'fiveMinDeleted' | 'hourDeleted'>> {
    const rows = this.db.prepare('SELECT id, device_id FROM series ORDER BY device_id').raw(true).all() as [number, number][];
    const del = {
      raw: this.db.prepare('DELETE FROM samples WHERE device_id = ? AND ts < ?'),
      five: this.db.prepare('DELETE FROM rollup_5m WHERE series_id = ? AND ts < ?'),
      hour: this.db.prepare('DELETE FROM rollup_1h WHERE series_id = ? AND ts < ?'),
    };
    const out = { rawDeleted: 0, fiveMinDeleted: 0, hourDeleted: 0 };
    const SLICE = 500;
    for (let i = 0; i < rows.length; i += SLICE) {
      const slice = rows.slice(i, i + SLICE);
      await this.database.writeTransaction(() => {
        let lastDevice = -1;
        for (const [id, deviceId] of slice) {
          if (deviceId !== lastDevice) out.rawDeleted += del.raw.run(deviceId, now - this.retention.rawMs).changes;
          lastDevice = deviceId;
          out.fiveMinDeleted += del.five.run(id, now - this.retention.fiveMinMs).changes;
          out.hourDeleted += del.hour.run(id, now - this.retention.hourMs).changes;
        }
      });
      await new Promise((r) => setImmediate(r));
    }
    return out;
  }

  /** Forgets cached state of a deleted device. */
  forgetDevice(deviceId: number): void {
    this.dirty.delete(deviceId);
    this.seriesIds.delete(deviceId);
    this.latestByDevice.forget(deviceId);
  }

  async close(): Promise<void> {
    await this.maintaining;
  }
}

function rawQuerySql(agg: Aggregation): string {
  const b = '(ts - ts % ?)'; // `%` works on integers even when better-sqlite3 binds the step as a double
  const where = 'FROM samples WHERE device_id = ? AND series_id = ? AND ts >= ? AND ts <= ? GROUP BY b ORDER BY b';
  if (agg === 'last') return `SELECT b, value FROM (SELECT ${b} AS b, value, max(ts) ${where})`;
  const fn = { avg: 'avg(value)', min: 'min(value)', max: 'max(value)', sum: 'sum(value)', count: 'count(*)' }[agg];
  return `SELECT ${b} AS b, ${fn} ${where}`;
}

function rollupQuerySql(table: string, agg: Aggregation): string {
  const b = '(ts - ts % ?)'; // `%` works on integers even when better-sqlite3 binds the step as a double
  const where = `FROM ${table} WHERE series_id = ? AND ts >= ? AND ts <= ? GROUP BY b ORDER BY b`;
  if (agg === 'last') return `SELECT b, last FROM (SELECT ${b} AS b, last, max(last_ts) ${where})`;
  const fn = { avg: 'sum(sum) / sum(count)', min: 'min(min)', max: 'max(max)', sum: 'sum(sum)', count: 'sum(count)' }[agg];
  return `SELECT ${b} AS b, ${fn} ${where}`;
}
