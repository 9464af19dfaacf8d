import type { LocalDate } from '@vigie/shared';
import type { InvoiceView, Penalty } from '@vigie/shared/api';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DisputeRepository, DisputeRow } from '../disputes/repository.js';
import type { InvoiceDocument } from '../invoice-document.js';
import { type DisputePeriod, type EcbRate, latePenalty, RECOVERY_INDEMNITY_CENTS } from '../late-penalties.js';
import type { PaymentRepository } from '../payments/repository.js';
import type { PriceIndexService } from '../price-indices/service.js';
import { balanceAt, effectiveDue } from './balance.js';
import type { BillingExecutor, InvoiceRepository, InvoiceRow } from './repository.js';

/** Invoices as the API shows them on a date: balance, status, payments, credit notes, disputes, late penalties. */
export class InvoiceViews {
  constructor(
    private readonly db: RelationalStore,
    private readonly invoices: InvoiceRepository,
    private readonly payments: PaymentRepository,
    private readonly disputes: DisputeRepository,
    private readonly indices: PriceIndexService,
  ) {}

  /**
   * Reads in one transaction: one consistent state. Every read of the view runs on it (`tx`), never
   * on the store: on SQLite the transaction holds the one connection, a read beside it would wait.
   */
  private read<T>(fn: (tx: BillingExecutor) => Promise<T>): Promise<T> {
    return this.db.kysely.transaction().execute(fn);
  }

  /** An invoice as the API shows it on `asOf` (inside a read). */
  private async view(inv: InvoiceRow, asOf: LocalDate, ecb: EcbRate[], tx: BillingExecutor): Promise<InvoiceView> {
    const doc = JSON.parse(inv.document) as InvoiceDocument;
    const base = {
      id: inv.id,
      clientId: inv.client_id,
      kind: inv.kind,
      number: inv.number,
      periodStart: inv.period_start,
      periodEnd: inv.period_end,
      issuedOn: inv.issued_on,
      dueOn: inv.due_on,
      correctsNumber: doc.correctsNumber ?? null,
      totalExclCents: inv.total_excl_cents,
      vatRateBp: inv.vat_rate_bp,
      vatCents: inv.vat_cents,
      totalInclCents: inv.total_incl_cents,
      lineCount: doc.lines.length,
    };
    if (inv.kind === 'credit_note') return { ...base, status: 'credit_note' as const };
    const payments = await this.payments.ofInvoice(inv.id, tx);
    const credits = await this.invoices.creditNotesOf(inv.id, tx);
    const disputes = await this.disputes.ofInvoice(inv.id, tx);
    const balance = await balanceAt(this.invoices, this.payments, inv, asOf, tx);
    const openDispute = disputes.find((d) => d.opened_on <= asOf && (d.settled_on === null || d.settled_on > asOf));
    const due = effectiveDue(inv, disputes, asOf);
    const cancelled = credits.some((c) => c.cancels) || (credits.length > 0 && inv.total_incl_cents + credits.reduce((s, c) => s + c.totalInclCents, 0) === 0);
    const status = cancelled
      ? ('cancelled' as const)
      : balance <= 0
        ? ('paid' as const)
        : openDispute
          ? ('disputed' as const)
          : due !== null && asOf > due
            ? ('overdue' as const)
            : ('due' as const);
    let penalty: Penalty | null = null;
    let penaltyNote: string | undefined;
    if (!cancelled) {
      try {
        penalty = this.penalty(inv, payments, disputes, asOf, ecb, balance);
      } catch (err) {
        // A penalty that cannot be computed (no ECB rate entered for the first late day) is said on the invoice, not hidden.
        penaltyNote = err instanceof Error ? err.message : String(err);
      }
    }
    return {
      ...base,
      status,
      effectiveDueOn: due,
      paidCents: payments.reduce((s, p) => s + p.amountCents, 0),
      creditedCents: -credits.reduce((s, c) => s + c.totalInclCents, 0),
      balanceCents: balance,
      payments,
      creditNotes: credits,
      disputes: disputes.map((d) => ({
        id: d.id,
        openedOn: d.opened_on,
        reason: d.reason,
        notifiedVia: d.notified_via,
        settledOn: d.settled_on,
        settlement: d.settlement,
      })),
      penalty,
      ...(penaltyNote ? { penaltyNote } : {}),
    };
  }

  /**
   * Contract 5.1: interest on every sum paid late (up to its payment) and on what is still due (up
   * to `asOf`), at the ECB rate + 10 points in force on the first late day, plus 40 € once.
   */
  private penalty(
    inv: InvoiceRow,
    payments: { paidOn: LocalDate; amountCents: number }[],
    disputes: DisputeRow[],
    asOf: LocalDate,
    ecb: EcbRate[],
    /** What remains due on `asOf` (`balanceAt`). */
    balance: number,
  ): Penalty {
    const periods: DisputePeriod[] = disputes.map((d) => ({ openedOn: d.opened_on, settledOn: d.settled_on }));
    const chunks: { amountCents: number; until: LocalDate }[] = payments
      .filter((p) => p.paidOn <= asOf)
      .map((p) => ({ amountCents: p.amountCents, until: p.paidOn }));
    if (balance > 0) chunks.push({ amountCents: balance, until: asOf });
    let interest = 0;
    let daysLate = 0;
    let rate: number | null = null;
    for (const c of chunks) {
      const p = latePenalty({ amountCents: c.amountCents, dueDate: inv.due_on, asOf: c.until, ecbRates: ecb, disputes: periods });
      interest += p.interestCents;
      if (p.daysLate > daysLate) daysLate = p.daysLate;
      rate ??= p.annualRateBp;
    }
    const indemnity = daysLate > 0 ? RECOVERY_INDEMNITY_CENTS : 0;
    return { daysLate, annualRateBp: rate, interestCents: interest, indemnityCents: indemnity, totalCents: interest + indemnity };
  }

  async get(id: number, asOf: LocalDate): Promise<(InvoiceView & { document: InvoiceDocument }) | undefined> {
    return this.read(async (tx) => {
      const inv = await this.invoices.invoice(id, tx);
      if (!inv) return undefined;
      return { ...(await this.view(inv, asOf, await this.indices.ecbRatesNow(tx), tx)), document: JSON.parse(inv.document) as InvoiceDocument };
    });
  }

  /** Invoices and credit notes, newest first; a client's portal shows the current and previous year. */
  async list(f: { clientId?: number; year?: number; fromYear?: number }, asOf: LocalDate): Promise<InvoiceView[]> {
    return this.read(async (tx) => {
      const ecb = await this.indices.ecbRatesNow(tx);
      const out: InvoiceView[] = [];
      for (const inv of await this.invoices.list(f, tx)) out.push(await this.view(inv, asOf, ecb, tx));
      return out;
    });
  }
}
