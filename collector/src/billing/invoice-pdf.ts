/**
 * The PDF of an invoice or a credit note, drawn from the frozen InvoiceDocument and nothing else:
 * a Factur-X EN 16931 file (PDF/A-3b, the CII XML of the same document attached). It carries the
 * mentions of C. com. L441-9 and CGI art. 242 nonies A, and those of the 2026 e-invoicing reform
 * (nature of the operations, debits option, electronic addresses, each line's period). The same
 * document renders the same bytes: the PDF creation date is the issue date, never the clock.
 */
import { assertLocalDate, type LocalDate } from '@vigie/shared';
import PDFDocument from 'pdfkit';
import { invoiceCii } from './facturx/cii-xml.js';
import { DEBITS_TEXT, electronicAddress, linePeriod, type Nature, natureOf, vatOnDebits } from './facturx/mentions.js';
import { attachFacturX, pdfaOptions, registerEmbeddedFonts } from './facturx/pdfa.js';
import type { InvoiceDocument, InvoiceLine, LegalIdentity } from './invoice-document.js';
import { type Column, Flow, type Frame, type Line, type TextStyle } from './pdf-layout.js';

export type InvoiceLocale = 'fr' | 'en';

const MESSAGES = {
  fr: {
    invoice: 'Facture',
    creditNote: 'Avoir',
    number: 'N°',
    correcting: (n: string) => `Avoir sur la facture ${n}`,
    rectifying: (n: string) => `Facture rectificative de la facture ${n}`,
    ofDate: (d: string) => ` du ${d}`,
    nature: 'Nature des opérations',
    natures: { services: 'prestations de services', goods: 'livraisons de biens', mixed: 'livraisons de biens et prestations de services' },
    debits: DEBITS_TEXT, // the same words as the XML's TXD note
    electronicAddress: 'Adresse de facturation électronique',
    issuedOn: "Date d'émission",
    period: 'Période facturée',
    periodRange: (from: string, to: string) => `du ${from} au ${to}`,
    dueOn: "Date d'échéance",
    colon: '\u00a0: ',
    siren: 'SIREN',
    siret: 'SIRET',
    vatNumber: 'N° TVA intracommunautaire',
    email: 'Courriel',
    phone: 'Tél.',
    billTo: 'Client',
    clientCode: 'Code client',
    columns: ['Date', 'Ticket', 'Désignation', 'Durée', 'Qté', 'Unité', 'PU HT', 'Montant HT'],
    noLines: 'Aucune ligne',
    totalExclTax: 'Total HT',
    vat: (rate: string) => `TVA ${rate}`,
    totalInclTax: 'Total TTC',
    paymentTerms: 'Conditions de paiement',
    bankDetails: 'Coordonnées bancaires',
    bank: 'Banque',
    note: 'Note',
    page: (n: number, total: number) => `Page ${n} / ${total}`,
  },
  en: {
    invoice: 'Invoice',
    creditNote: 'Credit note',
    number: 'No.',
    correcting: (n: string) => `Credit note on invoice ${n}`,
    rectifying: (n: string) => `Corrected invoice replacing invoice ${n}`,
    ofDate: (d: string) => ` of ${d}`,
    nature: 'Nature of the operations',
    natures: { services: 'services', goods: 'supply of goods', mixed: 'supply of goods and services' },
    debits: 'VAT paid on debits (option)',
    electronicAddress: 'E-invoicing address',
    issuedOn: 'Issue date',
    period: 'Billing period',
    periodRange: (from: string, to: string) => `${from} to ${to}`,
    dueOn: 'Due date',
    colon: ': ',
    siren: 'SIREN',
    siret: 'SIRET',
    vatNumber: 'VAT number',
    email: 'E-mail',
    phone: 'Phone',
    billTo: 'Bill to',
    clientCode: 'Customer code',
    columns: ['Date', 'Ticket', 'Description', 'Duration', 'Qty', 'Unit', 'Unit price excl. VAT', 'Amount excl. VAT'],
    noLines: 'No lines',
    totalExclTax: 'Total excl. VAT',
    vat: (rate: string) => `VAT ${rate}`,
    totalInclTax: 'Total incl. VAT',
    paymentTerms: 'Payment terms',
    bankDetails: 'Bank details',
    bank: 'Bank',
    note: 'Note',
    page: (n: number, total: number) => `Page ${n} / ${total}`,
  },
} as const;

type Messages = (typeof MESSAGES)[InvoiceLocale];

