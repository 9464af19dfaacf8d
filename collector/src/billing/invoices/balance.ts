import type { LocalDate } from '@vigie/shared';
import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.js';
import type { DisputeRow } from '../disputes/repository.js';
import { latePenalty } from '../late-penalties.js';
import type { PaymentRepository } from '../payments/repository.js';
import type { InvoiceRepository, InvoiceRow } from './repository.js';

/** What remains due on an invoice on `date`: total, less credit notes issued and payments made by then (inside the caller's transaction `ex` when given). */
export async function balanceAt(invoices: InvoiceRepository, payments: PaymentRepository, inv: InvoiceRow, date: LocalDate, ex?: Kysely<DB>): Promise<number> {
  if (inv.kind !== 'invoice' || inv.issued_on > date) return 0;
  return inv.total_incl_cents + (await invoices.creditedIncl(inv.id, date, ex)) - (await payments.paidOn(inv.id, date, ex));
}

/** The due date pushed back by the disputes (null while one is open on `asOf`). */
export function effectiveDue(inv: InvoiceRow, disputes: DisputeRow[], asOf: LocalDate): LocalDate | null {
  const p = latePenalty({
    amountCents: 0,
    dueDate: inv.due_on,
    asOf,
    ecbRates: [],
    disputes: disputes.map((d) => ({ openedOn: d.opened_on, settledOn: d.settled_on })),
  });
  return p.effectiveDueDate;
}
