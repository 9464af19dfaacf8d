import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parisDate } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, createCollector } from '../src/app.js';
import { invoiceCii } from '../src/billing/facturx/cii-xml.js';
import { renderInvoicePdf } from '../src/billing/invoice-pdf.js';
import { defaultConfig } from '../src/config.js';
import { DEFAULT_REPORT_SETTINGS } from '../src/reports/settings.js';
import { count, embeddedXml, ln, type Mail, pdfText, sha256, startRelay, type Verdict, validate, waitFor, xpath } from './facturx-tools.js';
import { type Harness, login, type Session, startHarness } from './harness.js';

/**
 * Issue 19, electronic invoices: a month of interventions, expenses, supplies and a DEEE pickup for
 * three clients becomes Factur-X EN 16931 invoices and credit notes that the independent validator
 * (EN 16931 CII rules, Factur-X 1.09, FNFE BR-FR as errors for a French seller, PDF/A-3 checks)
 * passes; the PDF shows what its XML says; the UBL says the same; a total off by one cent is caught;
 * each invoice is mailed once to its client's billing recipients; payments are extracted for
 * e-reporting. Every check reads the files with tools that share no code with their writer.
 */

const GRID = {
  programmed: { on_site: { day: 60000, half_day: 33000, hour: 11000 }, remote: { hour: 8800, quarter_hour: 2200 } },
  urgent: { on_site: { day: 80000, half_day: 44000, hour: 14000 }, remote: { hour: 11000, quarter_hour: 3000 } },
};
const SELLER = {
  name: 'Sibio Infogérance',
  legalForm: 'SARL au capital de 20 000 €',
  address: ['12 rue des Lilas', 'Bâtiment B', '69003 Lyon'],
  siren: '812345678',
  siret: '81234567800021',
  vatNumber: 'FR45812345678',
  rcs: 'RCS Lyon 812 345 678',
  email: 'facturation@sibio.test',
  phone: '04 78 00 00 00',
  electronicAddress: '812345678_FACTURES',
};
const buyer = (name: string, siren: string) => ({ name, address: ['1 place Bellecour', '69002 Lyon'], siren, vatNumber: `FR11${siren}` });

const today = () => parisDate(Date.now());
const prevMonth = () => {
  const [y, m] = today().split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};
const month = prevMonth();
const d = (day: number) => `${month}-${String(day).padStart(2, '0')}`;
const frDate = (s: string) => `${s.slice(6, 8)}/${s.slice(4, 6)}/${s.slice(0, 4)}`; // from CII 102
const frMoney = (x: number) => new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(x).replace(/[\s\u00a0\u202f]+/g, ' ');

let h: Harness;
let relay: Awaited<ReturnType<typeof startRelay>>;
let admin: Session;
let tech: Session;
let acmeUser: Session;
let initechId: number;
const dir = mkdtempSync(join(tmpdir(), 'vigie-facturx-'));
/** Every issued document: its number, kind, and the files fetched through the API. */
const issued: { id: number; number: string; kind: 'invoice' | 'credit_note'; clientId: number; pdf: string; xml: string; ubl: string }[] = [];
const invoiceMails = () => relay.mails.filter((m) => m.attachments.some((a) => a.contentType === 'application/pdf'));

async function raw(s: Session | null, path: string): Promise<{ status: number; body: Buffer }> {
  const r = await fetch(`${h.url}${path}`, { headers: s ? { cookie: s.cookie } : {} });
  return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
}

async function fetchFiles(id: number): Promise<(typeof issued)[number]> {
  const view = (await admin.get(`/api/v1/billing/invoices/${id}`)).body;
  const files: Record<string, string> = {};
  for (const [kind, path] of [
    ['pdf', 'pdf'],
    ['xml', 'xml'],
    ['ubl', 'ubl'],
  ] as const) {
    const r = await raw(admin, `/api/v1/billing/invoices/${id}/${path}`);
    expect(r.status, `${view.number} ${kind}`).toBe(200);
    files[kind] = join(dir, `${view.number}.${kind === 'pdf' ? 'pdf' : `${kind}.xml`}`);
    writeFileSync(files[kind] as string, r.body);
  }
  const doc = { id, number: view.number, kind: view.kind, clientId: view.clientId, pdf: files.pdf!, xml: files.xml!, ubl: files.ubl! };
  issued.push(doc);
  return doc;
}