const INTL_LOCALE = { fr: 'fr-FR', en: 'en-GB' } as const;
const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The conversions to print: cents → euros, Paris dates → text. Only done here, at the edge. */
function formatters(locale: InvoiceLocale) {
  const intl = INTL_LOCALE[locale];
  const money = new Intl.NumberFormat(intl, { style: 'currency', currency: 'EUR' });
  const decimal = new Intl.NumberFormat(intl, { maximumFractionDigits: 3 });
  const rate = new Intl.NumberFormat(intl, { maximumFractionDigits: 2 });
  return {
    money: (cents: number) => money.format(cents / 100),
    quantity: (q: number) => decimal.format(q),
    vatRate: (bp: number) => (locale === 'fr' ? `${rate.format(bp / 100)}\u00a0%` : `${rate.format(bp / 100)}%`),
    // A Paris calendar date is already the day to print: read its digits, never go through a Date.
    date: (d: LocalDate) => {
      assertLocalDate(d);
      const [y, m, day] = d.split('-') as [string, string, string];
      return locale === 'fr' ? `${day}/${m}/${y}` : `${day} ${MONTHS_EN[Number(m) - 1]} ${y}`;
    },
    duration: (minutes: number) => {
      if (minutes < 60) return `${minutes}\u00a0min`;
      const rest = minutes % 60;
      return `${Math.floor(minutes / 60)}\u00a0h${rest ? `\u00a0${String(rest).padStart(2, '0')}` : ''}`;
    },
  };
}

type Formatters = ReturnType<typeof formatters>;

/** "123456789" → "123 456 789", "12345678900012" → "123 456 789 00012"; anything else as given. */
function groupCompanyNumber(n: string): string {
  const digits = n.replace(/\s/g, '');
  if (/^\d{9}$/.test(digits)) return digits.replace(/^(\d{3})(\d{3})(\d{3})$/, '$1 $2 $3');
  if (/^\d{14}$/.test(digits)) return digits.replace(/^(\d{3})(\d{3})(\d{3})(\d{5})$/, '$1 $2 $3 $4');
  return n;
}

/** IBANs read in groups of four. */
function groupIban(iban: string): string {
  return (
    iban
      .replace(/\s/g, '')
      .toUpperCase()
      .match(/.{1,4}/g)
      ?.join(' ') ?? iban
  );
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 40;
const FOOTER_HEIGHT = 22;
const FRAME: Frame = { left: MARGIN, right: A4.width - MARGIN, top: MARGIN, bottom: A4.height - MARGIN - FOOTER_HEIGHT };

const style = (font: TextStyle['font'], size: number, color = '#222222'): TextStyle => ({ font, size, color });
// PDF/A embeds every font: DejaVu Sans (facturx/pdfa.ts), not the standard Helvetica.
const S = {
  body: style('DejaVuSans', 9),
  bold: style('DejaVuSans-Bold', 9),
  small: style('DejaVuSans', 8, '#444444'),
  caption: style('DejaVuSans-Bold', 8, '#666666'),
  title: style('DejaVuSans-Bold', 18, '#111111'),
  number: style('DejaVuSans-Bold', 11, '#111111'),
  partyName: style('DejaVuSans-Bold', 11),
  cell: style('DejaVuSans', 7.5),
  cellDetail: style('DejaVuSans-Oblique', 6.5, '#555555'),
  header: style('DejaVuSans-Bold', 7),
  total: style('DejaVuSans-Bold', 10),
  footer: style('DejaVuSans', 7, '#666666'),
};

/** The line table, in the order of `columns` in MESSAGES; the label column takes the width left. */
const FIXED_COLUMNS_WIDTH = 58 + 34 + 44 + 32 + 44 + 58 + 62;
const COLUMNS: Column[] = [
  { width: 58, align: 'left' }, // date ("05 Mar 2026" fits on one line)
  { width: 34, align: 'left' }, // ticket
  { width: FRAME.right - FRAME.left - FIXED_COLUMNS_WIDTH, align: 'left' }, // label and detail
  { width: 44, align: 'right' }, // duration
  { width: 32, align: 'right' }, // quantity
  { width: 44, align: 'left' }, // unit
  { width: 58, align: 'right' }, // unit price
  { width: 62, align: 'right' }, // amount
];

/**
 * The Factur-X PDF of a document. `xml` is the CII to embed, by default the document's own
 * (`invoiceCii(doc)`): pass it when it is also kept, so that both are the same bytes.
 */
export async function renderInvoicePdf(doc: InvoiceDocument, locale: InvoiceLocale = 'fr', xml = invoiceCii(doc)): Promise<Buffer> {
  const m = MESSAGES[locale];
  const f = formatters(locale);
  assertLocalDate(doc.issuedOn);
  const issued = new Date(`${doc.issuedOn}T00:00:00Z`);
  const pdf = new PDFDocument({
    ...pdfaOptions(),
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    lang: INTL_LOCALE[locale],
    displayTitle: true,
    // No Author here: pdfkit would copy it unescaped into the XMP (attachFacturX writes it). No ModDate: PDF/A wants it mirrored too.
    info: {
      Title: doc.number,
      Subject: `${doc.kind === 'invoice' ? m.invoice : m.creditNote} ${doc.number}`,
      Creator: 'Vigie',
      Producer: 'Vigie',
      CreationDate: issued,
    },
  });
  registerEmbeddedFonts(pdf);
  attachFacturX(pdf, xml, { date: issued, author: doc.seller.name });
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    pdf.on('data', (c: Buffer) => chunks.push(c));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
    try {
      const flow = new Flow(pdf, FRAME);
      drawHeading(flow, doc, m, f);
      drawLines(flow, doc.lines, m, f);
      drawTotals(flow, doc, m, f);
      drawPaymentAndNote(flow, doc, m, f);
      drawFooters(flow, doc.number, m);
      pdf.end();
    } catch (err) {
      reject(err);
    }
  });
}

