import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { InvoiceDocument, InvoiceLine } from './invoice-document.js';
import { renderInvoicePdf } from './invoice-pdf.js';

// The PDFs are read back with poppler-utils (scripts/setup.mjs installs it): what a reader sees.
const dir = mkdtempSync(join(tmpdir(), 'vigie-invoice-pdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function save(pdf: Buffer): string {
  const file = join(dir, `${++files}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

/** Only the spacing is normalised: U+00A0, U+202F and column gaps all become one space. */
const squeeze = (s: string) => s.replace(/[\s\u00a0\u202f]+/g, ' ').trim();

/** pdftotext -layout, one entry per page, each page as its squeezed lines. */
function pages(pdf: Buffer): string[][] {
  const text = execFileSync('pdftotext', ['-layout', save(pdf), '-'], { encoding: 'utf8' });
  return text
    .split('\f')
    .slice(0, -1)
    .map((p) => p.split('\n').map(squeeze).filter(Boolean));
}

/** The title printed at the top right, beside the seller's first lines (pdftotext puts it on one of the first three). */
const titleLine = (lines: string[]) => lines.slice(0, 3).find((l) => / ?(Facture|Invoice|Avoir|Credit note)$/.test(l)) ?? '';

/** The whole text in one line: wrapped paragraphs read back whole. */
const allText = (pdf: Buffer) => squeeze(pages(pdf).flat().join(' '));

function pdfinfo(pdf: Buffer): Record<string, string> {
  const out = execFileSync('pdfinfo', [save(pdf)], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return Object.fromEntries(out.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
}

interface Word {
  page: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Every word's box, from pdftotext -bbox. */
function words(pdf: Buffer): Word[] {
  const html = execFileSync('pdftotext', ['-bbox', save(pdf), '-'], { encoding: 'utf8' });
  const out: Word[] = [];
  html.split('<page ').forEach((page, i) => {
    for (const m of page.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">/g)) {
      out.push({ page: i, x0: Number(m[1]), y0: Number(m[2]), x1: Number(m[3]), y1: Number(m[4]) });
    }
  });
  return out;
}

/** Words outside the A4 page minus its 40 pt margins, and pairs of words drawn over each other. */
function layoutFaults(pdf: Buffer): string[] {
  const faults: string[] = [];
  const ws = words(pdf);
  const eps = 0.01;
  for (const w of ws) {
    if (w.x0 < 40 - eps || w.x1 > 595.28 - 40 + eps || w.y0 < 40 - eps || w.y1 > 841.89 - 40 + eps) faults.push(`outside: ${JSON.stringify(w)}`);
  }
  const byPage = new Map<number, Word[]>();
  for (const w of ws) byPage.set(w.page, [...(byPage.get(w.page) ?? []), w]);
  for (const list of byPage.values()) {
    list.sort((a, b) => a.y0 - b.y0);
    for (let i = 0; i < list.length; i++) {
      const a = list[i] as Word;
      for (let j = i + 1; j < list.length && (list[j] as Word).y0 < a.y1 - eps; j++) {
        const b = list[j] as Word;
        if (a.x0 < b.x1 - eps && b.x0 < a.x1 - eps) faults.push(`overlap: ${JSON.stringify(a)} ${JSON.stringify(b)}`);
      }
    }
  }
  return faults;
}

// Fixture: a March 2026 invoice of an MSP in Lyon, as the invoicing service freezes it.
const intervention: InvoiceLine = {
  type: 'intervention',
  date: '2026-03-05',
  ticketRef: '#42',
  label: 'Intervention à distance — Poste bloqué',
  detail: '2 × heure pour 95 min (art. 2.6)',
  minutes: 95,
  quantity: 2,
  unit: 'heure',
  unitPriceCents: 61728,
  amountCents: 123456,
};
const ssd: InvoiceLine = {
  type: 'supply_item',
  date: '2026-03-12',
  ticketRef: '#57',
  label: 'Disque SSD 1 To',
  quantity: 3,
  unit: 'u.',
  unitPriceCents: 8990,
  amountCents: 26970,
};
const recycling: InvoiceLine = {
  type: 'recycling',
  date: '2026-03-20',
  label: 'Recyclage DEEE',
  quantity: 12.5,
  unit: 'kg',
  unitPriceCents: 50,
  amountCents: 625,
};
const LATE_PENALTY =
  'En cas de retard de paiement, pénalités au taux BCE majoré de 10 points de pourcentage, et indemnité forfaitaire pour frais de recouvrement de 40 € (art. L441-10 et D441-5 C. com.).';

const march: InvoiceDocument = {
  kind: 'invoice',
  number: 'F2026-0007',
  issuedOn: '2026-03-31',
  dueOn: '2026-04-30',
  periodStart: '2026-03-01',
  periodEnd: '2026-03-31',
  seller: {
    name: 'Infogérance du Rhône',
    legalForm: 'SARL au capital de 10 000 €',
    address: ['12 rue de la République', '69002 Lyon'],
    siren: '123456789',
    siret: '12345678900012',
    vatNumber: 'FR12123456789',
    rcs: 'RCS Lyon 123 456 789',
    email: 'compta@infogerance-rhone.fr',
    phone: '04 78 00 00 00',
  },
  buyer: {
    clientId: 42,
    name: 'Cabinet Dupont & Associés',
    address: ['3 place Bellecour', '69002 Lyon'],
    siren: '987654321',
    vatNumber: 'FR45987654321',
  },
  bank: { iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP', bank: 'Crédit Agricole Centre-Est' },
  lines: [intervention, ssd, recycling],
  totalExclTaxCents: 151051,
  vatRateBp: 2000,
  vatCents: 30210,
  totalInclTaxCents: 181261,
  paymentTerms: 'Prélèvement à 30 jours nets',
  latePenaltyText: LATE_PENALTY,
  discountText: "Pas d'escompte pour paiement anticipé.",
  note: 'Merci de votre confiance.',
};

const creditNote: InvoiceDocument = {
  ...march,
  kind: 'credit_note',
  number: 'AV2026-0001',
  issuedOn: '2026-04-10',
  dueOn: '2026-04-10',
  correctsNumber: 'F2026-0007',
  lines: [{ ...intervention, type: 'credit', amountCents: -123456 }],
  totalExclTaxCents: -123456,
  vatCents: -24691,
  totalInclTaxCents: -148147,
  note: "Intervention du 05/03 facturée deux fois : annulation de l'une.",
};

const fr = await renderInvoicePdf(march);
const frText = allText(fr);
const frLines = pages(fr).flat();

describe('L441-9 C. com. and CGI 242 nonies A: the mentions on a French invoice', () => {
  it('names the seller: name, legal form and capital, address, SIREN, SIRET, VAT number, RCS', () => {
    for (const mention of [
      'Infogérance du Rhône',
      'SARL au capital de 10 000 €',
      '12 rue de la République',
      '69002 Lyon',
      'SIREN : 123 456 789',
      'SIRET : 123 456 789 00012',
      'N° TVA intracommunautaire : FR12123456789',
      'RCS Lyon 123 456 789',
    ]) {
      expect(frText).toContain(mention);
    }
  });

  it('names the buyer: name, address, SIREN and VAT number when given, client code', () => {
    for (const mention of [
      'Cabinet Dupont & Associés',
      '3 place Bellecour',
      'SIREN : 987 654 321',
      'N° TVA intracommunautaire : FR45987654321',
      'Code client : 42',
    ]) {
      expect(frText).toContain(mention);
    }
  });

  it('prints the title, number, issue date, billed period and due date, dates in DD/MM/YYYY', () => {
    expect(titleLine(frLines)).toMatch(/(^| )Facture$/);
    for (const mention of ['N° F2026-0007', "Date d'émission : 31/03/2026", 'Période facturée : du 01/03/2026 au 31/03/2026', "Date d'échéance : 30/04/2026"]) {
      expect(frText).toContain(mention);
    }
  });

  it('prints each line: date, ticket, label, duration, quantity, unit, unit price and amount excl. tax, then its detail', () => {
    expect(frLines).toContain('Date Ticket Désignation Durée Qté Unité PU HT Montant HT');
    expect(frLines).toContain('05/03/2026 #42 Intervention à distance — Poste bloqué 1 h 35 2 heure 617,28 € 1 234,56 €');
    expect(frLines).toContain('2 × heure pour 95 min (art. 2.6)');
    expect(frLines).toContain('12/03/2026 #57 Disque SSD 1 To 3 u. 89,90 € 269,70 €');
    expect(frLines).toContain('20/03/2026 Recyclage DEEE 12,5 kg 0,50 € 6,25 €');
  });

  it('prints the total excl. tax, the VAT rate and amount, the total incl. tax', () => {
    expect(frLines).toContain('Total HT 1 510,51 €');
    expect(frLines).toContain('TVA 20 % 302,10 €');
    expect(frLines).toContain('Total TTC 1 812,61 €');
  });

  it('prints a reduced VAT rate with its decimals', async () => {
    expect(allText(await renderInvoicePdf({ ...march, vatRateBp: 550, vatCents: 8308 }))).toContain('TVA 5,5 % 83,08 €');
  });

  it('prints the payment terms, the discount, the late penalties with the 40 € indemnity, the bank details and the note', () => {
    for (const mention of [
      'Conditions de paiement Prélèvement à 30 jours nets',
      "Pas d'escompte pour paiement anticipé.",
      LATE_PENALTY,
      'Coordonnées bancaires IBAN : FR76 3000 6000 0112 3456 7890 189 BIC : AGRIFRPP Banque : Crédit Agricole Centre-Est',
      'Note Merci de votre confiance.',
    ]) {
      expect(frText).toContain(mention);
    }
  });

  it('leaves out what is not given: no bank block without bank details, no buyer SIREN when unknown', async () => {
    const text = allText(await renderInvoicePdf({ ...march, bank: undefined, buyer: { clientId: 7, name: 'Mme Martin', address: ['Lyon'] } }));
    expect(text).not.toContain('Coordonnées bancaires');
    expect(text).not.toContain('987 654 321');
    expect(text).toContain('Mme Martin');
  });

  it('prints the Paris calendar dates as given, whatever the time zone of the process', async () => {
    const tz = process.env.TZ;
    process.env.TZ = 'Pacific/Kiritimati';
    try {
      const pdf = await renderInvoicePdf({ ...march, issuedOn: '2026-01-01', periodStart: '2025-12-01', periodEnd: '2025-12-31' });
      expect(allText(pdf)).toContain("Date d'émission : 01/01/2026");
      expect(allText(pdf)).toContain('du 01/12/2025 au 31/12/2025');
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('refuses an impossible date rather than printing it', async () => {
    await expect(renderInvoicePdf({ ...march, dueOn: '2026-02-30' })).rejects.toMatchObject({ code: 'VIGIE_E_VALIDATION' });
  });
});

describe('English variant', () => {
  it('translates every label and formats money en-GB, dates day month year', async () => {
    const en = await renderInvoicePdf(march, 'en');
    const lines = pages(en).flat();
    const text = allText(en);
    expect(titleLine(lines)).toMatch(/(^| )Invoice$/);
    for (const mention of [
      'No. F2026-0007',
      'Issue date: 31 Mar 2026',
      'Billing period: 01 Mar 2026 to 31 Mar 2026',
      'Due date: 30 Apr 2026',
      'SIREN: 123 456 789',
      'VAT number: FR12123456789',
      'Bill to',
      'Customer code: 42',
      'Payment terms',
      'Bank details IBAN: FR76 3000 6000 0112 3456 7890 189',
    ]) {
      expect(text).toContain(mention);
    }
    expect(lines).toContain('05 Mar 2026 #42 Intervention à distance — Poste bloqué 1 h 35 2 heure €617.28 €1,234.56');
    expect(lines).toContain('Total excl. VAT €1,510.51');
    expect(lines).toContain('VAT 20% €302.10');
    expect(lines).toContain('Total incl. VAT €1,812.61');
    expect(text).not.toMatch(/Facture|Désignation|Total TTC|Date d'émission/);
  });
});

describe('credit note', () => {
  it('is titled "Avoir", names the invoice it corrects and prints negative amounts', async () => {
    const pdf = await renderInvoicePdf(creditNote);
    const lines = pages(pdf).flat();
    expect(titleLine(lines)).toMatch(/(^| )Avoir$/);
    expect(lines.some((l) => l.endsWith(' N° AV2026-0001'))).toBe(true);
    expect(lines.some((l) => l.endsWith(' Avoir sur la facture F2026-0007'))).toBe(true);
    expect(lines).toContain('05/03/2026 #42 Intervention à distance — Poste bloqué 1 h 35 2 heure 617,28 € -1 234,56 €');
    expect(lines).toContain('Total HT -1 234,56 €');
    expect(lines).toContain('TVA 20 % -246,91 €');
    expect(lines).toContain('Total TTC -1 481,47 €');
    expect(allText(pdf)).toContain("Note Intervention du 05/03 facturée deux fois : annulation de l'une.");
    expect(pdfinfo(pdf).Title).toBe('AV2026-0001');
  });

  it('is titled "Credit note" in English', async () => {
    const pdf = await renderInvoicePdf(creditNote, 'en');
    expect(titleLine(pages(pdf).flat())).toMatch(/(^| )Credit note$/);
    expect(allText(pdf)).toContain('Credit note on invoice F2026-0007');
  });
});

describe('long invoices', () => {
  const many: InvoiceDocument = {
    ...march,
    lines: Array.from({ length: 120 }, (_, i) => ({ ...ssd, label: `Ligne ${i + 1} : cartouche d'encre`, amountCents: 100 * (i + 1) })),
  };

  it('paginate a 120-line invoice: table header and "Page n / N" on every page, each line once, totals at the end', async () => {
    const pdf = await renderInvoicePdf(many);
    const n = Number(pdfinfo(pdf).Pages);
    const ps = pages(pdf);
    expect(n).toBeGreaterThanOrEqual(3);
    expect(ps).toHaveLength(n);
    ps.forEach((lines, i) => {
      expect(lines.at(-1)).toBe(`F2026-0007 Page ${i + 1} / ${n}`);
      const firstRow = lines.findIndex((l) => / Ligne \d+ : /.test(l));
      if (firstRow >= 0) expect(lines[firstRow - 1]).toBe('Date Ticket Désignation Durée Qté Unité PU HT Montant HT');
    });
    expect(ps.filter((lines) => lines.some((l) => / Ligne \d+ : /.test(l))).length).toBeGreaterThanOrEqual(3);
    const text = allText(pdf);
    for (let i = 1; i <= 120; i++) {
      expect(text.split(`Ligne ${i} : cartouche d'encre `)).toHaveLength(2);
    }
    // The totals come after the last line (the payment terms may run onto one more page).
    const flat = ps.flat();
    expect(flat.indexOf('Total TTC 1 812,61 €')).toBeGreaterThan(flat.findIndex((l) => / Ligne 120 : /.test(l)));
    expect(flat.findIndex((l) => / Ligne 120 : /.test(l))).toBeGreaterThan(0);
    expect(layoutFaults(pdf)).toEqual([]);
  });

  it('wrap long labels and details inside their column without overlapping the next row', async () => {
    const long = `Remplacement de l'alimentation du serveur de fichiers, ${'puis vérification des sauvegardes et des journaux '.repeat(6)}terminé`;
    const pdf = await renderInvoicePdf({
      ...march,
      lines: Array.from({ length: 40 }, () => ({ ...intervention, label: long, detail: long })),
    });
    expect(Number(pdfinfo(pdf).Pages)).toBeGreaterThan(1);
    expect(layoutFaults(pdf)).toEqual([]);
    expect(allText(pdf).split('terminé')).toHaveLength(81);
  });

  it('split a line taller than a page across pages, losing no word', async () => {
    const pdf = await renderInvoicePdf({ ...march, lines: [intervention, { ...ssd, label: `${'mot '.repeat(4000)}FIN` }, recycling] });
    const text = allText(pdf);
    expect(Number(pdfinfo(pdf).Pages)).toBeGreaterThan(2);
    expect(text.match(/\bmot\b/g)).toHaveLength(4000);
    expect(text).toContain('FIN');
    expect(text).toContain('Total TTC 1 812,61 €');
    expect(layoutFaults(pdf)).toEqual([]);
  });
});

