import type { LocalDate } from '@vigie/shared';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import type { InvoicesTable, PaymentsTable } from '../../store/schema-billing.js';

export type PaymentRow = Selectable<PaymentsTable>;
/** A payment as an invoice's view lists it. */
export interface PaymentSummary {
  id: number;
  paidOn: LocalDate;
  amountCents: number;
  method: string;
  reference: string;
}

/**
 * Payments on invoices (5.1), never changed once recorded (the database refuses it). Each method
 * takes the caller's transaction (`ex`) when it runs inside one; otherwise the store itself.
 */
export class PaymentRepository {
  constructor(private readonly db: RelationalStore) {}

  /**
   * The invoice a payment (or a dispute) is about, read inside `tx` and locked until it ends: two
   * payments on one invoice take turns, so neither checks the balance before the other is counted.
   * SQLite's write transactions already take turns (BEGIN IMMEDIATE); PostgreSQL locks the row.
   */
  async lockInvoice(tx: Kysely<DB>, invoiceId: number): Promise<Selectable<InvoicesTable> | undefined> {
    return tx
      .selectFrom('invoices')
      .selectAll()
      .where('id', '=', invoiceId)
      .$if(this.db.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
  }

  /** What was paid on an invoice, by `date` when given. */
  async paidOn(invoiceId: number, date?: LocalDate, ex: Kysely<DB> = this.db.kysely): Promise<number> {
    const r = await ex
      .selectFrom('payments')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_cents'), eb.lit(0)).as('s'))
      .where('invoice_id', '=', invoiceId)
      .$if(date !== undefined, (q) => q.where('paid_on', '<=', date!))
      .executeTakeFirstOrThrow();
    // PostgreSQL's sum of integers is a numeric: PostgresDatabase's parser gives a number already.
    return Number(r.s);
  }

  async ofInvoice(invoiceId: number, ex: Kysely<DB> = this.db.kysely): Promise<PaymentSummary[]> {
    return ex
      .selectFrom('payments')
      .select(['id', 'paid_on as paidOn', 'amount_cents as amountCents', 'method', 'reference'])
      .where('invoice_id', '=', invoiceId)
      .orderBy('paid_on')
      .orderBy('id')
      .execute();
  }

  async ofClient(clientId: number, ex: Kysely<DB> = this.db.kysely): Promise<Pick<PaymentRow, 'invoice_id' | 'paid_on' | 'amount_cents'>[]> {
    return ex
      .selectFrom('payments')
      .select(['invoice_id', 'paid_on', 'amount_cents'])
      .where('client_id', '=', clientId)
      .orderBy('paid_on')
      .orderBy('id')
      .execute();
  }

  /** An invoice's payments, as the balance reads them. */
  async balanceRowsOf(invoiceId: number, ex: Kysely<DB> = this.db.kysely): Promise<Pick<PaymentRow, 'invoice_id' | 'paid_on' | 'amount_cents'>[]> {
    return ex.selectFrom('payments').select(['invoice_id', 'paid_on', 'amount_cents']).where('invoice_id', '=', invoiceId).execute();
  }

  /** A payment already recorded on the invoice under this (non-empty) reference: the same bank transfer or cheque sent twice. */
  async byReference(invoiceId: number, reference: string, ex: Kysely<DB> = this.db.kysely): Promise<PaymentRow | undefined> {
    return ex
      .selectFrom('payments')
      .selectAll()
      .where('invoice_id', '=', invoiceId)
      .where('reference', '=', reference)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
  }

  async insert(p: Omit<Insertable<PaymentsTable>, 'id'>, ex: Kysely<DB> = this.db.kysely): Promise<number> {
    const r = await ex
      .insertInto('payments')
      .values({ ...p, reference: p.reference ?? '', created_by: p.created_by ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }
}
