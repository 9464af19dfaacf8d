import type { RelationalStore } from '../store/relational-store.js';

export interface ClientDeviceRow {
  id: number;
  hostname: string;
  site_id: number;
  kind: string;
  created_at: number;
}

/** SQL for statistics over a client's devices (their rollups are read through the metric store). */
export class StatsRepository {
  constructor(private readonly db: RelationalStore) {}

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
}
