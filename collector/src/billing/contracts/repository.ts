import type { LocalDate } from '@vigie/shared';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import type { BillingContractsTable, PriceGridsTable } from '../../store/schema-billing.js';

export type ContractRow = Selectable<BillingContractsTable>;
export type GridRow = Selectable<PriceGridsTable>;
type NewContract = Pick<
  Insertable<BillingContractsTable>,
  'client_id' | 'start_date' | 'vat_rate_bp' | 'payment_days' | 'payment_method' | 'buyer' | 'recipients' | 'created_at' | 'updated_at'
>;
type NewGrid = Omit<Insertable<PriceGridsTable>, 'id' | 'valid_to'>;

/**
 * Contracts (art. 6) and their price grids (art. 2.6, 5.2). Each method runs on the store or inside
 * the caller's transaction (`ex`: a grid read prices an intervention in the same write that records it).
 */
export class ContractRepository {
  constructor(private readonly db: RelationalStore) {}

  async clientExists(clientId: number, ex: Kysely<DB> = this.db.kysely): Promise<boolean> {
    return (await ex.selectFrom('clients').select('id').where('id', '=', clientId).executeTakeFirst()) !== undefined;
  }

  /** The client's contract. */
  async contractOf(clientId: number, ex: Kysely<DB> = this.db.kysely): Promise<ContractRow | undefined> {
    return ex.selectFrom('billing_contracts').selectAll().where('client_id', '=', clientId).executeTakeFirst();
  }

  async insertContract(c: NewContract, ex: Kysely<DB> = this.db.kysely): Promise<void> {
    await ex.insertInto('billing_contracts').values(c).execute();
  }

  async updateTerms(
    clientId: number,
    c: Pick<ContractRow, 'vat_rate_bp' | 'payment_days' | 'payment_method' | 'buyer' | 'recipients' | 'updated_at'>,
    ex: Kysely<DB> = this.db.kysely,
  ): Promise<void> {
    await ex.updateTable('billing_contracts').set(c).where('client_id', '=', clientId).execute();
  }

  /** Records the notice once: false when one was recorded meanwhile (two notices at once, two collectors). */
  async recordNotice(
    clientId: number,
    receivedOn: LocalDate,
    from: 'client' | 'provider',
    endDate: LocalDate,
    now: number,
    ex: Kysely<DB> = this.db.kysely,
  ): Promise<boolean> {
    const r = await ex
      .updateTable('billing_contracts')
      .set({ notice_received_on: receivedOn, notice_from: from, end_date: endDate, updated_at: now })
      .where('client_id', '=', clientId)
      .where('notice_received_on', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** The first client ids under contract by `date` (the month-end invoice run). */
  async clientsUnderContract(startedBy: LocalDate): Promise<number[]> {
    const rows = await this.db.kysely.selectFrom('billing_contracts').select('client_id').where('start_date', '<=', startedBy).orderBy('client_id').execute();
    return rows.map((r) => r.client_id);
  }

  async grids(clientId: number, ex: Kysely<DB> = this.db.kysely): Promise<GridRow[]> {
    // valid_from is unique per client (each new grid starts after the last): the order is total.
    return ex.selectFrom('price_grids').selectAll().where('client_id', '=', clientId).orderBy('valid_from').orderBy('id').execute();
  }

  /** The latest grid starting on or before `date`. */
  async gridFrom(clientId: number, date: LocalDate, ex: Kysely<DB> = this.db.kysely): Promise<GridRow | undefined> {
    return ex
      .selectFrom('price_grids')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('valid_from', '<=', date)
      .orderBy('valid_from', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async lastGrid(clientId: number, ex: Kysely<DB> = this.db.kysely): Promise<GridRow | undefined> {
    return ex
      .selectFrom('price_grids')
      .selectAll()
      .where('client_id', '=', clientId)
      .orderBy('valid_from', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async revisedOn(clientId: number, validFrom: LocalDate, ex: Kysely<DB> = this.db.kysely): Promise<boolean> {
    const r = await ex
      .selectFrom('price_grids')
      .select('id')
      .where('client_id', '=', clientId)
      .where('valid_from', '=', validFrom)
      .where('reason', '=', 'revision')
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Whether work dated `from` or later is on an issued invoice (a grid then cannot change retroactively). */
  async invoicedWorkFrom(clientId: number, from: LocalDate, ex: Kysely<DB> = this.db.kysely): Promise<boolean> {
    const r = await ex
      .selectFrom('interventions')
      .select('id')
      .where('client_id', '=', clientId)
      .where('date', '>=', from)
      .where('invoice_id', 'is not', null)
      .limit(1)
      .executeTakeFirst();
    return r !== undefined;
  }

  async closeGrid(gridId: number, validTo: LocalDate, ex: Kysely<DB> = this.db.kysely): Promise<void> {
    await ex.updateTable('price_grids').set({ valid_to: validTo }).where('id', '=', gridId).execute();
  }

  async insertGrid(g: NewGrid, ex: Kysely<DB> = this.db.kysely): Promise<number> {
    const r = await ex
      .insertInto('price_grids')
      .values({ ...g, syntec_index_date: g.syntec_index_date ?? null, created_by: g.created_by ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }
}
