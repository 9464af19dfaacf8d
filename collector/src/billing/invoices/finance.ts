import { assertLocalDate, type LocalDate, monthBounds, monthOf, shiftMonth } from '@vigie/shared';
import type { FinanceMonth } from '@vigie/shared/api';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DisputeRepository } from '../disputes/repository.js';
import type { PaymentRepository } from '../payments/repository.js';
import { balanceFrom, effectiveDue } from './balance.js';
import type { InvoiceRepository } from './repository.js';

/**
 * Contract 3: the financial follow-up of the last 3 months for the portal — per month, what was
 * invoiced (tax included, credit notes deducted) and paid, and at the month's end (or today) what
 * was outstanding, overdue and disputed — and the same monthly series over `months` for statistics.
 */
export class ClientFinance {
  constructor(
    private readonly db: RelationalStore,
    private readonly invoices: InvoiceRepository,
    private readonly payments: PaymentRepository,
    private readonly disputes: DisputeRepository,
  ) {}

  async finance(clientId: number, asOf: LocalDate, months = 3): Promise<FinanceMonth[]> {
    assertLocalDate(asOf);
    // One read transaction: one consistent state; every read below runs on it (`tx`), never on
    // the store (on SQLite the transaction holds the one connection: a read beside it would wait).
    return this.db.kysely.transaction().execute(async (tx) => {
      const invoices = await this.invoices.ofClient(clientId, tx);
      const payments = await this.payments.ofClient(clientId, tx);
      const disputes = await this.disputes.ofClient(clientId, tx);
      const out: FinanceMonth[] = [];
      for (let k = months - 1; k >= 0; k--) {
        const month = shiftMonth(monthOf(asOf), -k);
        const { start, end } = monthBounds(month);
        const at = end < asOf ? end : asOf;
        let invoiced = 0;
        let invoicedExcl = 0;
        for (const i of invoices)
          if (i.issued_on >= start && i.issued_on <= at) {
            invoiced += i.total_incl_cents;
            invoicedExcl += i.total_excl_cents;
          }
        const paid = payments.filter((p) => p.paid_on >= start && p.paid_on <= at).reduce((s, p) => s + p.amount_cents, 0);
        let outstanding = 0;
        let overdue = 0;
        let disputed = 0;
        for (const i of invoices) {
          if (i.kind !== 'invoice') continue;
          // From the rows read above (credit notes are among the client's invoices): no query per invoice and month.
          const b = balanceFrom(i, at, invoices, payments);
          if (b <= 0) continue;
          outstanding += b;
          const ds = disputes.filter((d) => d.invoice_id === i.id);
          if (ds.some((d) => d.opened_on <= at && (d.settled_on === null || d.settled_on > at))) disputed += b;
          else {
            const due = effectiveDue(i, ds, at);
            if (due !== null && at > due) overdue += b;
          }
        }
        out.push({
          month,
          asOf: at,
          invoicedExclCents: invoicedExcl,
          invoicedInclCents: invoiced,
          paidCents: paid,
          outstandingCents: outstanding,
          overdueCents: overdue,
          disputedCents: disputed,
        });
      }
      return out;
    });
  }
}