function labelled(m: Messages, label: string, value: string): string {
  return `${label}${m.colon}${value}`;
}

function identityLines(flow: Flow, who: LegalIdentity, m: Messages, width: number): Line[] {
  const text = (t: string, s = S.body) => flow.lines(t, s, width);
  return [
    ...text(who.name, S.partyName),
    ...(who.legalForm ? text(who.legalForm) : []),
    ...who.address.flatMap((a) => text(a)),
    ...(who.siren ? text(labelled(m, m.siren, groupCompanyNumber(who.siren)), S.small) : []),
    ...(who.siret ? text(labelled(m, m.siret, groupCompanyNumber(who.siret)), S.small) : []),
    ...(who.vatNumber ? text(labelled(m, m.vatNumber, who.vatNumber), S.small) : []),
    ...(who.rcs ? text(who.rcs, S.small) : []),
    ...(who.email ? text(labelled(m, m.email, who.email), S.small) : []),
    ...(who.phone ? text(labelled(m, m.phone, who.phone), S.small) : []),
    ...electronicAddressLines(who, m, (t) => text(t, S.small)),
  ];
}

/** BT-34 / BT-49: the address the invoice is sent to and from on the e-invoicing network. */
function electronicAddressLines(who: LegalIdentity, m: Messages, text: (t: string) => Line[]): Line[] {
  const a = electronicAddress(who);
  return a ? text(labelled(m, m.electronicAddress, a.id)) : [];
}

/** Seller on the left, title and dates on the right, then the buyer under them. */
function drawHeading(flow: Flow, doc: InvoiceDocument, m: Messages, f: Formatters): void {
  const leftWidth = flow.width * 0.5;
  const rightX = flow.frame.left + flow.width * 0.55;
  const rightWidth = flow.frame.right - rightX;
  const meta = (label: string, value: string) => flow.lines(labelled(m, label, value), S.body, rightWidth);
  const titleBlock = [
    ...flow.lines(doc.kind === 'invoice' ? m.invoice : m.creditNote, S.title, rightWidth),
    ...flow.lines(`${m.number} ${doc.number}`, S.number, rightWidth),
    ...(doc.correctsNumber
      ? flow.lines(
          `${doc.kind === 'invoice' ? m.rectifying(doc.correctsNumber) : m.correcting(doc.correctsNumber)}${doc.correctsIssuedOn ? m.ofDate(f.date(doc.correctsIssuedOn)) : ''}`,
          S.bold,
          rightWidth,
        )
      : []),
    ...meta(m.issuedOn, f.date(doc.issuedOn)),
    ...meta(m.period, m.periodRange(f.date(doc.periodStart), f.date(doc.periodEnd))),
    ...meta(m.dueOn, f.date(doc.dueOn)),
    ...meta(m.nature, m.natures[natureOf(doc) as Nature]),
    ...(vatOnDebits(doc) ? flow.lines(m.debits, S.bold, rightWidth) : []),
  ];
  flow.columns([
    { x: flow.frame.left, width: leftWidth, lines: identityLines(flow, doc.seller, m, leftWidth) },
    { x: rightX, width: rightWidth, lines: titleBlock },
  ]);
  flow.y += 18;
  const buyer = [
    ...flow.lines(m.billTo, S.caption, rightWidth),
    ...identityLines(flow, doc.buyer, m, rightWidth),
    ...flow.lines(labelled(m, m.clientCode, String(doc.buyer.clientId)), S.small, rightWidth),
  ];
  flow.columns([{ x: rightX, width: rightWidth, lines: buyer }]);
  flow.y += 18;
}

