/**
 * Payment data for e-reporting (French reform, CGI art. 290 A): for services whose VAT is due on
 * receipt — the provider did not opt for the debits — the date and amount of each payment received
 * are transmitted, per VAT rate, through the provider's approved platform. This is the month's
 * extract of the payments recorded (immutable since migration 009), with the services' share of
 * each payment when an invoice also sold goods (whose VAT is due on delivery, not on payment).
 */

import { monthBounds } from '@vigie/shared';
import type { RelationalStore } from '../../store/relational-store.js';
import type { InvoiceDocument } from '../invoice-document.js';
import { natureOf, sirenOf } from './mentions.js';

export interface ReportedPayment {
  paymentId: number;
  paidOn: string;
  method: string;
  reference: string;
  invoiceId: number;
  invoiceNumber: string;
  invoiceIssuedOn: string;
  clientId: number;
  buyerName: string;
  buyerSiren: string | null;
  /** What was received, VAT included. */
  amountCents: number;
  vatRateBp: number;
  /** The services' part of the payment: what is e-reported, split into base and VAT at the invoice's rate. */
  servicesInclCents: number;
  servicesExclCents: number;
  servicesVatCents: number;
}

/** a × b / c rounded to the nearest integer, half up, in exact integer arithmetic (all ≥ 0). */
function mulDiv(a: number, b: number, c: number): number {
  if (c === 0) return 0;
  return Number((BigInt(a) * BigInt(b) * 2n + BigInt(c)) / (2n * BigInt(c)));
}

export async function paymentsForEReporting(db: RelationalStore, month: string) {
  const { start, end } = monthBounds(month);
  const rows = await db.kysely
    .selectFrom('payments as p')
    .innerJoin('invoices as i', 'i.id', 'p.invoice_id')
    .select([
      'p.id',
      'p.paid_on',
      'p.amount_cents',
      'p.method',
      'p.reference',
      'i.id as invoice_id',
      'i.number',
      'i.issued_on',
      'i.client_id',
      'i.vat_rate_bp',
      'i.document',
    ])
    .where('p.paid_on', '>=', start)
    .where('p.paid_on', '<=', end)
    .orderBy('p.paid_on')
    .orderBy('p.id')
    .execute();
  const payments: ReportedPayment[] = [];
  let excludedDebits = 0;
  let excludedGoods = 0;
  for (const r of rows) {
    const doc = JSON.parse(r.document) as InvoiceDocument;
    // The option is the one printed on the invoice (in force when it was issued).
    if (doc.vatOnDebits === true) {
      excludedDebits++;
      continue;
    }
    if (natureOf(doc) === 'goods') {
      excludedGoods++;
      continue;
    }
    const totalExcl = doc.lines.reduce((s, l) => s + l.amountCents, 0);
    const servicesExcl = doc.lines.filter((l) => l.type !== 'supply_item').reduce((s, l) => s + l.amountCents, 0);
    const servicesIncl = totalExcl > 0 ? mulDiv(r.amount_cents, servicesExcl, totalExcl) : r.amount_cents;
    const servicesVat = mulDiv(servicesIncl, r.vat_rate_bp, 10_000 + r.vat_rate_bp);
    payments.push({
      paymentId: r.id,
      paidOn: r.paid_on,
      method: r.method,
      reference: r.reference,
      invoiceId: r.invoice_id,
      invoiceNumber: r.number,
      invoiceIssuedOn: r.issued_on,
      clientId: r.client_id,
      buyerName: doc.buyer.name,
      buyerSiren: sirenOf(doc.buyer) ?? null,
      amountCents: r.amount_cents,
      vatRateBp: r.vat_rate_bp,
      servicesInclCents: servicesIncl,
      servicesExclCents: servicesIncl - servicesVat,
      servicesVatCents: servicesVat,
    });
  }
  const byRate = new Map<number, { vatRateBp: number; exclCents: number; vatCents: number; inclCents: number; payments: number }>();
  for (const p of payments) {
    const t = byRate.get(p.vatRateBp) ?? { vatRateBp: p.vatRateBp, exclCents: 0, vatCents: 0, inclCents: 0, payments: 0 };
    t.exclCents += p.servicesExclCents;
    t.vatCents += p.servicesVatCents;
    t.inclCents += p.servicesInclCents;
    t.payments++;
    byRate.set(p.vatRateBp, t);
  }
  return {
    month,
    from: start,
    to: end,
    payments,
    totals: [...byRate.values()].sort((a, b) => b.vatRateBp - a.vatRateBp),
    /** Payments of the month left out, and why: invoices under the debits option, goods only. */
    excluded: { vatOnDebits: excludedDebits, goodsOnly: excludedGoods },
  };
}

const euros = (cents: number) => `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
const csvField = (v: string) => (/[;"\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** The same as CSV (";" separated, amounts in euros with a decimal point), for the platform or the accountant. */
export function paymentsCsv(report: Awaited<ReturnType<typeof paymentsForEReporting>>): string {
  const header = [
    'date_paiement',
    'numero_facture',
    'date_facture',
    'siren_client',
    'client',
    'moyen_paiement',
    'montant_encaisse_ttc',
    'taux_tva',
    'base_ht_services',
    'tva_services',
    'ttc_services',
  ];
  const lines = report.payments.map((p) =>
    [
      p.paidOn,
      p.invoiceNumber,
      p.invoiceIssuedOn,
      p.buyerSiren ?? '',
      p.buyerName,
      p.method,
      euros(p.amountCents),
      (p.vatRateBp / 100).toString(),
      euros(p.servicesExclCents),
      euros(p.servicesVatCents),
      euros(p.servicesInclCents),
    ]
      .map(csvField)
      .join(';'),
  );
  return `${[header.join(';'), ...lines].join('\r\n')}\r\n`;
}