beforeAll(async () => {
  relay = await startRelay();
  h = await startHarness({
    invoicing: false,
    notifications: { smtpUrl: relay.url, from: 'Sibio Infogérance <facturation@sibio.test>', webhooks: [] },
    // Retries fast enough to watch: 200 ms, then 400 ms; three attempts.
    reports: { ...DEFAULT_REPORT_SETTINGS, schedule: null, maxAttempts: 3, retryBaseMs: 200, retryMaxMs: 1000, pollMs: 100 },
  });
  admin = await login(h.url, 'admin@vigie.test');
  tech = await login(h.url, 'tech@vigie.test');
  acmeUser = await login(h.url, 'dsi@acme.test');
  initechId = await h.collector.tenants.createClient('Initech SAS');
  expect((await admin.put('/api/v1/billing/settings', { seller: SELLER, bank: { iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' } })).status).toBe(200);
  for (const [clientId, who, recipients] of [
    [h.acme.clientId, buyer('Acme SARL', '401234567'), ['compta@acme.test', 'direction@acme.test']],
    [h.globex.clientId, { ...buyer('Globex SAS', '502345678'), electronicAddress: '502345678_AP' }, ['factures@globex.test']],
    [initechId, buyer('Initech SAS', '603456789'), []],
  ] as const) {
    const r = await admin.put(`/api/v1/billing/clients/${clientId}/contract`, {
      startDate: '2025-01-01',
      buyer: who,
      grid: GRID,
      recipients,
      syntecIndex: 274.7,
      syntecIndexDate: '2019-10-31',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
}, 60_000);
afterAll(async () => {
  await h?.close();
  await relay?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('issuing (contract 5.1, issue 19)', () => {
  it('refuses an electronic address that does not start with the party’s SIREN, in French, and saves nothing', async () => {
    const r = await admin.put(`/api/v1/billing/clients/${initechId}/contract`, {
      startDate: '2025-01-01',
      buyer: { ...buyer('Initech SAS', '603456789'), electronicAddress: '999999999' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'VIGIE_E_VALIDATION' });
    expect(r.body.error.message).toMatch(/doit commencer par le SIREN 603456789/);
    expect((await admin.get(`/api/v1/billing/clients/${initechId}/contract`)).body.buyer.electronicAddress).toBeUndefined();
  });

  it('a month for three clients: time, expenses, supplies, a DEEE pickup; the debits option for the third; credit notes and a rectifying invoice', async () => {
    const ticket = async (clientId: number, title: string) =>
      (await tech.post('/api/v1/tickets', { clientId, title, description: 'Par e-mail', channel: 'email' })).body.id;
    const rec = async (ticketId: number, body: object) => expect((await tech.post(`/api/v1/tickets/${ticketId}/interventions`, body)).status).toBe(201);
    const acmeTicket = await ticket(h.acme.clientId, 'Poste comptabilité bloqué');
    await rec(acmeTicket, { date: d(5), minutes: 50, kind: 'urgent', mode: 'remote' });
    await rec(acmeTicket, { date: d(12), minutes: 90, kind: 'urgent', mode: 'on_site', travelCents: 4500, mealCents: 1800, lodgingCents: 9000 });
    await rec(acmeTicket, { date: d(20), minutes: 130, kind: 'programmed', mode: 'remote' });
    const order = await tech.post(`/api/v1/billing/clients/${h.acme.clientId}/orders`, {
      supplier: 'LDLC Pro',
      reference: 'DEV-2291',
      orderedOn: d(8),
      ticketId: acmeTicket,
      lines: [{ description: 'Portable Dell Latitude 5440', unitPriceCents: 89900, quantity: 2, warrantyMonths: 36 }],
    });
    expect(order.status).toBe(201);
    const lineId = order.body.lines[0].id;
    expect(
      (
        await tech.post(`/api/v1/billing/orders/${order.body.id}/deliver`, {
          deliveredOn: d(15),
          items: [
            { lineId, serial: 'SN-1' },
            { lineId, serial: 'SN-2' },
          ],
        })
      ).status,
    ).toBe(200);
    const pickup = {
      pickedUpOn: d(22),
      description: '3 écrans CRT, 1 onduleur',
      weightGrams: 37_500,
      transportCents: 5000,
      handlingCents: 2500,
      recyclingRateCentsPerKg: 45,
    };
    expect((await tech.post(`/api/v1/billing/clients/${h.acme.clientId}/pickups`, pickup)).status).toBe(201);
    const globexTicket = await ticket(h.globex.clientId, 'Messagerie en panne');
    await rec(globexTicket, { date: d(7), minutes: 10, kind: 'urgent', mode: 'remote' });
    await rec(globexTicket, { date: d(28), minutes: 480, kind: 'programmed', mode: 'on_site', travelCents: 3200 });
    expect((await tech.post(`/api/v1/billing/clients/${h.globex.clientId}/pickups`, { ...pickup, weightGrams: 1250, pickedUpOn: d(9) })).status).toBe(201);
    const initechTicket = await ticket(initechId, 'Sauvegardes en échec');
    await rec(initechTicket, { date: d(3), minutes: 200, kind: 'urgent', mode: 'remote' });

    const gen = async (clientId: number) => {
      const r = await admin.post('/api/v1/billing/invoices/generate', { month, clientId });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.results[0].id as number;
    };
    const acmeId = await gen(h.acme.clientId);
    const globexId = await gen(h.globex.clientId);
    // The provider opts for VAT on debits (staff only; audited), then Initech's invoice is issued.
    expect((await tech.put('/api/v1/billing/settings/e-invoicing', { vatOnDebits: true })).status).toBe(403);
    expect((await admin.put('/api/v1/billing/settings/e-invoicing', { vatOnDebits: true })).body).toEqual({ vatOnDebits: true });
    const initechInvoice = await gen(initechId);
    expect((await admin.put('/api/v1/billing/settings/e-invoicing', { vatOnDebits: false })).status).toBe(200);
    // A partial credit note (a dispute's agreed reduction) and a full cancellation re-invoiced corrected.
    const partial = await admin.post(`/api/v1/billing/invoices/${acmeId}/credit-notes`, {
      reason: 'geste commercial sur le déplacement',
      amountExclCents: 4500,
    });
    expect(partial.status, JSON.stringify(partial.body)).toBe(201);
    const cancel = await admin.post(`/api/v1/billing/invoices/${globexId}/credit-notes`, { reason: 'journée facturée au mauvais tarif', release: true });
    expect(cancel.status).toBe(201);
    const rectifying = await gen(h.globex.clientId);
    expect(rectifying).not.toBe(globexId);
    for (const id of [acmeId, globexId, initechInvoice, partial.body.id, cancel.body.id, rectifying]) await fetchFiles(id);
    expect(issued.map((i) => i.number)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^F\d{4}-0001$/), expect.stringMatching(/^AV\d{4}-0002$/), expect.stringMatching(/^F\d{4}-0004$/)]),
    );
    const audit = await h.collector.db.kysely
      .selectFrom('audit_log')
      .select(['actor', 'details'])
      .where('action', '=', 'billing.vat-on-debits')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => JSON.parse(a.details ?? 'null'))).toEqual([
      { from: false, to: true },
      { from: true, to: false },
    ]);
  }, 60_000);
});

describe('the independent validator (../shared/validators/facturx, as in CI)', () => {
  const verdicts = new Map<string, Verdict>();
  beforeAll(async () => {
    // Two at a time: the machine has two cores.
    for (let i = 0; i < issued.length; i += 2) {
      const batch = issued.slice(i, i + 2);
      const vs = await Promise.all(batch.map((f) => validate(f.pdf)));
      for (const [j, f] of batch.entries()) verdicts.set(f.number, vs[j] as Verdict);
    }
  }, 180_000);

  it('passes every invoice and credit note: EN 16931, Factur-X 1.09, French BR-FR as errors, PDF/A-3 and embedding checks', () => {
    expect(issued).toHaveLength(6);
    for (const f of issued) {
      const v = verdicts.get(f.number)!;
      const errors = v.findings.filter((x) => x.severity === 'error');
      expect(errors, `${f.number}: ${JSON.stringify(errors, null, 1)}`).toEqual([]);
      expect(v).toMatchObject({ exit: 0, verdict: 'PASS', profile: 'EN 16931', brfr: { severity: 'error' } });
      // What stays a warning, and only that: the schema's mandatory ApplicableHeaderTradeDelivery has nothing to hold.
      expect(
        v.findings.filter((x) => x.severity === 'warning').map((x) => `${x.id} ${x.location}`),
        f.number,
      ).toEqual(['PEPPOL-EN16931-R008 /CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeDelivery']);
    }
  });

  it('catches a deliberately wrong invoice: the total incl. tax one cent off, as XML and as Factur-X PDF', async () => {
    const acme = issued.find((f) => f.kind === 'invoice' && f.clientId === h.acme.clientId)!;
    const doc = (await admin.get(`/api/v1/billing/invoices/${acme.id}`)).body.document;
    const wrong = { ...doc, totalInclTaxCents: doc.totalInclTaxCents + 1 };
    const xml = join(dir, 'wrong.xml');
    const pdf = join(dir, 'wrong.pdf');
    writeFileSync(xml, invoiceCii(wrong));
    writeFileSync(pdf, await renderInvoicePdf(wrong));
    for (const v of await Promise.all([validate(xml), validate(pdf)])) {
      expect(v).toMatchObject({ exit: 1, verdict: 'FAIL' });
      expect(v.findings.filter((x) => x.severity === 'error').map((x) => x.id)).toContain('BR-CO-15');
    }
  }, 60_000);
});

describe('one invoice, said the same way everywhere', () => {
  const HEADER = ln('SupplyChainTradeTransaction', 'ApplicableHeaderTradeSettlement');
  const SUM = `//${HEADER}/${ln('SpecifiedTradeSettlementHeaderMonetarySummation')}`;
  const LINE = `//${ln('IncludedSupplyChainTradeLineItem')}`;
  const NATURE: Record<string, string> = { S1: 'prestations de services', B1: 'livraisons de biens', M1: 'livraisons de biens et prestations de services' };

  it('the XML served is the one inside the kept PDF, byte for byte', () => {
    expect(issued).toHaveLength(6);
    for (const f of issued) expect(embeddedXml(f.pdf), f.number).toBe(readFileSync(f.xml, 'utf8'));
  });

  it('the visible PDF prints every value of its XML: parties, SIRENs, addresses, dates, lines, totals, notes, nature, references', () => {
    expect(issued).toHaveLength(6);
    for (const f of issued) {
      const text = pdfText(f.pdf);
      const x = (e: string) => xpath(f.xml, e);
      const credit = x(`//${ln('ExchangedDocument', 'TypeCode')}`) === '381';
      const money = (e: string) => frMoney((credit ? -1 : 1) * Number(x(e)));
      const seen = (what: string, v: string) => expect(text, `${f.number}: ${what} "${v}"`).toContain(v);
      seen('number', x(`//${ln('ExchangedDocument', 'ID')}`));
      seen('issue date', frDate(x(`//${ln('ExchangedDocument', 'IssueDateTime', 'DateTimeString')}`)));
      seen('due date', frDate(x(`//${HEADER}/${ln('SpecifiedTradePaymentTerms', 'DueDateDateTime', 'DateTimeString')}`)));
      seen('payment terms', x(`//${HEADER}/${ln('SpecifiedTradePaymentTerms', 'Description')}`));
      seen('period', `du ${frDate(x(`//${HEADER}/${ln('BillingSpecifiedPeriod', 'StartDateTime', 'DateTimeString')}`))}`);
      for (const party of ['SellerTradeParty', 'BuyerTradeParty']) {
        const p = `//${ln(party)}`;
        seen(`${party} name`, x(`${p}/${ln('Name')}`));
        seen(`${party} SIREN`, x(`${p}/${ln('SpecifiedLegalOrganization', 'ID')}`).replace(/^(\d{3})(\d{3})(\d{3})$/, '$1 $2 $3'));
        seen(`${party} VAT`, x(`${p}/${ln('SpecifiedTaxRegistration', 'ID')}`));
        seen(`${party} city`, `${x(`${p}/${ln('PostalTradeAddress', 'PostcodeCode')}`)} ${x(`${p}/${ln('PostalTradeAddress', 'CityName')}`)}`);
        seen(`${party} electronic address`, `Adresse de facturation électronique : ${x(`${p}/${ln('URIUniversalCommunication', 'URIID')}`)}`);
      }
      seen('nature (BT-23)', `Nature des opérations : ${NATURE[x(`//${ln('BusinessProcessSpecifiedDocumentContextParameter', 'ID')}`)]}`);
      for (let i = 1; i <= count(f.xml, `//${ln('ExchangedDocument', 'IncludedNote')}`); i++) {
        const note = `(//${ln('ExchangedDocument', 'IncludedNote')})[${i}]`;
        const subject = x(`${note}/${ln('SubjectCode')}`);
        if (subject !== 'BAR') seen(`note ${subject}`, x(`${note}/${ln('Content')}`).replace(/\s+/g, ' '));
      }
      const lines = count(f.xml, LINE);
      expect(lines).toBeGreaterThan(0);
      for (let i = 1; i <= lines; i++) {
        const l = `(${LINE})[${i}]`;
        seen(`line ${i} name`, x(`${l}/${ln('SpecifiedTradeProduct', 'Name')}`));
        seen(`line ${i} amount`, money(`${l}/${ln('SpecifiedLineTradeSettlement', 'SpecifiedTradeSettlementLineMonetarySummation', 'LineTotalAmount')}`));
        seen(
          `line ${i} price`,
          frMoney(Number(x(`${l}/${ln('SpecifiedLineTradeAgreement', 'NetPriceProductTradePrice', 'ChargeAmount')}`)) * (credit ? -1 : 1)),
        );
        const start = x(`${l}/${ln('SpecifiedLineTradeSettlement', 'BillingSpecifiedPeriod', 'StartDateTime', 'DateTimeString')}`);
        const end = x(`${l}/${ln('SpecifiedLineTradeSettlement', 'BillingSpecifiedPeriod', 'EndDateTime', 'DateTimeString')}`);
        seen(`line ${i} period`, start === end ? frDate(start) : `du ${frDate(start)} au ${frDate(end)}`);
      }
      seen('total excl. tax', `Total HT ${money(`${SUM}/${ln('TaxBasisTotalAmount')}`)}`);
      seen('VAT', `TVA ${x(`//${HEADER}/${ln('ApplicableTradeTax', 'RateApplicablePercent')}`)} % ${money(`${SUM}/${ln('TaxTotalAmount')}`)}`);
      seen('total incl. tax', `Total TTC ${money(`${SUM}/${ln('GrandTotalAmount')}`)}`);
      const ref = x(`//${HEADER}/${ln('InvoiceReferencedDocument', 'IssuerAssignedID')}`);
      if (ref)
        seen(
          'corrected invoice and its date',
          `${ref} du ${frDate(x(`//${HEADER}/${ln('InvoiceReferencedDocument', 'FormattedIssueDateTime', 'DateTimeString')}`))}`,
        );
      const debits = x(`//${HEADER}/${ln('ApplicableTradeTax', 'DueDateTypeCode')}`) === '5';
      expect(text.includes('Option pour le paiement de la taxe d’après les débits'), `${f.number} debits`).toBe(debits);
    }
  });

  it('the reform’s data are there: S1 for services, M1 with goods, 381 credit notes citing their invoice (BT-25/26), 384 for the rectifying one, the debits option only on the invoice issued under it', () => {
    const facts = issued.map((f) => ({
      kind: f.kind,
      client: f.clientId === h.acme.clientId ? 'acme' : f.clientId === h.globex.clientId ? 'globex' : 'initech',
      type: xpath(f.xml, `//${ln('ExchangedDocument', 'TypeCode')}`),
      process: xpath(f.xml, `//${ln('BusinessProcessSpecifiedDocumentContextParameter', 'ID')}`),
      corrects: xpath(f.xml, `//${ln('InvoiceReferencedDocument', 'IssuerAssignedID')}`) !== '',
      debits: xpath(f.xml, `//${ln('ApplicableHeaderTradeSettlement', 'ApplicableTradeTax', 'DueDateTypeCode')}`),
      txd: xpath(f.xml, `//${ln('IncludedNote')}[${ln('SubjectCode')}='TXD']/${ln('Content')}`),
      buyerAddress: xpath(f.xml, `//${ln('BuyerTradeParty', 'URIUniversalCommunication', 'URIID')}`),
      sellerAddress: xpath(f.xml, `//${ln('SellerTradeParty', 'URIUniversalCommunication', 'URIID')}/@schemeID`),
    }));
    expect(facts).toEqual([
      { kind: 'invoice', client: 'acme', type: '380', process: 'M1', corrects: false, debits: '', txd: '', buyerAddress: '401234567', sellerAddress: '0225' },
      {
        kind: 'invoice',
        client: 'globex',
        type: '380',
        process: 'S1',
        corrects: false,
        debits: '',
        txd: '',
        buyerAddress: '502345678_AP',
        sellerAddress: '0225',
      },
      {
        kind: 'invoice',
        client: 'initech',
        type: '380',
        process: 'S1',
        corrects: false,
        debits: '5',
        txd: 'Option pour le paiement de la taxe d’après les débits',
        buyerAddress: '603456789',
        sellerAddress: '0225',
      },
      {
        kind: 'credit_note',
        client: 'acme',
        type: '381',
        process: 'M1',
        corrects: true,
        debits: '',
        txd: '',
        buyerAddress: '401234567',
        sellerAddress: '0225',
      },
      {
        kind: 'credit_note',
        client: 'globex',
        type: '381',
        process: 'S1',
        corrects: true,
        debits: '',
        txd: '',
        buyerAddress: '502345678_AP',
        sellerAddress: '0225',
      },
      {
        kind: 'invoice',
        client: 'globex',
        type: '384',
        process: 'S1',
        corrects: true,
        debits: '',
        txd: '',
        buyerAddress: '502345678_AP',
        sellerAddress: '0225',
      },
    ]);
  });

  it('the UBL export carries the same values as the CII', () => {
    expect(issued).toHaveLength(6);
    for (const f of issued) {
      const c = (e: string) => xpath(f.xml, e);
      const u = (e: string) => xpath(f.ubl, e);
      const credit = f.kind === 'credit_note';
      expect(u(`/*/${ln('ID')}`), f.number).toBe(c(`//${ln('ExchangedDocument', 'ID')}`));
      expect(u(`/*/${ln('CustomizationID')}`)).toBe(c(`//${ln('GuidelineSpecifiedDocumentContextParameter', 'ID')}`));
      expect(u(`/*/${ln('ProfileID')}`)).toBe(c(`//${ln('BusinessProcessSpecifiedDocumentContextParameter', 'ID')}`));
      expect(u(`/*/${ln(credit ? 'CreditNoteTypeCode' : 'InvoiceTypeCode')}`)).toBe(c(`//${ln('ExchangedDocument', 'TypeCode')}`));
      expect(u(`/*/${ln('IssueDate')}`).replaceAll('-', '')).toBe(c(`//${ln('ExchangedDocument', 'IssueDateTime', 'DateTimeString')}`));
      for (const [ubl, cii] of [
        ['LineExtensionAmount', 'LineTotalAmount'],
        ['TaxExclusiveAmount', 'TaxBasisTotalAmount'],
        ['TaxInclusiveAmount', 'GrandTotalAmount'],
        ['PayableAmount', 'DuePayableAmount'],
      ] as const)
        expect(Number(u(`/*/${ln('LegalMonetaryTotal', ubl)}`)), `${f.number} ${ubl}`).toBe(Number(c(`${SUM}/${ln(cii)}`)));
      expect(Number(u(`/*/${ln('TaxTotal', 'TaxAmount')}`))).toBe(Number(c(`${SUM}/${ln('TaxTotalAmount')}`)));
      const lineTag = credit ? 'CreditNoteLine' : 'InvoiceLine';
      expect(count(f.ubl, `/*/${ln(lineTag)}`)).toBe(count(f.xml, LINE));
      for (let i = 1; i <= count(f.xml, LINE); i++) {
        expect(Number(u(`(/*/${ln(lineTag)})[${i}]/${ln('LineExtensionAmount')}`))).toBe(
          Number(c(`(${LINE})[${i}]//${ln('SpecifiedTradeSettlementLineMonetarySummation', 'LineTotalAmount')}`)),
        );
        expect(u(`(/*/${ln(lineTag)})[${i}]/${ln('Item', 'Name')}`)).toBe(c(`(${LINE})[${i}]/${ln('SpecifiedTradeProduct', 'Name')}`));
      }
      for (const [ubl, cii] of [
        ['AccountingSupplierParty', 'SellerTradeParty'],
        ['AccountingCustomerParty', 'BuyerTradeParty'],
      ] as const) {
        expect(u(`//${ln(ubl, 'Party', 'EndpointID')}`)).toBe(c(`//${ln(cii, 'URIUniversalCommunication', 'URIID')}`));
        expect(u(`//${ln(ubl, 'Party', 'PartyLegalEntity', 'CompanyID')}`)).toBe(c(`//${ln(cii, 'SpecifiedLegalOrganization', 'ID')}`));
      }
      expect(u(`//${ln('BillingReference', 'InvoiceDocumentReference', 'ID')}`)).toBe(c(`//${ln('InvoiceReferencedDocument', 'IssuerAssignedID')}`));
      for (const code of ['PMD', 'PMT', 'AAB'])
        expect(u(`/*/${ln('Note')}[starts-with(., '#${code}#')]`).slice(5)).toBe(c(`//${ln('IncludedNote')}[${ln('SubjectCode')}='${code}']/${ln('Content')}`));
    }
  });
});

describe('who may read the XML and the UBL', () => {
  it('a client user gets its own invoice’s XML and UBL, another client’s is not found; no session, no file', async () => {
    const own = issued.find((f) => f.clientId === h.acme.clientId)!;
    const other = issued.find((f) => f.clientId === h.globex.clientId)!;
    for (const kind of ['xml', 'ubl', 'deliveries']) {
      expect((await raw(acmeUser, `/api/v1/billing/invoices/${own.id}/${kind}`)).status, kind).toBe(200);
      expect((await raw(acmeUser, `/api/v1/billing/invoices/${other.id}/${kind}`)).status, kind).toBe(404);
      expect((await raw(null, `/api/v1/billing/invoices/${own.id}/${kind}`)).status, kind).toBe(401);
      expect((await raw(tech, `/api/v1/billing/invoices/${other.id}/${kind}`)).status, kind).toBe(200);
    }
    expect((await raw(acmeUser, '/api/v1/billing/invoices/999999/xml')).status).toBe(404);
    const r = await raw(acmeUser, `/api/v1/billing/invoices/${own.id}/xml`);
    expect(r.body.toString('utf8')).toContain(`<ram:ID>${own.number}</ram:ID>`);
    // Deliveries of the client's invoices only; sending is the provider's.
    const seen = (await acmeUser.get('/api/v1/billing/invoice-deliveries')).body.deliveries.map((x: any) => x.invoiceId);
    expect(new Set(seen)).toEqual(new Set(issued.filter((f) => f.clientId === h.acme.clientId).map((f) => f.id)));
    expect((await acmeUser.get(`/api/v1/billing/invoice-deliveries?clientId=${h.globex.clientId}`)).status).toBe(404);
    expect((await acmeUser.post(`/api/v1/billing/invoices/${own.id}/send`, {})).status).toBe(403);
    expect((await tech.post(`/api/v1/billing/invoices/${own.id}/send`, {})).status).toBe(403);
    expect((await acmeUser.get(`/api/v1/billing/e-reporting/payments?month=${today().slice(0, 7)}`)).status).toBe(403);
  });
});

describe('e-mail delivery to the billing recipients', () => {
  const mailOf = (number: string): Mail[] => invoiceMails().filter((m) => m.attachments.some((a) => a.filename === `${number}.pdf`));

  it('mails each issued document once, the kept Factur-X PDF attached; a client without recipients is shown skipped', async () => {
    const mailed = issued.filter((f) => f.clientId !== initechId);
    await waitFor('every mail', async () => mailed.every((f) => mailOf(f.number).length === 1));
    for (const f of mailed) {
      const [m] = mailOf(f.number);
      expect(m!.to.sort()).toEqual(f.clientId === h.acme.clientId ? ['compta@acme.test', 'direction@acme.test'] : ['factures@globex.test']);
      expect(m!.subject).toBe(`${f.kind === 'invoice' ? 'Facture' : 'Avoir'} ${f.number} — Sibio Infogérance`);
      expect(m!.text).toContain('Factur-X');
      expect(m!.attachments).toEqual([
        { filename: `${f.number}.pdf`, contentType: 'application/pdf', sha256: sha256((await raw(admin, `/api/v1/billing/invoices/${f.id}/pdf`)).body) },
      ]);
      const deliveries = (await acmeUser.get(`/api/v1/billing/invoices/${f.id}/deliveries`)).body.deliveries;
      if (f.clientId === h.acme.clientId)
        expect(deliveries).toEqual([expect.objectContaining({ kind: 'scheduled', status: 'sent', attempts: 1, willRetry: false })]);
    }
    const initech = issued.find((f) => f.clientId === initechId)!;
    const skipped = (await admin.get(`/api/v1/billing/invoices/${initech.id}/deliveries`)).body.deliveries;
    expect(skipped).toEqual([expect.objectContaining({ status: 'skipped', error: 'no billing recipients for this client', attempts: 1 })]);
  });

  it('never twice: a second collector on the same database and a plain "send" change nothing; "again" sends once more, audited', async () => {
    const acme = issued.find((f) => f.clientId === h.acme.clientId && f.kind === 'invoice')!;
    const before = invoiceMails().length;
    let other: Collector | undefined;
    try {
      other = await createCollector(
        defaultConfig({
          dataDir: h.dir,
          port: 0,
          logLevel: 'silent',
          synchronous: 'normal',
          rulesIntervalMs: 0,
          invoicing: false,
          notifications: { smtpUrl: relay.url, from: 'x <x@sibio.test>', webhooks: [] },
          reports: { ...DEFAULT_REPORT_SETTINGS, schedule: null, pollMs: 100 },
        }),
      );
      await other.invoiceMailer.pollDue();
      await h.collector.invoiceMailer.pollDue();
    } finally {
      await other?.close();
    }
    const send = await admin.post(`/api/v1/billing/invoices/${acme.id}/send`, {});
    expect(send.status).toBe(409);
    expect(send.body.error.message).toMatch(/déjà été envoyée/);
    expect(invoiceMails().length).toBe(before);
    const again = await admin.post(`/api/v1/billing/invoices/${acme.id}/send`, { again: true });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ delivery: 'sent' });
    expect(again.body.deliveries.map((x: any) => [x.kind, x.status])).toEqual([
      ['scheduled', 'sent'],
      ['resend', 'sent'],
    ]);
    expect(invoiceMails().length).toBe(before + 1);
    const audited = await h.collector.db.kysely
      .selectFrom('audit_log')
      .select('action')
      .where('target', '=', `invoice:${acme.id}`)
      .where('action', 'in', ['invoice.send', 'invoice.resend', 'invoice.mail'])
      .orderBy('id')
      .execute();
    expect(audited.map((a) => a.action)).toEqual(['invoice.mail', 'invoice.send', 'invoice.mail', 'invoice.resend']);
  }, 30_000);

  it('a relay refusing the mail: the failure is shown with its retry, and the invoice goes out once the relay recovers', async () => {
    const acme = issued.find((f) => f.clientId === h.acme.clientId && f.kind === 'invoice')!;
    relay.setFailing(true);
    try {
      const cn = await admin.post(`/api/v1/billing/invoices/${acme.id}/credit-notes`, { reason: 'erreur de saisie du repas', amountExclCents: 1800 });
      expect(cn.status).toBe(201);
      const failed = await waitFor('a failed attempt', async () => {
        const ds = (await admin.get(`/api/v1/billing/invoices/${cn.body.id}/deliveries`)).body.deliveries;
        return ds[0]?.status === 'failed' ? ds[0] : undefined;
      });
      expect(failed).toMatchObject({ willRetry: true, maxAttempts: 3 });
      expect(failed.error).toMatch(/451/);
      relay.setFailing(false);
      const sent = await waitFor('the retry', async () => {
        const ds = (await admin.get(`/api/v1/billing/invoices/${cn.body.id}/deliveries`)).body.deliveries;
        return ds[0]?.status === 'sent' ? ds[0] : undefined;
      });
      expect(sent.attempts).toBeGreaterThanOrEqual(2);
      expect(mailOf(cn.body.number)).toHaveLength(1);
    } finally {
      relay.setFailing(false);
    }
  }, 30_000);
});

describe('payments for e-reporting (services without the debits option)', () => {
  it('lists each payment of the month with its date and amount, the services’ share split into base and VAT; not the invoices under the debits option', async () => {
    const acme = issued.find((f) => f.clientId === h.acme.clientId && f.kind === 'invoice')!;
    const initech = issued.find((f) => f.clientId === initechId)!;
    const globex = issued.find((f) => f.clientId === h.globex.clientId && f.kind === 'invoice' && f.number.endsWith('0004'))!;
    const pay = async (id: number, amountCents: number) =>
      expect(
        (await admin.post(`/api/v1/billing/invoices/${id}/payments`, { paidOn: today(), amountCents, method: 'transfer', reference: 'VIR 1' })).status,
      ).toBe(201);
    await pay(acme.id, 100_000);
    await pay(initech.id, 10_000);
    const globexView = (await admin.get(`/api/v1/billing/invoices/${globex.id}`)).body;
    await pay(globex.id, globexView.totalInclCents);
    const r = await tech.get(`/api/v1/billing/e-reporting/payments?month=${today().slice(0, 7)}`);
    expect(r.status).toBe(200);
    expect(r.body.excluded).toEqual({ vatOnDebits: 1, goodsOnly: 0 });
    const acmeDoc = (await admin.get(`/api/v1/billing/invoices/${acme.id}`)).body.document;
    const goods = acmeDoc.lines.filter((l: any) => l.type === 'supply_item').reduce((s: number, l: any) => s + l.amountCents, 0);
    const share = Math.round((100_000 * (acmeDoc.totalExclTaxCents - goods)) / acmeDoc.totalExclTaxCents);
    const vat = Math.round((share * 2000) / 12000);
    expect(r.body.payments.map((p: any) => [p.invoiceNumber, p.paidOn, p.amountCents, p.servicesInclCents, p.servicesExclCents, p.servicesVatCents])).toEqual([
      [acme.number, today(), 100_000, share, share - vat, vat],
      [globex.number, today(), globexView.totalInclCents, globexView.totalInclCents, globexView.totalExclCents, globexView.vatCents],
    ]);
    expect(r.body.totals).toEqual([
      {
        vatRateBp: 2000,
        payments: 2,
        inclCents: share + globexView.totalInclCents,
        exclCents: share - vat + globexView.totalExclCents,
        vatCents: vat + globexView.vatCents,
      },
    ]);
    const csv = await raw(tech, `/api/v1/billing/e-reporting/payments?month=${today().slice(0, 7)}&format=csv`);
    const rows = csv.body.toString('utf8').trim().split('\r\n');
    expect(rows[0]).toBe(
      'date_paiement;numero_facture;date_facture;siren_client;client;moyen_paiement;montant_encaisse_ttc;taux_tva;base_ht_services;tva_services;ttc_services',
    );
    expect(rows[1]).toBe(
      `${today()};${acme.number};${today()};401234567;Acme SARL;transfer;1000.00;20;${((share - vat) / 100).toFixed(2)};${(vat / 100).toFixed(2)};${(share / 100).toFixed(2)}`,
    );
    expect(rows).toHaveLength(3);
    expect((await tech.get('/api/v1/billing/e-reporting/payments?month=2026-13')).status).toBe(400);
  });

  it('keeps what it reports: payments and the issued XML cannot be changed or deleted in the database', async () => {
    // The triggers raise the same message on both engines.
    const db = h.collector.db.kysely;
    await expect(db.updateTable('payments').set({ amount_cents: 1 }).execute()).rejects.toThrow(/VIGIE_IMMUTABLE/);
    await expect(db.deleteFrom('payments').execute()).rejects.toThrow(/VIGIE_IMMUTABLE/);
    await expect(db.updateTable('invoice_xml').set({ xml: '' }).execute()).rejects.toThrow(/VIGIE_IMMUTABLE/);
    await expect(db.deleteFrom('invoice_xml').execute()).rejects.toThrow(/VIGIE_IMMUTABLE/);
  });
});