function drawLines(flow: Flow, lines: readonly InvoiceLine[], m: Messages, f: Formatters): void {
  const cell = (i: number, text: string, s = S.cell) => flow.lines(text, s, Flow.cellWidth(COLUMNS[i] as Column));
  const header = m.columns.map((label, i) => cell(i, label, S.header));
  const rows = lines.map((l) => [
    cell(0, lineDate(l, m, f)),
    cell(1, l.ticketRef ?? ''),
    [...cell(2, l.label), ...cell(2, l.detail ?? '', S.cellDetail)],
    cell(3, l.minutes === undefined ? '' : f.duration(l.minutes)),
    cell(4, f.quantity(l.quantity)),
    cell(5, l.unit),
    cell(6, f.money(l.unitPriceCents)),
    cell(7, f.money(l.amountCents)),
  ]);
  if (rows.length === 0) rows.push(COLUMNS.map((_, i) => (i === 2 ? cell(2, m.noLines, S.cellDetail) : [])));
  flow.table(COLUMNS, header, rows);
  flow.y += 10;
}

/** BT-134/135 as printed: the day, or the period when the line bills more than one day. */
function lineDate(l: InvoiceLine, m: Messages, f: Formatters): string {
  const p = linePeriod(l);
  return p.start === p.end ? f.date(p.start) : m.periodRange(f.date(p.start), f.date(p.end));
}

function drawTotals(flow: Flow, doc: InvoiceDocument, m: Messages, f: Formatters): void {
  const valueWidth = 90;
  const labelWidth = 140;
  const valueX = flow.frame.right - valueWidth;
  const labelX = valueX - labelWidth;
  const rows: [string, string, TextStyle][] = [
    [m.totalExclTax, f.money(doc.totalExclTaxCents), S.body],
    [m.vat(f.vatRate(doc.vatRateBp)), f.money(doc.vatCents), S.body],
    [m.totalInclTax, f.money(doc.totalInclTaxCents), S.total],
  ];
  const blocks = rows.map(([label, value, s]) => [
    { x: labelX, width: labelWidth, lines: flow.lines(label, s, labelWidth) },
    { x: valueX, width: valueWidth, lines: flow.lines(value, s, valueWidth), align: 'right' as const },
  ]);
  const height = blocks.reduce((h, b) => h + Math.max(...b.map((c) => c.lines.reduce((s, l) => s + l.height, 0))), 0);
  flow.ensure(height + 4);
  blocks.forEach((b, i) => {
    if (i === blocks.length - 1) {
      flow.y += 2;
      flow.rule('#888888', labelX, flow.frame.right);
      flow.y += 2;
    }
    flow.columns(b);
  });
  flow.y += 16;
}

function drawPaymentAndNote(flow: Flow, doc: InvoiceDocument, m: Messages, f: Formatters): void {
  const section = (title: string, body: Line[]) => {
    const heading = flow.lines(title, S.bold, flow.width);
    flow.ensure([...heading, ...body.slice(0, 1)].reduce((h, l) => h + l.height, 0));
    flow.paragraph(heading);
    flow.paragraph(body);
    flow.y += 8;
  };
  const text = (t: string) => flow.lines(t, S.small, flow.width);
  section(m.paymentTerms, [
    ...text(doc.paymentTerms),
    ...text(labelled(m, m.dueOn, f.date(doc.dueOn))),
    ...text(doc.discountText),
    ...text(doc.latePenaltyText),
    ...(doc.recoveryIndemnityText ? text(doc.recoveryIndemnityText) : []),
  ]);
  if (doc.bank) {
    section(m.bankDetails, [
      ...text(labelled(m, 'IBAN', groupIban(doc.bank.iban))),
      ...text(labelled(m, 'BIC', doc.bank.bic)),
      ...(doc.bank.bank ? text(labelled(m, m.bank, doc.bank.bank)) : []),
    ]);
  }
  if (doc.note) section(m.note, text(doc.note));
}

/** "Page n / N" needs N: drawn last, on the buffered pages, in the strip under the frame. */
function drawFooters(flow: Flow, number: string, m: Messages): void {
  const { doc, frame } = flow;
  const range = doc.bufferedPageRange();
  // The line's full height (ascender to descender, no gap) ends on the bottom margin.
  const y = frame.bottom + FOOTER_HEIGHT - doc.font(S.footer.font).fontSize(S.footer.size).currentLineHeight(false);
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const [ref] = flow.lines(number, S.footer, flow.width / 2);
    const [page] = flow.lines(m.page(i - range.start + 1, range.count), S.footer, flow.width / 2);
    if (ref) flow.drawLine(ref, frame.left, y, flow.width / 2);
    if (page) flow.drawLine(page, frame.left + flow.width / 2, y, flow.width / 2, 'right');
  }
}
