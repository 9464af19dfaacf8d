import type { RelationalStore } from '../store/relational-store.js';

export class TenantsRepository {
  constructor(private readonly db: RelationalStore) {}

  async createClient(name: string): Promise<number> {
    const r = await this.db.kysely.insertInto('clients').values({ name, created_at: Date.now() }).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  async listClients(onlyId?: number) {
    let q = this.db.kysely.selectFrom('clients').select(['id', 'name', 'created_at']).orderBy('name');
    if (onlyId !== undefined) q = q.where('id', '=', onlyId);
    return q.execute();
  }

  async getClient(id: number) {
    return this.db.kysely.selectFrom('clients').select(['id', 'name', 'created_at']).where('id', '=', id).executeTakeFirst();
  }

  async findClientByName(name: string) {
    return this.db.kysely.selectFrom('clients').select(['id', 'name']).where('name', '=', name).executeTakeFirst();
  }

  async createSite(clientId: number, name: string): Promise<number> {
    const r = await this.db.kysely.insertInto('sites').values({ client_id: clientId, name, created_at: Date.now() }).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  async listSites(clientId: number) {
    return this.db.kysely.selectFrom('sites').select(['id', 'client_id', 'name', 'created_at']).where('client_id', '=', clientId).orderBy('name').execute();
  }

  async listAllSites() {
    return this.db.kysely.selectFrom('sites').select(['id', 'client_id', 'name']).orderBy('name').execute();
  }

  async getSite(id: number) {
    return this.db.kysely.selectFrom('sites').select(['id', 'client_id', 'name', 'created_at']).where('id', '=', id).executeTakeFirst();
  }

  /** Monitoring tickets are internal unless `publishMonitoringTickets` (issue 18). */
  async settings(clientId: number): Promise<{ publishMonitoringTickets: boolean } | undefined> {
    const r = await this.db.kysely.selectFrom('clients').select('publish_monitoring_tickets').where('id', '=', clientId).executeTakeFirst();
    return r ? { publishMonitoringTickets: r.publish_monitoring_tickets === 1 } : undefined;
  }

  async putSettings(clientId: number, s: { publishMonitoringTickets: boolean }): Promise<void> {
    await this.db.kysely
      .updateTable('clients')
      .set({ publish_monitoring_tickets: s.publishMonitoringTickets ? 1 : 0 })
      .where('id', '=', clientId)
      .execute();
  }

  async findSite(clientId: number, name: string) {
    return this.db.kysely.selectFrom('sites').select(['id', 'client_id', 'name']).where('client_id', '=', clientId).where('name', '=', name).executeTakeFirst();
  }
}
