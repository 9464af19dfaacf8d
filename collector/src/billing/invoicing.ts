import { createHash } from 'node:crypto';
import { addDays, assertLocalDate, contractRefusal, type LocalDate, monthBounds, monthOf, parisDate, refusal, shiftMonth, VigieError } from '@vigie/shared';
import type { SessionUser } from '../auth/repository.js';
import type { Database } from '../store/database.js';
import { type BillingUnit, KIND_LABEL, MODE_LABEL, UNIT_LABEL } from './billing-units.js';
import { invoiceCii } from './facturx/cii-xml.js';
import { natureOfLines } from './facturx/mentions.js';
import type { BankDetails, InvoiceDocument, InvoiceLine, LegalIdentity } from './invoice-document.js';
import { renderInvoicePdf } from './invoice-pdf.js';
import { type DisputePeriod, type EcbRate, latePenalty, RECOVERY_INDEMNITY_CENTS } from './late-penalties.js';
import type { InterventionRow } from './service.js';

/** How the invoice says the contract's payment method (contract 5.1) in its payment terms: the client reads how to pay. */
const PAYMENT_TERMS_BY_METHOD: Record<string, string> = {
  direct_debit: 'Prélèvement',
  transfer: 'Virement',
  cheque: 'Chèque',
  card: 'Carte bancaire',
  other: 'Paiement',
};

/** A refusal under the contract's rules, said in French as the contract says it. */
function fail(message: string): never {
  throw contractRefusal(message);
}

export interface InvoiceRow {
  id: number;
  client_id: number;
  kind: 'invoice' | 'credit_note';
  year: number;
  seq: number;
  number: string;
  period_start: LocalDate;
  period_end: LocalDate;
  issued_on: LocalDate;
  due_on: LocalDate;
  corrects_invoice_id: number | null;
  releases_items: number;
  total_excl_cents: number;
  vat_rate_bp: number;
  vat_cents: number;
  total_incl_cents: number;
  document: string;
  created_at: number;
}

interface DisputeRow {
  id: number;
  invoice_id: number;
  client_id: number;
  opened_on: LocalDate;
  reason: string;
  notified_via: string;
  settled_on: LocalDate | null;
  settlement: string | null;
  created_at: number;
}

/** A credit note asked for: without an amount it cancels the whole invoice (releasing its items if asked). */
export interface CreditInput {
  reason: string;
  amountExclCents?: number;
  release?: boolean;
}

function checkCreditInput(input: CreditInput): void {
  if (!input.reason.trim()) fail('Motif de l’avoir requis');
  if (input.amountExclCents !== undefined && (!Number.isSafeInteger(input.amountExclCents) || input.amountExclCents <= 0))
    fail('Montant de l’avoir invalide (centimes HT > 0)');
  if (input.release && input.amountExclCents !== undefined) fail('Un avoir partiel ne libère pas les éléments facturés');
}

export type PaymentMethod = 'direct_debit' | 'transfer' | 'cheque' | 'card' | 'other';

const frDate = (d: LocalDate) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;

/** VAT on a total excluding tax: rate in basis points, rounded to the nearest cent, half away from zero. */
export function vatOf(totalExclCents: number, rateBp: number): number {
  const sign = totalExclCents < 0 ? -1n : 1n;
  const abs = BigInt(Math.abs(totalExclCents)) * BigInt(rateBp);
  return Number(sign * ((abs * 2n + 10_000n) / 20_000n));
}

// Two mentions, two notes of the e-invoice (PMD and PMT, BR-FR-05).
const LATE_TEXT =
  'En cas de retard de paiement, pénalités exigibles dès le lendemain de l’échéance au taux de refinancement le plus récent de la Banque centrale européenne majoré de 10 points de pourcentage, au prorata des jours de retard (art. L441-10 du Code de commerce ; contrat art. 5.1).';
const INDEMNITY_TEXT = 'Indemnité forfaitaire pour frais de recouvrement due en cas de retard de paiement : 40 € (art. L441-10 et D441-5 du Code de commerce).';
const DISCOUNT_TEXT = 'Pas d’escompte pour paiement anticipé.';

/**
 * Monthly invoices (contract 5.1): one per client and month with every billable item not invoiced
 * yet, gap-free numbers per year, immutable once issued (the database refuses any change), PDF kept
 * as issued; credit notes; payments; disputes that suspend the due date; late penalties; finance.
 */