describe('hostile text', () => {
  const name = `"Robert'); DROP TABLE clients;--" <script>alert('x')</script> 🦄👩‍👩‍👧 北京 ≥ ${'W'.repeat(400)}`.slice(0, 500);

  it('renders a 500-character buyer name with quotes, markup, emoji and CJK, and everything after it', async () => {
    const pdf = await renderInvoicePdf({ ...march, buyer: { ...march.buyer, name, address: ['Bât. B\u0000\u0007', '69002 Lyon'] } });
    const text = allText(pdf);
    expect(text).toContain(`"Robert'); DROP TABLE clients;--" <script>alert('x')</script> ???? ?? >=`);
    expect(text.replace(/[^W]/g, '')).toHaveLength(name.replace(/[^W]/g, '').length);
    expect(text).not.toMatch(/[\ufffd\u0000-\u0008]/);
    for (const after of ['Bât. B', 'SIREN : 987 654 321', 'Disque SSD 1 To', 'Total TTC 1 812,61 €', LATE_PENALTY, 'Note Merci de votre confiance.']) {
      expect(text).toContain(after);
    }
    expect(layoutFaults(pdf)).toEqual([]);
  });
});

describe('determinism', () => {
  it('renders the same bytes for the same document, whatever the clock; the PDF is dated by the issue date and titled by the number', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-04-01T08:00:00Z'));
      const first = await renderInvoicePdf(march);
      vi.setSystemTime(new Date('2031-11-17T23:59:59Z'));
      const second = await renderInvoicePdf(march);
      expect(second.equals(first)).toBe(true);
      expect(first.equals(fr)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
    const info = pdfinfo(fr);
    expect(info.Title).toBe('F2026-0007');
    expect(info.CreationDate).toBe('Tue Mar 31 00:00:00 2026 UTC');
  });
});

describe('Factur-X (issue 19)', () => {
  it('a document frozen before Factur-X (no indemnity text, nature, electronic address) still renders a file the validator passes', async () => {
    const { validate } = await import('../../test/facturx-tools.js');
    for (const doc of [march, { ...creditNote, correctsIssuedOn: '2026-03-31' }]) {
      const v = await validate(save(await renderInvoicePdf(doc)));
      expect(
        v.findings.filter((f) => f.severity === 'error'),
        doc.number,
      ).toEqual([]);
      expect(v.verdict).toBe('PASS');
    }
  }, 60_000);
});
