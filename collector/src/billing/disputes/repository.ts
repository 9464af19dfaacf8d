import type { LocalDate } from '@vigie/shared';
import type { Insertable, Selectable } from 'kysely';
import type { Database } from '../../store/database.js';
import type { DisputesTable } from '../../store/schema-billing.js';

export type DisputeRow = Selectable<DisputesTable>;

/** Disputes on invoices (5.1), which suspend the payment term until settled. Synchronous: inside the callers' transactions or reads. */
export class DisputeRepository {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  dispute(disputeId: number): DisputeRow | undefined {
    return this.sql.prepare('SELECT * FROM disputes WHERE id = ?').get(disputeId) as DisputeRow | undefined;
  }

  async invoiceOf(disputeId: number): Promise<Pick<DisputeRow, 'invoice_id' | 'client_id'> | undefined> {
    return this.db.kysely.selectFrom('disputes').select(['invoice_id', 'client_id']).where('id', '=', disputeId).executeTakeFirst();
  }

  ofInvoice(invoiceId: number): DisputeRow[] {
    return this.sql.prepare('SELECT * FROM disputes WHERE invoice_id = ? ORDER BY opened_on, id').all(invoiceId) as DisputeRow[];
  }

  ofClient(clientId: number): DisputeRow[] {
    return this.sql.prepare('SELECT * FROM disputes WHERE client_id = ?').all(clientId) as DisputeRow[];
  }

  insert(d: Omit<Insertable<DisputesTable>, 'id' | 'settled_on' | 'settlement'>): number {
    const r = this.sql
      .prepare('INSERT INTO disputes (invoice_id, client_id, opened_on, reason, notified_via, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(d.invoice_id, d.client_id, d.opened_on, d.reason, d.notified_via, d.created_by ?? null, d.created_at);
    return Number(r.lastInsertRowid);
  }

  settle(disputeId: number, settledOn: LocalDate, settlement: string): void {
    this.sql.prepare('UPDATE disputes SET settled_on = ?, settlement = ? WHERE id = ?').run(settledOn, settlement, disputeId);
  }
}