export class InvoiceService {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  private read<T>(fn: () => T): Promise<T> {
    return this.db.writeLock(fn);
  }

  private nextNumber(kind: 'invoice' | 'credit_note', year: number): { seq: number; number: string } {
    const r = this.sql.prepare('SELECT MAX(seq) AS seq FROM invoices WHERE kind = ? AND year = ?').get(kind, year) as { seq: number | null };
    const seq = (r.seq ?? 0) + 1;
    return { seq, number: `${kind === 'invoice' ? 'F' : 'AV'}${year}-${String(seq).padStart(4, '0')}` };
  }

  private seller(): { seller: LegalIdentity; bank: BankDetails | undefined; vatOnDebits: boolean } {
    const r = this.sql.prepare('SELECT seller, bank, vat_on_debits FROM billing_settings WHERE id = 1').get() as
      | { seller: string; bank: string | null; vat_on_debits: number }
      | undefined;
    if (!r) fail('Identité du prestataire non renseignée (PUT /api/v1/billing/settings) : une facture ne peut pas être émise sans elle');
    return {
      seller: JSON.parse(r.seller) as LegalIdentity,
      bank: r.bank ? (JSON.parse(r.bank) as BankDetails) : undefined,
      vatOnDebits: r.vat_on_debits === 1,
    };
  }

  /** Called once an issued invoice's Factur-X file is kept (the mailer sends it). */
  onIssued: ((invoiceId: number) => void) | undefined;

