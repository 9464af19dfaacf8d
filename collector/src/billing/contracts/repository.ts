import type { LocalDate } from '@vigie/shared';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../../store/database.js';
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
 * Contracts (art. 6) and their price grids (art. 2.6, 5.2). Synchronous statements: they run inside
 * the callers' transactions (a grid read prices an intervention in the same write that records it).
 */
export class ContractRepository {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  clientExists(clientId: number): boolean {
    return this.sql.prepare('SELECT 1 FROM clients WHERE id = ?').get(clientId) !== undefined;
  }

  /** The client's contract, read in the caller's transaction when given one. */
  async contractOf(clientId: number, ex: Kysely<DB> = this.db.kysely): Promise<ContractRow | undefined> {
    return ex.selectFrom('billing_contracts').selectAll().where('client_id', '=', clientId).executeTakeFirst();
  }

  contract(clientId: number): ContractRow | undefined {
    return this.sql.prepare('SELECT * FROM billing_contracts WHERE client_id = ?').get(clientId) as ContractRow | undefined;
  }

  insertContract(c: NewContract): void {
    this.sql
      .prepare(
        'INSERT INTO billing_contracts (client_id, start_date, vat_rate_bp, payment_days, payment_method, buyer, recipients, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(c.client_id, c.start_date, c.vat_rate_bp, c.payment_days, c.payment_method, c.buyer, c.recipients, c.created_at, c.updated_at);
  }

  updateTerms(clientId: number, c: Pick<ContractRow, 'vat_rate_bp' | 'payment_days' | 'payment_method' | 'buyer' | 'recipients' | 'updated_at'>): void {
    this.sql
      .prepare(
        'UPDATE billing_contracts SET vat_rate_bp = ?, payment_days = ?, payment_method = ?, buyer = ?, recipients = ?, updated_at = ? WHERE client_id = ?',
      )
      .run(c.vat_rate_bp, c.payment_days, c.payment_method, c.buyer, c.recipients, c.updated_at, clientId);
  }

  recordNotice(clientId: number, receivedOn: LocalDate, from: 'client' | 'provider', endDate: LocalDate, now: number): void {
    this.sql
      .prepare('UPDATE billing_contracts SET notice_received_on = ?, notice_from = ?, end_date = ?, updated_at = ? WHERE client_id = ?')
      .run(receivedOn, from, endDate, now, clientId);
  }

  /** The first client ids under contract by `date` (the month-end invoice run). */
  async clientsUnderContract(startedBy: LocalDate): Promise<number[]> {
    const rows = await this.db.kysely.selectFrom('billing_contracts').select('client_id').where('start_date', '<=', startedBy).orderBy('client_id').execute();
    return rows.map((r) => r.client_id);
  }

  grids(clientId: number): GridRow[] {
    return this.sql.prepare('SELECT * FROM price_grids WHERE client_id = ? ORDER BY valid_from').all(clientId) as GridRow[];
  }

  /** The latest grid starting on or before `date`. */
  gridFrom(clientId: number, date: LocalDate): GridRow | undefined {
    return this.sql.prepare('SELECT * FROM price_grids WHERE client_id = ? AND valid_from <= ? ORDER BY valid_from DESC LIMIT 1').get(clientId, date) as
      | GridRow
      | undefined;
  }

  lastGrid(clientId: number): GridRow | undefined {
    return this.sql.prepare('SELECT * FROM price_grids WHERE client_id = ? ORDER BY valid_from DESC LIMIT 1').get(clientId) as GridRow | undefined;
  }

  revisedOn(clientId: number, validFrom: LocalDate): boolean {
    return this.sql.prepare("SELECT 1 FROM price_grids WHERE client_id = ? AND valid_from = ? AND reason = 'revision'").get(clientId, validFrom) !== undefined;
  }

  /** Whether work dated `from` or later is on an issued invoice (a grid then cannot change retroactively). */
  invoicedWorkFrom(clientId: number, from: LocalDate): boolean {
    return (
      this.sql.prepare('SELECT 1 FROM interventions WHERE client_id = ? AND date >= ? AND invoice_id IS NOT NULL LIMIT 1').get(clientId, from) !== undefined
    );
  }

  closeGrid(gridId: number, validTo: LocalDate): void {
    this.sql.prepare('UPDATE price_grids SET valid_to = ? WHERE id = ?').run(validTo, gridId);
  }

  insertGrid(g: NewGrid): number {
    const r = this.sql
      .prepare(
        'INSERT INTO price_grids (client_id, valid_from, grid, syntec_index, syntec_index_date, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(g.client_id, g.valid_from, g.grid, g.syntec_index, g.syntec_index_date ?? null, g.reason, g.created_by ?? null, g.created_at);
    return Number(r.lastInsertRowid);
  }
}
