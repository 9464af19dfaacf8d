import { type MetricSample, VigieError } from '@vigie/shared';
import type pg from 'pg';
import {
  type Aggregation,
  type BucketCountQuery,
  chooseResolution,
  type MetricQuery,
  type RetentionPolicy,
  type SeriesInfo,
  type SeriesPoints,
} from '../metric-store.js';
import { countBucketsSql, LATEST_SQL, rawPointsSql, rollupPointsSql } from './pg-metric-sql.js';
import { T } from './pg-schema.js';

/** What the PostgreSQL metric store answers: charts, series lists, latest values, availability buckets. */
export class PgMetricReads {
  constructor(
    private readonly pool: pg.Pool,
    private readonly retention: RetentionPolicy,
  ) {}

  async read<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (err) {
      throw unavailable('PostgreSQL query failed', err);
    }
  }

  private seriesOf(deviceId: number, name?: string) {
    return this.read<{ id: number; key: string; name: string; labels: string }>(
      `SELECT id, key, name, labels FROM ${T.series} WHERE device_id = $1${name !== undefined ? ' AND name = $2' : ''} ORDER BY key COLLATE "C"`,
      name !== undefined ? [deviceId, name] : [deviceId],
    );
  }

  async listSeries(deviceId: number): Promise<SeriesInfo[]> {
    return (await this.seriesOf(deviceId)).map((r) => ({ key: r.key, name: r.name, labels: JSON.parse(r.labels) as Record<string, string> }));
  }

  /** `mem`: the device's newest sample received by this process (its values need no query). */
  async latest(deviceId: number, mem: MetricSample | undefined): Promise<Record<string, { ts: number; value: number }>> {
    const out: Record<string, { ts: number; value: number }> = {};
    const inMemory = mem ? Object.keys(mem.values) : [];
    for (const key of inMemory) out[key] = { ts: mem!.ts, value: mem!.values[key]! };
    for (const r of await this.read<{ key: string; ts: number; value: number }>(LATEST_SQL, [deviceId, inMemory])) out[r.key] = { ts: r.ts, value: r.value };
    return out;
  }

  async query(q: MetricQuery): Promise<SeriesPoints[]> {
    const { resolution, stepMs } = chooseResolution(q, Date.now(), this.retention);
    const agg: Aggregation = q.agg ?? 'avg';
    const series = await this.seriesOf(q.deviceId, q.name);
    if (series.length === 0) return [];
    const ids = series.map((s) => s.id);
    // Times are integers: the first at or after `from`, the last at or before `to`.
    const from = Math.ceil(q.from - (q.from % stepMs));
    const to = Math.floor(q.to);
    const rows =
      resolution === 'raw'
        ? await this.read<{ series_id: number; b: number; v: number }>(rawPointsSql(agg), [stepMs, q.deviceId, ids, from, to])
        : await this.read<{ series_id: number; b: number; v: number }>(rollupPointsSql(resolution === '5m' ? T.rollup5m : T.rollup1h, agg), [
            stepMs,
            ids,
            from,
            to,
          ]);
    const points = new Map<number, [number, number][]>(ids.map((id) => [id, []]));
    for (const r of rows) points.get(r.series_id)!.push([r.b, r.v]);
    return series.map((s) => ({
      key: s.key,
      name: s.name,
      labels: JSON.parse(s.labels) as Record<string, string>,
      resolution,
      stepMs,
      points: points.get(s.id)!,
    }));
  }

  async countBuckets(q: BucketCountQuery): Promise<number> {
    if (q.to <= q.from) return 0;
    const ids = (await this.seriesOf(q.deviceId)).filter((r) => !q.names || q.names.includes(r.name)).map((r) => r.id);
    if (ids.length === 0) return 0;
    const rows = await this.read<{ n: number }>(countBucketsSql(q.resolution === '5m' ? T.rollup5m : T.rollup1h, q.positive === true), [
      ids,
      Math.ceil(q.from),
      Math.ceil(q.to),
    ]);
    return rows[0]!.n;
  }
}

/** Any failure to reach or use PostgreSQL, as the catalogue's METRICS_UNAVAILABLE (the API answers 503). */
export function unavailable(what: string, err: unknown): VigieError {
  if (err instanceof VigieError) return err;
  const e = err as { message?: string; code?: string };
  return new VigieError('METRICS_UNAVAILABLE', `${what}: ${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}`);
}
