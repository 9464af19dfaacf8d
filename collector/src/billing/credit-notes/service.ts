import { parisDate, VigieError } from '@vigie/shared';
import type { Transaction } from 'kysely';
import { appendAuditInTransaction } from '../../audit/repository.js';
import type { SessionUser } from '../../auth/repository.js';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import { fail } from '../contract-refusal.js';
import type { InvoiceDocument, InvoiceLine } from '../invoice-document.js';
import type { BillableItemRepository } from '../invoices/billable-items.js';
import { nextNumber } from '../invoices/numbering.js';
import type { InvoiceRepository, InvoiceRow } from '../invoices/repository.js';
import type { InvoiceIssuing } from '../invoices/service.js';
import { vatOf } from '../invoices/vat.js';
import type { PaymentRepository } from '../payments/repository.js';
import type { SettingsService } from '../settings/service.js';

/** A credit note asked for: without an amount it cancels the whole invoice (releasing its items if asked). */
export interface CreditInput {
  reason: string;
  amountExclCents?: number;
  release?: boolean;
}

export function checkCreditInput(input: CreditInput): void {
  if (!input.reason.trim()) fail('Motif de l’avoir requis');
  if (input.amountExclCents !== undefined && (!Number.isSafeInteger(input.amountExclCents) || input.amountExclCents <= 0))
    fail('Montant de l’avoir invalide (centimes HT > 0)');
  if (input.release && input.amountExclCents !== undefined) fail('Un avoir partiel ne libère pas les éléments facturés');
}

/** Credit notes (contract 5.1): the only way to correct an issued invoice. */
export class CreditNoteService {
  constructor(
    private readonly db: RelationalStore,
    private readonly invoices: InvoiceRepository,
    private readonly items: BillableItemRepository,
    private readonly payments: PaymentRepository,
    private readonly settings: SettingsService,
    private readonly issuing: InvoiceIssuing,
  ) {}

  /**
   * A credit note on an issued invoice. Without an amount it cancels the whole invoice; with
   * `release`, its items become billable again, to be re-invoiced corrected on a rectifying
   * invoice. With an amount (excluding tax), a partial credit (e.g. a dispute's settlement), never
   * more than what is left to credit.
   */
  async creditNote(invoiceId: number, input: CreditInput, user: SessionUser, now = Date.now()): Promise<InvoiceRow> {
    checkCreditInput(input);
    const id = await this.db.kysely.transaction().execute((tx) => this.issueCreditNote(invoiceId, input, user, now, tx));
    await this.issuing.pdf(id);
    return (await this.issuing.row(id))!;
  }

  /** Writes a credit note (checked by `checkCreditInput`), its audit entry with it, inside the caller's transaction (`tx`). */
  async issueCreditNote(invoiceId: number, input: CreditInput, user: SessionUser, now: number, tx: Transaction<DB>): Promise<number> {
    const inv = await this.invoices.invoice(invoiceId, tx);
    if (!inv) throw new VigieError('NOT_FOUND');
    if (inv.kind !== 'invoice') fail('Un avoir ne se corrige pas par un avoir');
    const credited = -(await this.invoices.creditedExcl(invoiceId, tx));
    const left = inv.total_excl_cents - credited;
    const amount = input.amountExclCents ?? inv.total_excl_cents;
    if (input.amountExclCents === undefined && credited > 0) fail(`Facture déjà partiellement créditée (${credited} c HT) : avoir partiel seulement`);
    if (amount > left) fail(`Avoir supérieur au montant restant à créditer (${left} c HT)`);
    const paid = await this.payments.paidOn(invoiceId, undefined, tx);
    const doc = JSON.parse(inv.document) as InvoiceDocument;
    const issuedOn = parisDate(now);
    if (issuedOn < inv.issued_on) fail('Un avoir ne peut précéder sa facture');
    const year = Number(issuedOn.slice(0, 4));
    const { seq, number } = await nextNumber(this.invoices, 'credit_note', year, tx);
    const lines: InvoiceLine[] =
      input.amountExclCents === undefined
        ? doc.lines.map((l) => ({ ...l, type: 'credit' as const, unitPriceCents: -l.unitPriceCents, amountCents: -l.amountCents }))
        : [
            {
              type: 'credit',
              date: issuedOn,
              label: `Avoir sur la facture ${inv.number} — ${input.reason}`,
              periodStart: inv.period_start,
              periodEnd: inv.period_end,
              quantity: 1,
              unit: 'forfait',
              unitPriceCents: -amount,
              amountCents: -amount,
            },
          ];
    const totalExcl = -amount;
    const vat = input.amountExclCents === undefined && credited === 0 ? -inv.vat_cents : vatOf(totalExcl, inv.vat_rate_bp);
    const { seller, bank } = await this.settings.sellerForInvoice(tx);
    const credit: InvoiceDocument = {
      ...doc,
      kind: 'credit_note',
      number,
      issuedOn,
      dueOn: issuedOn,
      correctsNumber: inv.number,
      correctsIssuedOn: inv.issued_on,
      seller,
      ...(bank ? { bank } : {}),
      lines,
      totalExclTaxCents: totalExcl,
      vatCents: vat,
      totalInclTaxCents: totalExcl + vat,
      paymentTerms: paid > 0 ? 'Montant remboursé ou imputé sur la prochaine facture' : `Vient en déduction de la facture ${inv.number}`,
      note: `Motif : ${input.reason}`,
    };
    const id = await this.invoices.insert(
      {
        client_id: inv.client_id,
        kind: 'credit_note',
        year,
        seq,
        number,
        period_start: inv.period_start,
        period_end: inv.period_end,
        issued_on: issuedOn,
        due_on: issuedOn,
        corrects_invoice_id: invoiceId,
        releases_items: input.release ? 1 : 0,
        total_excl_cents: totalExcl,
        vat_rate_bp: inv.vat_rate_bp,
        vat_cents: vat,
        total_incl_cents: totalExcl + vat,
        document: JSON.stringify(credit),
        created_by: user.id,
        created_at: now,
      },
      tx,
    );
    if (input.release) await this.items.release(invoiceId, tx);
    await appendAuditInTransaction(
      tx,
      this.db.dialect,
      `user:${user.id}`,
      'invoice.credit-note',
      `invoice:${id}`,
      { number, corrects: inv.number, totalExclCents: totalExcl, totalInclCents: totalExcl + vat, releasesItems: input.release === true, reason: input.reason },
      { clientId: inv.client_id, result: 'ok' },
      now,
    );
    return id;
  }
}
