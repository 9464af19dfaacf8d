import { createHash } from 'node:crypto';
import { addDays, frenchDate, monthBounds, parisDate, VigieError } from '@vigie/shared';
import { appendAuditInTransaction } from '../../audit/repository.js';
import type { SessionUser } from '../../auth/repository.js';
import type { RelationalStore } from '../../store/relational-store.js';
import { fail } from '../contract-refusal.js';
import type { ContractRepository } from '../contracts/repository.js';
import { invoiceCii } from '../facturx/cii-xml.js';
import { natureOfLines } from '../facturx/mentions.js';
import type { InvoiceDocument, LegalIdentity } from '../invoice-document.js';
import { renderInvoicePdf } from '../invoice-pdf.js';
import type { SettingsService } from '../settings/service.js';
import type { BillableItemRepository } from './billable-items.js';
import { invoiceLines } from './invoice-lines.js';
import { nextNumber } from './numbering.js';
import type { InvoiceRepository, InvoiceRow } from './repository.js';
import { vatOf } from './vat.js';

/** How the invoice says the contract's payment method (contract 5.1) in its payment terms: the client reads how to pay. */
const PAYMENT_TERMS_BY_METHOD: Record<string, string> = {
  direct_debit: 'Prélèvement',
  transfer: 'Virement',
  cheque: 'Chèque',
  card: 'Carte bancaire',
  other: 'Paiement',
};

// Two mentions, two notes of the e-invoice (PMD and PMT, BR-FR-05).
const LATE_TEXT =
  'En cas de retard de paiement, pénalités exigibles dès le lendemain de l’échéance au taux de refinancement le plus récent de la Banque centrale européenne majoré de 10 points de pourcentage, au prorata des jours de retard (art. L441-10 du Code de commerce ; contrat art. 5.1).';
const INDEMNITY_TEXT = 'Indemnité forfaitaire pour frais de recouvrement due en cas de retard de paiement : 40 € (art. L441-10 et D441-5 du Code de commerce).';
const DISCOUNT_TEXT = 'Pas d’escompte pour paiement anticipé.';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * Monthly invoices (contract 5.1): one per client and month with every billable item not invoiced
 * yet, gap-free numbers per year, immutable once issued, the Factur-X PDF and its XML kept as issued.
 */
export class InvoiceIssuing {
  /** Called once an issued invoice's Factur-X file is kept (the mailer sends it). */
  onIssued: ((invoiceId: number) => void) | undefined;

  constructor(
    private readonly db: RelationalStore,
    private readonly invoices: InvoiceRepository,
    private readonly items: BillableItemRepository,
    private readonly contracts: ContractRepository,
    private readonly settings: SettingsService,
  ) {}

  /**
   * Issues the invoice of `month` for a client, on the Paris date of `now` (after the month ended):
   * every intervention, expense, supply order fee, delivered supply and DEEE pickup dated up to the
   * month's end and not invoiced yet. Returns null when there is nothing to bill (no number used).
   * Idempotent: the month's invoice, once issued, is returned as is.
   */
  async generate(clientId: number, month: string, now = Date.now(), user?: SessionUser): Promise<InvoiceRow | null> {
    const r = await this.issue(clientId, month, now, user);
    // Issued, but its documents could not be kept: said as before (they are rendered again when read).
    if (r?.documentsError) throw r.documentsError;
    return r?.row ?? null;
  }

  /**
   * One client's run, as the month-end run reports each client: its invoice, whether this call
   * issued it (true) or found it issued before (false), and the error when its PDF could not be
   * kept (the invoice is issued all the same; its documents are rendered again when read).
   */
  async generateOne(clientId: number, month: string, now = Date.now(), user?: SessionUser): Promise<IssueResult & { id?: number }> {
    const inv = await this.issue(clientId, month, now, user);
    return { ...issueResult(clientId, inv), ...(inv ? { id: inv.row.id } : {}) };
  }

