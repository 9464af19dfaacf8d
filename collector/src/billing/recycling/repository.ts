import type { Insertable, Selectable } from 'kysely';
import type { Database } from '../../store/database.js';
import type { RecyclingPickupsTable } from '../../store/schema-billing.js';

export type PickupRow = Selectable<RecyclingPickupsTable>;

/** DEEE pickups (2.5). Writes are synchronous: inside the callers' transactions. */
export class RecyclingRepository {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  hasContract(clientId: number): boolean {
    return this.sql.prepare('SELECT 1 FROM billing_contracts WHERE client_id = ?').get(clientId) !== undefined;
  }

  insert(p: Omit<Insertable<RecyclingPickupsTable>, 'id' | 'invoice_id'>): number {
    const r = this.sql
      .prepare(
        `INSERT INTO recycling_pickups (client_id, ticket_id, picked_up_on, description, weight_grams, transport_cents, handling_cents, recycling_rate_cents_per_kg, recycling_cents, bsd_reference, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        p.client_id,
        p.ticket_id ?? null,
        p.picked_up_on,
        p.description,
        p.weight_grams,
        p.transport_cents,
        p.handling_cents,
        p.recycling_rate_cents_per_kg,
        p.recycling_cents,
        p.bsd_reference ?? null,
        p.created_by ?? null,
        p.created_at,
      );
    return Number(r.lastInsertRowid);
  }

  /** Returns whether the pickup exists. */
  setBsd(pickupId: number, reference: string): boolean {
    return this.sql.prepare('UPDATE recycling_pickups SET bsd_reference = ? WHERE id = ?').run(reference, pickupId).changes > 0;
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
