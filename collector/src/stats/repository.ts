import type { Database, Stmt } from '../store/database.js';

export type RollupTable = 'rollup_5m' | 'rollup_1h';

export interface ClientDeviceRow {
  id: number;
  hostname: string;
  site_id: number;
  kind: string;
  created_at: number;
}

export interface DeviceSeriesRow {
  id: number;
  device_id: number;
  name: string;
}

/** SQL for statistics over a client's devices and their rollups. */
export class StatsRepository {
  private readonly counters = new Map<string, Stmt>();

  constructor(private readonly db: Database) {}

  async clientExists(clientId: number): Promise<boolean> {
    return (await this.db.kysely.selectFrom('clients').select('id').where('id', '=', clientId).executeTakeFirst()) !== undefined;
  }

  /** Devices of the client that existed before `before`. */
  async devicesCreatedBefore(clientId: number, before: number): Promise<ClientDeviceRow[]> {
    return this.db.kysely
      .selectFrom('devices')
      .select(['id', 'hostname', 'site_id', 'kind', 'created_at'])
      .where('client_id', '=', clientId)
      .where('created_at', '<', before)
      .orderBy('hostname')
      .orderBy('id')
      .execute();
  }

  async seriesOfClient(clientId: number): Promise<DeviceSeriesRow[]> {
    return this.db.kysely
      .selectFrom('series as s')
      .innerJoin('devices as d', 'd.id', 's.device_id')
      .select(['s.id', 's.device_id', 's.name'])
      .where('d.client_id', '=', clientId)
      .execute();
  }

  /**
   * Buckets in [from, to) holding at least one row of any of the series. Rollup rows are one per
   * series and bucket, so a single series needs no DISTINCT (a plain range count on the primary key).
   * `positive`: only buckets where the series reached above 0 (a poll answered, not merely made).
   */
  countBuckets(table: RollupTable, seriesIds: readonly number[], from: number, to: number, positive = false): number {
    if (seriesIds.length === 0 || to <= from) return 0;
    const row = this.counter(table, seriesIds.length, positive).get(...seriesIds, from, to) as [number];
    return row[0];
  }

  private counter(table: RollupTable, arity: number, positive: boolean): Stmt {
    const key = `${table}:${arity}:${positive}`;
    let stmt = this.counters.get(key);
    if (!stmt) {
      const up = positive ? ' AND max > 0' : '';
      const sql =
        arity === 1
          ? `SELECT count(*) FROM ${table} WHERE series_id = ? AND ts >= ? AND ts < ?${up}`
          : `SELECT count(DISTINCT ts) FROM ${table} WHERE series_id IN (${Array(arity).fill('?').join(',')}) AND ts >= ? AND ts < ?${up}`;
      stmt = this.db.sqlite.prepare(sql).raw(true);
      // Fallback statements vary by a device's series count; keep only a handful.
      if (this.counters.size < 64) this.counters.set(key, stmt);
    }
    return stmt;
  }
}
