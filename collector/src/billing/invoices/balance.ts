import type { LocalDate } from '@vigie/shared';
import type { DisputeRow } from '../disputes/repository.js';
import { latePenalty } from '../late-penalties.js';
import type { PaymentRepository } from '../payments/repository.js';
import type { BillingExecutor, InvoiceRepository, InvoiceRow } from './repository.js';

/** What remains due on an invoice on `date`: total, less credit notes issued and payments made by then (inside the caller's read or transaction, `tx`). */
export async function balanceAt(
  invoices: InvoiceRepository,
  payments: PaymentRepository,
  inv: InvoiceRow,
  date: LocalDate,
  tx: BillingExecutor,
): Promise<number> {
  if (inv.kind !== 'invoice' || inv.issued_on > date) return 0;
  return inv.total_incl_cents + (await invoices.creditedIncl(inv.id, date, tx)) - (await payments.paidOn(inv.id, date, tx));
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
