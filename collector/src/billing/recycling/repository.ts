import type { Insertable, Kysely, Selectable } from 'kysely';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import type { RecyclingPickupsTable } from '../../store/schema-billing.js';

export type PickupRow = Selectable<RecyclingPickupsTable>;

/** DEEE pickups (2.5), frozen once invoiced (the migrations' triggers). Writes take the caller's transaction. */
export class RecyclingRepository {
  constructor(private readonly db: RelationalStore) {}

  async hasContract(clientId: number, ex: Kysely<DB> = this.db.kysely): Promise<boolean> {
    return (await ex.selectFrom('billing_contracts').select('client_id').where('client_id', '=', clientId).executeTakeFirst()) !== undefined;
  }

  async insert(p: Omit<Insertable<RecyclingPickupsTable>, 'id' | 'invoice_id'>, ex: Kysely<DB> = this.db.kysely): Promise<number> {
    const r = await ex
      .insertInto('recycling_pickups')
      .values({ ...p, ticket_id: p.ticket_id ?? null, bsd_reference: p.bsd_reference ?? null, created_by: p.created_by ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  /** The pickup's client when it exists (its BSD reference then set). */
  async setBsd(pickupId: number, reference: string, ex: Kysely<DB> = this.db.kysely): Promise<number | undefined> {
    const r = await ex.updateTable('recycling_pickups').set({ bsd_reference: reference }).where('id', '=', pickupId).returning('client_id').executeTakeFirst();
    return r?.client_id;
  }

  async pickupClient(pickupId: number): Promise<number | undefined> {
    return (await this.db.kysely.selectFrom('recycling_pickups').select('client_id').where('id', '=', pickupId).executeTakeFirst())?.client_id;
  }

  async list(clientId: number | undefined): Promise<PickupRow[]> {
    let q = this.db.kysely.selectFrom('recycling_pickups').selectAll();
    if (clientId !== undefined) q = q.where('client_id', '=', clientId);
    return q.orderBy('picked_up_on').orderBy('id').execute();
  }
}
