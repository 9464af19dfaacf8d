import type { LocalDate } from '@vigie/shared';
import type { Insertable, Selectable } from 'kysely';
import type { Database } from '../../store/database.js';
import type { PaymentsTable } from '../../store/schema-billing.js';

export type PaymentRow = Selectable<PaymentsTable>;
/** A payment as an invoice's view lists it. */
export interface PaymentSummary {
  id: number;
  paidOn: LocalDate;
  amountCents: number;
  method: string;
  reference: string;
}

/** Payments on invoices (5.1), never changed once recorded (the database refuses it). Synchronous: inside the callers' transactions or reads. */
export class PaymentRepository {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  /** What was paid on an invoice, by `date` when given. */
  paidOn(invoiceId: number, date?: LocalDate): number {
    return date === undefined
      ? (this.sql.prepare('SELECT COALESCE(SUM(amount_cents), 0) AS s FROM payments WHERE invoice_id = ?').get(invoiceId) as { s: number }).s
      : (
          this.sql.prepare('SELECT COALESCE(SUM(amount_cents), 0) AS s FROM payments WHERE invoice_id = ? AND paid_on <= ?').get(invoiceId, date) as {
            s: number;
          }
        ).s;
  }

  ofInvoice(invoiceId: number): PaymentSummary[] {
    return this.sql
      .prepare('SELECT id, paid_on AS paidOn, amount_cents AS amountCents, method, reference FROM payments WHERE invoice_id = ? ORDER BY paid_on, id')
      .all(invoiceId) as PaymentSummary[];
  }

  ofClient(clientId: number): Pick<PaymentRow, 'paid_on' | 'amount_cents'>[] {
    return this.sql.prepare('SELECT paid_on, amount_cents FROM payments WHERE client_id = ?').all(clientId) as Pick<PaymentRow, 'paid_on' | 'amount_cents'>[];
  }

  insert(p: Omit<Insertable<PaymentsTable>, 'id'>): number {
    const r = this.sql
      .prepare('INSERT INTO payments (invoice_id, client_id, paid_on, amount_cents, method, reference, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(p.invoice_id, p.client_id, p.paid_on, p.amount_cents, p.method, p.reference ?? '', p.created_by ?? null, p.created_at);
    return Number(r.lastInsertRowid);
  }
}