  private async issue(
    clientId: number,
    month: string,
    now: number,
    user?: SessionUser,
  ): Promise<{ row: InvoiceRow; issued: boolean; documentsError?: Error } | null> {
    const { start, end } = monthBounds(month);
    const issuedOn = parisDate(now);
    if (issuedOn <= end) fail(`Le mois ${month} n’est pas terminé : sa facture s’émet à partir du ${addDays(end, 1)}`);
    // One transaction: the number, the invoice, its items marked and its audit entry, or nothing.
    // Issuers take turns (lockNumbering) from before the month's invoice is looked for, so two
    // month-end runs at once (two collectors) give one invoice, the second finding it issued.
    const done = await this.db.kysely.transaction().execute(async (tx) => {
      await this.invoices.lockNumbering(tx);
      const contract = await this.contracts.contractOf(clientId, tx);
      if (!contract) throw new VigieError('NOT_FOUND', 'Ce client n’a pas de contrat');
      const existing = await this.invoices.monthInvoice(clientId, start, tx);
      if (existing && !(await this.invoices.cancelledWithRelease(existing.id, tx))) return { id: existing.id, issued: false };
      const { seller, bank, vatOnDebits } = await this.settings.sellerForInvoice(tx);
      const items = await this.items.uninvoiced(clientId, end, tx);
      const lines = invoiceLines(items);
      if (lines.length === 0) return null;
      const totalExcl = lines.reduce((s, l) => s + l.amountCents, 0);
      const vat = vatOf(totalExcl, contract.vat_rate_bp);
      const year = Number(issuedOn.slice(0, 4));
      const { seq, number } = await nextNumber(this.invoices, 'invoice', year, tx);
      const dueOn = addDays(issuedOn, contract.payment_days);
      const doc: InvoiceDocument = {
        kind: 'invoice',
        number,
        issuedOn,
        dueOn,
        periodStart: start,
        periodEnd: end,
        ...(existing ? { correctsNumber: existing.number, correctsIssuedOn: existing.issued_on } : {}),
        seller,
        buyer: { ...(JSON.parse(contract.buyer) as LegalIdentity), clientId },
        ...(bank ? { bank } : {}),
        lines,
        totalExclTaxCents: totalExcl,
        vatRateBp: contract.vat_rate_bp,
        vatCents: vat,
        totalInclTaxCents: totalExcl + vat,
        paymentTerms: `${PAYMENT_TERMS_BY_METHOD[contract.payment_method] ?? 'Paiement'} à ${contract.payment_days} jours nets, échéance le ${frenchDate(dueOn)}`,
        paymentMethod: contract.payment_method,
        latePenaltyText: LATE_TEXT,
        recoveryIndemnityText: INDEMNITY_TEXT,
        discountText: DISCOUNT_TEXT,
        nature: natureOfLines(lines),
        ...(vatOnDebits ? { vatOnDebits: true } : {}),
        ...(existing ? { note: `Facture rectificative : remplace la facture ${existing.number}, annulée par avoir.` } : {}),
      };
      const id = await this.invoices.insert(
        {
          client_id: clientId,
          kind: 'invoice',
          year,
          seq,
          number,
          period_start: start,
          period_end: end,
          issued_on: issuedOn,
          due_on: dueOn,
          corrects_invoice_id: existing?.id ?? null,
          total_excl_cents: totalExcl,
          vat_rate_bp: contract.vat_rate_bp,
          vat_cents: vat,
          total_incl_cents: totalExcl + vat,
          document: JSON.stringify(doc),
          created_by: user?.id ?? null,
          created_at: now,
        },
        tx,
      );
      await this.items.markInvoiced(id, items, tx);
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        user ? `user:${user.id}` : 'system:invoicing',
        'invoice.issue',
        `invoice:${id}`,
        { number, month, totalExclCents: totalExcl, totalInclCents: totalExcl + vat, ...(existing ? { corrects: existing.number } : {}) },
        { clientId, result: 'ok' },
        now,
      );
      return { id, issued: true };
    });
    if (done === null) return null;
    // The invoice is committed: a failure to keep its PDF no longer makes it "not issued".
    const documentsError = await this.pdf(done.id).then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
    return { row: (await this.row(done.id))!, issued: done.issued, ...(documentsError ? { documentsError } : {}) };
  }

  /** The month-end run: every client with a contract, for `month`. Errors are per client. */
  async generateAll(month: string, now = Date.now()): Promise<IssueResult[]> {
    const { end } = monthBounds(month);
    const clients = await this.contracts.clientsUnderContract(end);
    const out: IssueResult[] = [];
    for (const clientId of clients) {
      try {
        out.push(issueResult(clientId, await this.issue(clientId, month, now)));
      } catch (err) {
        out.push({ clientId, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return out;
  }

  async row(id: number): Promise<InvoiceRow | undefined> {
    return this.invoices.find(id);
  }

  /**
   * The issued PDF (French, as issued: the Factur-X file, its CII XML kept beside it, both written
   * once in one transaction); `en` is rendered on demand around the same XML.
   */
  async pdf(id: number, locale: 'fr' | 'en' = 'fr'): Promise<Buffer> {
    const inv = await this.row(id);
    if (!inv) throw new VigieError('NOT_FOUND');
    const doc = JSON.parse(inv.document) as InvoiceDocument;
    if (locale === 'en') return renderInvoicePdf(doc, 'en', await this.xml(id));
    const kept = await this.invoices.keptPdf(id);
    if (kept) return kept;
    // Rendered outside any transaction (slow); kept once, the PDF and its XML together.
    const xml = invoiceCii(doc);
    const pdf = await renderInvoicePdf(doc, 'fr', xml);
    const now = Date.now();
    const pdfHash = sha256(pdf);
    const inserted = await this.db.kysely.transaction().execute(async (tx) => {
      const kept = await this.invoices.keepDocuments(id, { data: pdf, sha256: pdfHash }, { data: xml, sha256: sha256(xml) }, now, tx);
      if (kept)
        await appendAuditInTransaction(
          tx,
          this.db.dialect,
          'system:invoicing',
          'invoice.documents.keep',
          `invoice:${id}`,
          { number: inv.number, pdfSha256: pdfHash },
          {
            clientId: inv.client_id,
            result: 'ok',
          },
        );
      return kept;
    });
    if (inserted) this.onIssued?.(id);
    return (await this.invoices.keptPdf(id))!;
  }

  /**
   * The CII XML: the one embedded in the kept Factur-X PDF; for an invoice whose PDF predates
   * Factur-X (no XML kept), the same derivation from its frozen document.
   */
  async xml(id: number): Promise<string> {
    const r = await this.invoices.documentAndXml(id);
    if (!r) throw new VigieError('NOT_FOUND');
    return r.xml ?? invoiceCii(JSON.parse(r.document) as InvoiceDocument);
  }
}

/** What a run says of one client (the month-end run's results, the single-client run's). */
export interface IssueResult {
  clientId: number;
  number?: string;
  issued?: boolean;
  error?: string;
}

function issueResult(clientId: number, inv: { row: InvoiceRow; issued: boolean; documentsError?: Error } | null): IssueResult {
  if (!inv) return { clientId };
  return {
    clientId,
    number: inv.row.number,
    issued: inv.issued,
    ...(inv.documentsError ? { error: `documents not kept: ${inv.documentsError.message}` } : {}),
  };
}
