import type { LocalDate } from '@vigie/shared';
import type { DisputeRow } from '../disputes/repository.js';
import { latePenalty } from '../late-penalties.js';
import type { PaymentRepository } from '../payments/repository.js';
import type { BillingExecutor, InvoiceRepository, InvoiceRow } from './repository.js';

/** A credit note as the balance reads it (an invoice row of kind `credit_note`: negative amounts). */
export type BalanceCredit = Pick<InvoiceRow, 'kind' | 'corrects_invoice_id' | 'issued_on' | 'total_incl_cents'>;
/** A payment as the balance reads it. */
export type BalancePayment = { invoice_id: number; paid_on: LocalDate; amount_cents: number };

/**
 * What remains due on an invoice on `date`: its total, less the credit notes on it issued and the
 * payments on it made by then. The rows may be the invoice's own or a whole client's (the others
 * are left out): the one statement of the rule, for one invoice (`balanceAt`) and a client's months.
 */
export function balanceFrom(inv: InvoiceRow, date: LocalDate, credits: readonly BalanceCredit[], payments: readonly BalancePayment[]): number {
  if (inv.kind !== 'invoice' || inv.issued_on > date) return 0;
  let balance = inv.total_incl_cents;
  for (const c of credits) if (c.kind === 'credit_note' && c.corrects_invoice_id === inv.id && c.issued_on <= date) balance += c.total_incl_cents;
  for (const p of payments) if (p.invoice_id === inv.id && p.paid_on <= date) balance -= p.amount_cents;
  return balance;
}

/** `balanceFrom` for one invoice, its credit notes and payments read inside the caller's read or transaction (`tx`). */
export async function balanceAt(
  invoices: InvoiceRepository,
  payments: PaymentRepository,
  inv: InvoiceRow,
  date: LocalDate,
  tx: BillingExecutor,
): Promise<number> {
  return balanceFrom(inv, date, await invoices.creditsOf(inv.id, tx), await payments.balanceRowsOf(inv.id, tx));
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
