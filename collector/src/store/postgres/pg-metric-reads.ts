import { type MetricSample, VigieError } from '@vigie/shared';
import type pg from 'pg';
import {
  type Aggregation,
  type BucketCountsQuery,
  chooseResolution,
  type MetricQuery,
  type RetentionPolicy,
  type SeriesInfo,
  type SeriesPoints,
  zeroCounts,
} from '../metric-store.js';
import { bucketCountsSql, LATEST_SQL, rawPointsSql, rollupPointsSql, SERIES_OF_DEVICES } from './pg-metric-sql.js';
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
    return (await this.listSeriesOf([deviceId])).get(deviceId)!;
  }

  async listSeriesOf(deviceIds: readonly number[]): Promise<Map<number, SeriesInfo[]>> {
    const out = new Map<number, SeriesInfo[]>(deviceIds.map((id) => [id, []]));
    for (const r of await this.read<{ device_id: number; key: string; name: string; labels: string }>(SERIES_OF_DEVICES, [deviceIds]))
      out.get(r.device_id)!.push({ key: r.key, name: r.name, labels: JSON.parse(r.labels) as Record<string, string> });
    return out;
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

  async bucketCounts(q: BucketCountsQuery): Promise<number[][]> {
    const out = zeroCounts(q);
    const entries = { j: [] as number[], device: [] as number[], positive: [] as boolean[] };
    const names = { j: [] as number[], name: [] as (string | null)[] };
    const windows = { i: [] as number[], j: [] as number[], from: [] as number[], to: [] as number[] };
    const at: [number, number][] = [];
    q.devices.forEach((d, j) => {
      entries.j.push(j);
      entries.device.push(d.deviceId);
      entries.positive.push(d.positive === true);
      for (const name of d.names ?? [null]) {
        names.j.push(j);
        names.name.push(name);
      }
      d.windows.forEach((w, k) => {
        if (w.to <= w.from) return;
        windows.i.push(at.length);
        windows.j.push(j);
        windows.from.push(Math.ceil(w.from));
        windows.to.push(Math.ceil(w.to));
        at.push([j, k]);
      });
    });
    if (at.length === 0) return out;
    const rows = await this.read<{ i: number; n: number }>(bucketCountsSql(q.resolution === '5m' ? T.rollup5m : T.rollup1h), [
      entries.j,
      entries.device,
      entries.positive,
      names.j,
      names.name,
      windows.i,
      windows.j,
      windows.from,
      windows.to,
    ]);
    for (const r of rows) {
      const [j, k] = at[r.i]!;
      out[j]![k] = r.n;
    }
    return out;
  }
}

/** Any failure to reach or use PostgreSQL, as the catalogue's METRICS_UNAVAILABLE (the API answers 503). */
export function unavailable(what: string, err: unknown): VigieError {
  if (err instanceof VigieError) return err;
  const e = err as { message?: string; code?: string };
  return new VigieError('METRICS_UNAVAILABLE', `${what}: ${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}`);
}
