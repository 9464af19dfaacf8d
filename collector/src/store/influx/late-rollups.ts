import type { InfluxDB, IPoint } from 'influx';
import { ROLLUP_1H, ROLLUP_5M } from '../rollup.js';
import { select, str } from './influx-query.js';
import { MEASUREMENT, ON_TIME_MS, q, RP, rollupSelect } from './influx-schema.js';

/**
 * A continuous query only recomputes its last window (15 minutes for the 5-minute rollups), but an
 * agent back after a day delivers a day of samples. Those late samples are marked: one point per
 * device and write, `rollup_late` (device, oldest and newest late time), written in the same
 * request as the samples, so a mark exists whenever its samples do and survives a crash.
 * maintain() then runs the continuous queries' own SELECT … INTO over each marked device and range,
 * as InfluxDB's documentation advises for backfilling, and moves a cursor past the marks it folded.
 *
 * Marks are read only once they are `lagMs` old: a write still in flight (its mark time is taken
 * before the request) cannot then be overtaken by the cursor.
 */
export class LateRollups {
  private lastMarkTime = 0;

  constructor(
    private readonly influx: InfluxDB,
    private readonly db: string,
    /** Tells this process's marks from another's written in the same millisecond. */
    private readonly writer: string,
    readonly lagMs: number,
  ) {}

  /** The late samples' marks for one write (none when every sample is on time). */
  marks(late: Map<number, { min: number; max: number }>, now: number): IPoint[] {
    if (late.size === 0) return [];
    // Strictly increasing per process: two writes in one millisecond must not overwrite each other's marks.
    this.lastMarkTime = Math.max(now, this.lastMarkTime + 1);
    return [...late].map(([deviceId, r]) => ({
      measurement: MEASUREMENT.late,
      tags: { device: String(deviceId), writer: this.writer },
      fields: { min_ts: r.min, max_ts: r.max },
      timestamp: this.lastMarkTime,
    }));
  }

  /** Whether a sample written now may be missed by the continuous queries. */
  static isLate(ts: number, now: number): boolean {
    return ts < now - ON_TIME_MS;
  }

  /** Folds every mark older than the lag into the rollups; returns the (device, range) windows done. */
  async backfill(now: number): Promise<number> {
    const cursor = await this.cursor();
    const upTo = now - this.lagMs;
    if (upTo <= cursor) return 0;
    const rows = await select(
      this.influx,
      this.db,
      `SELECT "device", "min_ts", "max_ts" FROM ${q(RP.raw)}.${q(MEASUREMENT.late)} WHERE time > ${cursor}ms AND time <= ${upTo}ms`,
    );
    const ranges = new Map<string, { min: number; max: number }>();
    let newest = cursor;
    for (const s of rows) {
      const col = (c: string) => s.columns.indexOf(c);
      for (const v of s.values) {
        const device = String(v[col('device')]);
        const min = Number(v[col('min_ts')]);
        const max = Number(v[col('max_ts')]);
        newest = Math.max(newest, Number(v[0]));
        const r = ranges.get(device);
        ranges.set(device, r ? { min: Math.min(r.min, min), max: Math.max(r.max, max) } : { min, max });
      }
    }
    for (const [device, r] of ranges) {
      const five = { from: r.min - (r.min % ROLLUP_5M), to: r.max - (r.max % ROLLUP_5M) + ROLLUP_5M };
      const hour = { from: r.min - (r.min % ROLLUP_1H), to: r.max - (r.max % ROLLUP_1H) + ROLLUP_1H };
      // The hourly rollup reads the 5-minute one: in this order, it sees the buckets just recomputed.
      await select(this.influx, this.db, rollupSelect(this.db, '5m', `"device" = ${str(device)} AND time >= ${five.from}ms AND time < ${five.to}ms`), 'POST');
      await select(this.influx, this.db, rollupSelect(this.db, '1h', `"device" = ${str(device)} AND time >= ${hour.from}ms AND time < ${hour.to}ms`), 'POST');
    }
    if (newest > cursor) {
      await this.influx.writePoints([{ measurement: MEASUREMENT.cursor, fields: { upto: newest }, timestamp: 0 }], {
        database: this.db,
        retentionPolicy: RP.meta,
        precision: 'ms',
      });
    }
    return ranges.size;
  }

  private async cursor(): Promise<number> {
    const rows = await select(this.influx, this.db, `SELECT last("upto") FROM ${q(RP.meta)}.${q(MEASUREMENT.cursor)}`);
    return Number(rows[0]?.values[0]?.[1] ?? 0);
  }
}