  /**
   * Issues the invoice of `month` for a client, on the Paris date of `now` (after the month ended):
   * every intervention, expense, supply order fee, delivered supply and DEEE pickup dated up to the
   * month's end and not invoiced yet. Returns null when there is nothing to bill (no number used).
   * Idempotent: the month's invoice, once issued, is returned as is.
   */
  async generate(clientId: number, month: string, now = Date.now(), user?: SessionUser): Promise<InvoiceRow | null> {
    const { start, end } = monthBounds(month);
    const issuedOn = parisDate(now);
    if (issuedOn <= end) fail(`Le mois ${month} n’est pas terminé : sa facture s’émet à partir du ${addDays(end, 1)}`);
    return this.db
      .writeTransaction(() => {
        const contract = this.sql.prepare('SELECT * FROM billing_contracts WHERE client_id = ?').get(clientId) as
          | { vat_rate_bp: number; payment_days: number; payment_method: string; buyer: string; start_date: LocalDate }
          | undefined;
        if (!contract) throw new VigieError('NOT_FOUND', 'Ce client n’a pas de contrat');
        const existing = this.sql
          .prepare("SELECT * FROM invoices WHERE client_id = ? AND kind = 'invoice' AND period_start = ? ORDER BY id DESC LIMIT 1")
          .get(clientId, start) as InvoiceRow | undefined;
        const cancelled = existing
          ? this.sql.prepare("SELECT 1 FROM invoices WHERE corrects_invoice_id = ? AND kind = 'credit_note' AND releases_items = 1").get(existing.id)
          : undefined;
        if (existing && !cancelled) return existing.id;
        const { seller, bank, vatOnDebits } = this.seller();
        const lines: InvoiceLine[] = [];

        const interventions = this.sql
          .prepare(
            `SELECT i.*, t.title AS ticket_title, u.name AS technician FROM interventions i JOIN tickets t ON t.id = i.ticket_id LEFT JOIN users u ON u.id = i.technician_id
             WHERE i.client_id = ? AND i.date <= ? AND i.invoice_id IS NULL ORDER BY i.date, i.id`,
          )
          .all(clientId, end) as (InterventionRow & { ticket_title: string; technician: string | null })[];
        for (const i of interventions) {
          const hm =
            i.minutes < 60 ? `${i.minutes} min` : `${Math.floor(i.minutes / 60)} h${i.minutes % 60 ? ` ${String(i.minutes % 60).padStart(2, '0')}` : ''}`;
          lines.push({
            type: 'intervention',
            date: i.date,
            ticketRef: `#${i.ticket_id}`,
            label: `Intervention ${KIND_LABEL[i.kind]}${i.programmed_mode === 'recurring' ? ' récurrente' : i.programmed_mode === 'planned' ? ' planifiée' : ''} ${MODE_LABEL[i.mode]} — ${i.ticket_title}`,
            detail: `${hm} constatées${i.technician ? `, ${i.technician}` : ''}. ${i.rule}`,
            minutes: i.minutes,
            quantity: i.unit_count,
            unit: UNIT_LABEL[i.unit as BillingUnit],
            unitPriceCents: i.unit_price_cents,
            amountCents: i.amount_cents,
          });
          for (const [cents, what] of [
            [i.travel_cents, 'Frais de déplacement'],
            [i.meal_cents, 'Frais de restauration'],
            [i.lodging_cents, 'Frais d’hébergement'],
          ] as const) {
            if (cents > 0)
              lines.push({
                type: 'expense',
                date: i.date,
                ticketRef: `#${i.ticket_id}`,
                label: `${what} — intervention sur site du ${frDate(i.date)}`,
                detail: 'Frais facturés en sus (art. 2.6, lieux d’exécution)',
                quantity: 1,
                unit: 'forfait',
                unitPriceCents: cents,
                amountCents: cents,
              });
          }
        }

        const feeOrders = this.sql
          .prepare('SELECT * FROM supply_orders WHERE client_id = ? AND ordered_on <= ? AND fee_invoice_id IS NULL ORDER BY ordered_on, id')
          .all(clientId, end) as {
          id: number;
          ticket_id: number | null;
          supplier: string;
          reference: string;
          ordered_on: LocalDate;
          fee_unit: BillingUnit;
          fee_count: number;
          fee_unit_price_cents: number;
          fee_amount_cents: number;
          fee_rule: string;
        }[];
        for (const o of feeOrders)
          lines.push({
            type: 'supply_order',
            date: o.ordered_on,
            ...(o.ticket_id ? { ticketRef: `#${o.ticket_id}` } : {}),
            label: `Gestion de la commande n° ${o.id}${o.reference ? ` (${o.reference})` : ''} — ${o.supplier}`,
            detail: o.fee_rule,
            quantity: o.fee_count,
            unit: UNIT_LABEL[o.fee_unit],
            unitPriceCents: o.fee_unit_price_cents,
            amountCents: o.fee_amount_cents,
          });
        const goodsOrders = this.sql
          .prepare(
            "SELECT * FROM supply_orders WHERE client_id = ? AND status = 'delivered' AND delivered_on <= ? AND goods_invoice_id IS NULL ORDER BY delivered_on, id",
          )
          .all(clientId, end) as { id: number; ticket_id: number | null; supplier: string; delivered_on: LocalDate }[];
        const orderLines = this.sql.prepare('SELECT * FROM supply_order_lines WHERE order_id = ? ORDER BY id');
        const serialsOf = this.sql.prepare('SELECT serial FROM supplied_items WHERE line_id = ? AND serial IS NOT NULL ORDER BY id');
        for (const o of goodsOrders)
          for (const l of orderLines.all(o.id) as { id: number; description: string; unit_price_cents: number; quantity: number; warranty_months: number }[]) {
            const serials = (serialsOf.all(l.id) as { serial: string }[]).map((s) => s.serial);
            lines.push({
              type: 'supply_item',
              date: o.delivered_on,
              ...(o.ticket_id ? { ticketRef: `#${o.ticket_id}` } : {}),
              label: `${l.description} — commande n° ${o.id}, ${o.supplier}`,
              detail: `Livré le ${frDate(o.delivered_on)}, garantie ${l.warranty_months} mois${serials.length ? `, n° de série : ${serials.join(', ')}` : ''}`,
              quantity: l.quantity,
              unit: 'u.',
              unitPriceCents: l.unit_price_cents,
              amountCents: l.unit_price_cents * l.quantity,
            });
          }

        const pickups = this.sql
          .prepare('SELECT * FROM recycling_pickups WHERE client_id = ? AND picked_up_on <= ? AND invoice_id IS NULL ORDER BY picked_up_on, id')
          .all(clientId, end) as {
          id: number;
          ticket_id: number | null;
          picked_up_on: LocalDate;
          description: string;
          weight_grams: number;
          transport_cents: number;
          handling_cents: number;
          recycling_rate_cents_per_kg: number;
          recycling_cents: number;
          bsd_reference: string | null;
        }[];
        for (const p of pickups) {
          const ref = p.ticket_id ? { ticketRef: `#${p.ticket_id}` } : {};
          const kg = p.weight_grams / 1000;
          const what = `Enlèvement DEEE n° ${p.id} du ${frDate(p.picked_up_on)} — ${p.description}`;
          if (p.transport_cents > 0)
            lines.push({
              type: 'recycling',
              date: p.picked_up_on,
              ...ref,
              label: `${what} : transport`,
              quantity: 1,
              unit: 'forfait',
              unitPriceCents: p.transport_cents,
              amountCents: p.transport_cents,
            });
          if (p.handling_cents > 0)
            lines.push({
              type: 'recycling',
              date: p.picked_up_on,
              ...ref,
              label: `${what} : acheminement et conditionnement`,
              quantity: 1,
              unit: 'forfait',
              unitPriceCents: p.handling_cents,
              amountCents: p.handling_cents,
            });
          lines.push({
            type: 'recycling',
            date: p.picked_up_on,
            ...ref,
            label: `${what} : recyclage`,
            detail: `Au poids (art. 2.5)${p.bsd_reference ? `, BSD ${p.bsd_reference}` : ', BSD remis sur demande'}`,
            quantity: kg,
            unit: 'kg',
            unitPriceCents: p.recycling_rate_cents_per_kg,
            amountCents: p.recycling_cents,
          });
        }

        if (lines.length === 0) return null;
        const totalExcl = lines.reduce((s, l) => s + l.amountCents, 0);
        const vat = vatOf(totalExcl, contract.vat_rate_bp);
        const year = Number(issuedOn.slice(0, 4));
        const { seq, number } = this.nextNumber('invoice', year);
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
          paymentTerms: `${PAYMENT_TERMS_BY_METHOD[contract.payment_method] ?? 'Paiement'} à ${contract.payment_days} jours nets, échéance le ${frDate(dueOn)}`,
          paymentMethod: contract.payment_method,
          latePenaltyText: LATE_TEXT,
          recoveryIndemnityText: INDEMNITY_TEXT,
          discountText: DISCOUNT_TEXT,
          nature: natureOfLines(lines),
          ...(vatOnDebits ? { vatOnDebits: true } : {}),
          ...(existing ? { note: `Facture rectificative : remplace la facture ${existing.number}, annulée par avoir.` } : {}),
        };
        const ins = this.sql
          .prepare(
            `INSERT INTO invoices (client_id, kind, year, seq, number, period_start, period_end, issued_on, due_on, corrects_invoice_id, total_excl_cents, vat_rate_bp, vat_cents, total_incl_cents, document, created_by, created_at)
             VALUES (?, 'invoice', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            clientId,
            year,
            seq,
            number,
            start,
            end,
            issuedOn,
            dueOn,
            existing?.id ?? null,
            totalExcl,
            contract.vat_rate_bp,
            vat,
            totalExcl + vat,
            JSON.stringify(doc),
            user?.id ?? null,
            now,
          );
        const id = Number(ins.lastInsertRowid);
        const mark = (table: string, column: string, ids: number[]) => {
          const st = this.sql.prepare(`UPDATE ${table} SET ${column} = ? WHERE id = ?`);
          for (const x of ids) st.run(id, x);
        };
        mark(
          'interventions',
          'invoice_id',
          interventions.map((i) => i.id),
        );
        mark(
          'supply_orders',
          'fee_invoice_id',
          feeOrders.map((o) => o.id),
        );
        mark(
          'supply_orders',
          'goods_invoice_id',
          goodsOrders.map((o) => o.id),
        );
        mark(
          'recycling_pickups',
          'invoice_id',
          pickups.map((p) => p.id),
        );
        return id;
      })
      .then(async (id) => {
        if (id === null) return null;
        await this.pdf(id);
        return (await this.row(id))!;
      });
  }

  /** The month-end run: every client with a contract, for `month`. Errors are per client. */
  async generateAll(month: string, now = Date.now()): Promise<{ clientId: number; number?: string; error?: string }[]> {
    const { end } = monthBounds(month);
    const clients = await this.read(
      () =>
        this.sql.prepare('SELECT client_id FROM billing_contracts WHERE start_date <= ? ORDER BY client_id').all(end) as {
          client_id: number;
        }[],
    );
    const out: { clientId: number; number?: string; error?: string }[] = [];
    for (const { client_id } of clients) {
      try {
        const inv = await this.generate(client_id, month, now);
        out.push(inv ? { clientId: client_id, number: inv.number } : { clientId: client_id });
      } catch (err) {
        out.push({ clientId: client_id, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return out;
  }

  async row(id: number): Promise<InvoiceRow | undefined> {
    return this.read(() => this.sql.prepare('SELECT * FROM invoices WHERE id = ?').get(id) as InvoiceRow | undefined);
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
    const kept = await this.read(() => this.sql.prepare('SELECT pdf FROM invoice_pdfs WHERE invoice_id = ?').get(id) as { pdf: Buffer } | undefined);
    if (kept) return kept.pdf;
    const xml = invoiceCii(doc);
    const pdf = await renderInvoicePdf(doc, 'fr', xml);
    const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
    const now = Date.now();
    const inserted = await this.db.writeTransaction(() => {
      const r = this.sql.prepare('INSERT OR IGNORE INTO invoice_pdfs (invoice_id, pdf, sha256, created_at) VALUES (?, ?, ?, ?)').run(id, pdf, sha(pdf), now);
      if (r.changes === 1) this.sql.prepare('INSERT INTO invoice_xml (invoice_id, xml, sha256, created_at) VALUES (?, ?, ?, ?)').run(id, xml, sha(xml), now);
      return r.changes === 1;
    });
    if (inserted) this.onIssued?.(id);
    return (await this.read(() => this.sql.prepare('SELECT pdf FROM invoice_pdfs WHERE invoice_id = ?').get(id) as { pdf: Buffer })).pdf;
  }

  /**
   * The CII XML: the one embedded in the kept Factur-X PDF; for an invoice whose PDF predates
   * Factur-X (no XML kept), the same derivation from its frozen document.
   */
  async xml(id: number): Promise<string> {
    const r = await this.read(
      () =>
        this.sql.prepare('SELECT i.document, x.xml FROM invoices i LEFT JOIN invoice_xml x ON x.invoice_id = i.id WHERE i.id = ?').get(id) as
          | { document: string; xml: string | null }
          | undefined,
    );
    if (!r) throw new VigieError('NOT_FOUND');
    return r.xml ?? invoiceCii(JSON.parse(r.document) as InvoiceDocument);
  }

  // ---- credit notes, payments, disputes ----------------------------------------------------------

  /**
   * A credit note on an issued invoice (the only way to correct one). Without an amount it cancels
   * the whole invoice; with `release`, its items become billable again, to be re-invoiced corrected
   * on a rectifying invoice. With an amount (excluding tax), a partial credit (e.g. a dispute's
   * settlement), never more than what is left to credit.
   */
  async creditNote(invoiceId: number, input: CreditInput, user: SessionUser, now = Date.now()): Promise<InvoiceRow> {
    checkCreditInput(input);
    const id = await this.db.writeTransaction(() => this.issueCreditNote(invoiceId, input, user, now));
    await this.pdf(id);
    return (await this.row(id))!;
  }

  /** Writes a credit note (checked by `checkCreditInput`): synchronous, inside the caller's write transaction. */
  private issueCreditNote(invoiceId: number, input: CreditInput, user: SessionUser, now: number): number {
    const inv = this.sql.prepare('SELECT * FROM invoices WHERE id = ?').get(invoiceId) as InvoiceRow | undefined;
    if (!inv) throw new VigieError('NOT_FOUND');
    if (inv.kind !== 'invoice') fail('Un avoir ne se corrige pas par un avoir');
    const credited = -(
      this.sql
        .prepare("SELECT COALESCE(SUM(total_excl_cents), 0) AS s FROM invoices WHERE corrects_invoice_id = ? AND kind = 'credit_note'")
        .get(invoiceId) as { s: number }
    ).s;
    const left = inv.total_excl_cents - credited;
    const amount = input.amountExclCents ?? inv.total_excl_cents;
    if (input.amountExclCents === undefined && credited > 0) fail(`Facture déjà partiellement créditée (${credited} c HT) : avoir partiel seulement`);
    if (amount > left) fail(`Avoir supérieur au montant restant à créditer (${left} c HT)`);
    const paid = (this.sql.prepare('SELECT COALESCE(SUM(amount_cents), 0) AS s FROM payments WHERE invoice_id = ?').get(invoiceId) as { s: number }).s;
    const doc = JSON.parse(inv.document) as InvoiceDocument;
    const issuedOn = parisDate(now);
    if (issuedOn < inv.issued_on) fail('Un avoir ne peut précéder sa facture');
    const year = Number(issuedOn.slice(0, 4));
    const { seq, number } = this.nextNumber('credit_note', year);
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
    const { seller, bank } = this.seller();
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
    const ins = this.sql
      .prepare(
        `INSERT INTO invoices (client_id, kind, year, seq, number, period_start, period_end, issued_on, due_on, corrects_invoice_id, releases_items, total_excl_cents, vat_rate_bp, vat_cents, total_incl_cents, document, created_by, created_at)
         VALUES (?, 'credit_note', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        inv.client_id,
        year,
        seq,
        number,
        inv.period_start,
        inv.period_end,
        issuedOn,
        issuedOn,
        invoiceId,
        input.release ? 1 : 0,
        totalExcl,
        inv.vat_rate_bp,
        vat,
        totalExcl + vat,
        JSON.stringify(credit),
        user.id,
        now,
      );
    if (input.release) {
      this.sql.prepare('UPDATE interventions SET invoice_id = NULL WHERE invoice_id = ?').run(invoiceId);
      this.sql.prepare('UPDATE recycling_pickups SET invoice_id = NULL WHERE invoice_id = ?').run(invoiceId);
      this.sql.prepare('UPDATE supply_orders SET fee_invoice_id = NULL WHERE fee_invoice_id = ?').run(invoiceId);
      this.sql.prepare('UPDATE supply_orders SET goods_invoice_id = NULL WHERE goods_invoice_id = ?').run(invoiceId);
    }
    return Number(ins.lastInsertRowid);
  }

  async addPayment(
    invoiceId: number,
    input: { paidOn: LocalDate; amountCents: number; method: PaymentMethod; reference?: string },
    user: SessionUser,
    now = Date.now(),
  ) {
    assertLocalDate(input.paidOn);
    if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0) fail('Montant du règlement invalide (centimes > 0)');
    return this.db.writeTransaction(() => {
      const inv = this.sql.prepare('SELECT * FROM invoices WHERE id = ?').get(invoiceId) as InvoiceRow | undefined;
      if (!inv) throw new VigieError('NOT_FOUND');
      if (inv.kind !== 'invoice') fail('Un règlement s’impute sur une facture, pas sur un avoir');
      if (input.paidOn < inv.issued_on) fail('Règlement antérieur à l’émission de la facture');
      if (input.paidOn > parisDate(now)) fail('Règlement daté dans le futur');
      const balance = this.balanceAt(inv, '9999-12-31');
      if (input.amountCents > balance)
        throw refusal(
          'VALIDATION',
          'payment_above_balance',
          `The payment exceeds the balance due (${balance} cents)`,
          { balanceCents: balance },
          '/amountCents',
        );
      const r = this.sql
        .prepare(
          'INSERT INTO payments (invoice_id, client_id, paid_on, amount_cents, method, reference, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(invoiceId, inv.client_id, input.paidOn, input.amountCents, input.method, input.reference ?? '', user.id, now);
      return Number(r.lastInsertRowid);
    });
  }

  /**
   * Contract 5.1: a motivated dispute, notified before the payment term expires, suspends it until
   * settled. A client user opens one on its own invoices (dated today); staff record one received
   * by registered letter or e-mail with its reception date.
   */
  async openDispute(
    invoiceId: number,
    input: { reason: string; openedOn?: LocalDate; notifiedVia?: 'portal' | 'email' | 'letter' },
    user: SessionUser,
    now = Date.now(),
  ) {
    const reason = input.reason.trim();
    if (reason.length < 20) fail('Une contestation doit être motivée (20 caractères au moins, art. 5.1)');
    if (reason.length > 5000) fail('Motif trop long (5 000 caractères au plus)');
    const today = parisDate(now);
    const openedOn = user.role === 'client' ? today : (input.openedOn ?? today);
    assertLocalDate(openedOn);
    if (openedOn > today) fail('Contestation datée dans le futur');
    return this.db.writeTransaction(() => {
      const inv = this.sql.prepare('SELECT * FROM invoices WHERE id = ?').get(invoiceId) as InvoiceRow | undefined;
      if (!inv || (user.role === 'client' && inv.client_id !== user.clientId)) throw new VigieError('NOT_FOUND');
      if (inv.kind !== 'invoice') fail('Seule une facture se conteste');
      if (openedOn < inv.issued_on) fail('Contestation antérieure à la facture');
      const disputes = this.disputesOf(invoiceId);
      if (disputes.some((d) => d.settled_on === null)) throw new VigieError('CONFLICT', 'Un litige est déjà ouvert sur cette facture');
      if (this.balanceAt(inv, openedOn) <= 0) fail('Facture soldée : rien à contester');
      const due = effectiveDue(inv, disputes, openedOn);
      if (due !== null && openedOn > due) fail(`Contestation hors délai : elle devait être notifiée avant l’échéance du ${due} (art. 5.1)`);
      const r = this.sql
        .prepare('INSERT INTO disputes (invoice_id, client_id, opened_on, reason, notified_via, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(invoiceId, inv.client_id, openedOn, reason, user.role === 'client' ? 'portal' : (input.notifiedVia ?? 'letter'), user.id, now);
      return Number(r.lastInsertRowid);
    });
  }

  /**
   * Settles a dispute (staff): the term resumes; an agreed reduction is a partial credit note. The
   * dispute is read, the credit note issued and the dispute closed in one transaction: two
   * settlements at once (two workers, a double click) make one credit note, the other is refused.
   */
  async settleDispute(disputeId: number, input: { settledOn?: LocalDate; settlement: string; creditExclCents?: number }, user: SessionUser, now = Date.now()) {
    const settledOn = input.settledOn ?? parisDate(now);
    assertLocalDate(settledOn);
    const settlement = input.settlement.trim();
    if (!settlement) fail('Décrivez l’issue du litige');
    const credit = input.creditExclCents === undefined ? undefined : { reason: `règlement du litige : ${settlement}`, amountExclCents: input.creditExclCents };
    if (credit) checkCreditInput(credit);
    const { invoiceId, creditNoteId } = await this.db.writeTransaction(() => {
      const d = this.sql.prepare('SELECT * FROM disputes WHERE id = ?').get(disputeId) as DisputeRow | undefined;
      if (!d) throw new VigieError('NOT_FOUND');
      if (d.settled_on !== null) throw new VigieError('CONFLICT', 'Litige déjà clos');
      if (settledOn < d.opened_on) fail('Clôture antérieure à l’ouverture du litige');
      const creditNoteId = credit ? this.issueCreditNote(d.invoice_id, credit, user, now) : undefined;
      this.sql.prepare('UPDATE disputes SET settled_on = ?, settlement = ? WHERE id = ?').run(settledOn, settlement, disputeId);
      return { invoiceId: d.invoice_id, creditNoteId };
    });
    // The credit note's PDF, kept as issued (rendered outside the transaction; `pdf` renders it on demand otherwise).
    if (creditNoteId !== undefined) await this.pdf(creditNoteId);
    return invoiceId;
  }

  async disputeInvoice(disputeId: number): Promise<{ invoiceId: number; clientId: number } | undefined> {
    return this.read(() => {
      const r = this.sql.prepare('SELECT invoice_id, client_id FROM disputes WHERE id = ?').get(disputeId) as
        | { invoice_id: number; client_id: number }
        | undefined;
      return r ? { invoiceId: r.invoice_id, clientId: r.client_id } : undefined;
    });
  }

  private disputesOf(invoiceId: number): DisputeRow[] {
    return this.sql.prepare('SELECT * FROM disputes WHERE invoice_id = ? ORDER BY opened_on, id').all(invoiceId) as DisputeRow[];
  }

  /** What remains due on an invoice on `date`: total, less credit notes issued and payments made by then. */
  private balanceAt(inv: InvoiceRow, date: LocalDate): number {
    if (inv.kind !== 'invoice' || inv.issued_on > date) return 0;
    const credits = (
      this.sql
        .prepare("SELECT COALESCE(SUM(total_incl_cents), 0) AS s FROM invoices WHERE corrects_invoice_id = ? AND kind = 'credit_note' AND issued_on <= ?")
        .get(inv.id, date) as {
        s: number;
      }
    ).s;
    const paid = (
      this.sql.prepare('SELECT COALESCE(SUM(amount_cents), 0) AS s FROM payments WHERE invoice_id = ? AND paid_on <= ?').get(inv.id, date) as { s: number }
    ).s;
    return inv.total_incl_cents + credits - paid;
  }

  private ecb(): EcbRate[] {
    return (this.sql.prepare('SELECT from_date, rate_bp FROM ecb_rates').all() as { from_date: string; rate_bp: number }[]).map((r) => ({
      from: r.from_date,
      rateBp: r.rate_bp,
    }));
  }

  /** An invoice as the API shows it on `asOf`: balance, status, payments, disputes, late penalties. */
  private view(inv: InvoiceRow, asOf: LocalDate, ecb: EcbRate[]) {
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
    const payments = this.sql
      .prepare('SELECT id, paid_on AS paidOn, amount_cents AS amountCents, method, reference FROM payments WHERE invoice_id = ? ORDER BY paid_on, id')
      .all(inv.id) as {
      paidOn: LocalDate;
      amountCents: number;
    }[];
    const credits = this.sql
      .prepare(
        "SELECT id, number, issued_on AS issuedOn, total_incl_cents AS totalInclCents, releases_items AS cancels FROM invoices WHERE corrects_invoice_id = ? AND kind = 'credit_note' ORDER BY id",
      )
      .all(inv.id) as { totalInclCents: number; cancels: number }[];
    const disputes = this.disputesOf(inv.id);
    const balance = this.balanceAt(inv, asOf);
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
    let penalty: { daysLate: number; annualRateBp: number | null; interestCents: number; indemnityCents: number; totalCents: number } | null = null;
    let penaltyNote: string | undefined;
    if (!cancelled) {
      try {
        penalty = this.penalty(inv, payments, disputes, asOf, ecb);
      } catch (err) {
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
  private penalty(inv: InvoiceRow, payments: { paidOn: LocalDate; amountCents: number }[], disputes: DisputeRow[], asOf: LocalDate, ecb: EcbRate[]) {
    const periods: DisputePeriod[] = disputes.map((d) => ({ openedOn: d.opened_on, settledOn: d.settled_on }));
    const chunks: { amountCents: number; until: LocalDate }[] = payments
      .filter((p) => p.paidOn <= asOf)
      .map((p) => ({ amountCents: p.amountCents, until: p.paidOn }));
    const balance = this.balanceAt(inv, asOf);
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

  async get(id: number, asOf: LocalDate) {
    return this.read(() => {
      const inv = this.sql.prepare('SELECT * FROM invoices WHERE id = ?').get(id) as InvoiceRow | undefined;
      if (!inv) return undefined;
      return { ...this.view(inv, asOf, this.ecb()), document: JSON.parse(inv.document) as InvoiceDocument };
    });
  }

  /** Invoices and credit notes, newest first; a client's portal shows the current and previous year. */
  async list(f: { clientId?: number; year?: number; fromYear?: number }, asOf: LocalDate) {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.clientId !== undefined) where.push('client_id = ?') && args.push(f.clientId);
    if (f.year !== undefined) where.push('year = ?') && args.push(f.year);
    if (f.fromYear !== undefined) where.push('year >= ?') && args.push(f.fromYear);
    return this.read(() => {
      const ecb = this.ecb();
      return (
        this.sql
          .prepare(`SELECT * FROM invoices ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY issued_on DESC, id DESC`)
          .all(...args) as InvoiceRow[]
      ).map((inv) => this.view(inv, asOf, ecb));
    });
  }

  /**
   * Contract 3: the financial follow-up of the last 3 months for the portal — per month, what was
   * invoiced (tax included, credit notes deducted) and paid, and at the month's end (or today) what
   * was outstanding, overdue and disputed — and the same monthly series over `months` for statistics.
   */
  async finance(clientId: number, asOf: LocalDate, months = 3) {
    assertLocalDate(asOf);
    return this.read(() => {
      const invoices = this.sql.prepare('SELECT * FROM invoices WHERE client_id = ? ORDER BY issued_on, id').all(clientId) as InvoiceRow[];
      const payments = this.sql.prepare('SELECT paid_on, amount_cents FROM payments WHERE client_id = ?').all(clientId) as {
        paid_on: LocalDate;
        amount_cents: number;
      }[];
      const disputes = this.sql.prepare('SELECT * FROM disputes WHERE client_id = ?').all(clientId) as DisputeRow[];
      const out = [];
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
          const b = this.balanceAt(i, at);
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

/** The due date pushed back by the disputes (null while one is open on `asOf`). */
function effectiveDue(inv: InvoiceRow, disputes: DisputeRow[], asOf: LocalDate): LocalDate | null {
  const p = latePenalty({
    amountCents: 0,
    dueDate: inv.due_on,
    asOf,
    ecbRates: [],
    disputes: disputes.map((d) => ({ openedOn: d.opened_on, settledOn: d.settled_on })),
  });
  return p.effectiveDueDate;
}
