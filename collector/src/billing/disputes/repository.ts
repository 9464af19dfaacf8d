import type { LocalDate } from '@vigie/shared';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import type { DisputesTable } from '../../store/schema-billing.js';

export type DisputeRow = Selectable<DisputesTable>;

/**
 * Disputes on invoices (5.1), which suspend the payment term until settled. Each method takes the
 * caller's transaction (`ex`) when it runs inside one; otherwise the store itself.
 */
export class DisputeRepository {
  constructor(private readonly db: RelationalStore) {}

  /** The dispute, locked until the transaction `tx` ends (PostgreSQL; SQLite's write transactions take turns already). */
  async lockDispute(tx: Kysely<DB>, disputeId: number): Promise<DisputeRow | undefined> {
    return tx
      .selectFrom('disputes')
      .selectAll()
      .where('id', '=', disputeId)
      .$if(this.db.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
  }

  async dispute(disputeId: number, ex: Kysely<DB> = this.db.kysely): Promise<DisputeRow | undefined> {
    return ex.selectFrom('disputes').selectAll().where('id', '=', disputeId).executeTakeFirst();
  }

  async invoiceOf(disputeId: number): Promise<Pick<DisputeRow, 'invoice_id' | 'client_id'> | undefined> {
    return this.db.kysely.selectFrom('disputes').select(['invoice_id', 'client_id']).where('id', '=', disputeId).executeTakeFirst();
  }

  async ofInvoice(invoiceId: number, ex: Kysely<DB> = this.db.kysely): Promise<DisputeRow[]> {
    return ex.selectFrom('disputes').selectAll().where('invoice_id', '=', invoiceId).orderBy('opened_on').orderBy('id').execute();
  }

  async ofClient(clientId: number, ex: Kysely<DB> = this.db.kysely): Promise<DisputeRow[]> {
    return ex.selectFrom('disputes').selectAll().where('client_id', '=', clientId).orderBy('opened_on').orderBy('id').execute();
  }

  async insert(d: Omit<Insertable<DisputesTable>, 'id' | 'settled_on' | 'settlement'>, ex: Kysely<DB> = this.db.kysely): Promise<number> {
    const r = await ex
      .insertInto('disputes')
      .values({ ...d, created_by: d.created_by ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  /** Closes the dispute if it is still open; whether this call closed it. */
  async settle(disputeId: number, settledOn: LocalDate, settlement: string, ex: Kysely<DB> = this.db.kysely): Promise<boolean> {
    const r = await ex
      .updateTable('disputes')
      .set({ settled_on: settledOn, settlement })
      .where('id', '=', disputeId)
      .where('settled_on', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
