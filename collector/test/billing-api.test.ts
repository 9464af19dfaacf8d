import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays, parisDate } from '@vigie/shared';
import { sampleInventory } from '@vigie/shared/fixtures';
import { TEST_PRICE_GRID as GRID } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type Harness, login, type Session, startHarness, TestAgent } from './harness.js';

/**
 * Billing through the REST API of a real collector (contract 2.4–2.6, 3, 5.1): the quote endpoint
 * against the contract's rule, a month of interventions for two clients turned into two invoices
 * whose PDF text is read back, a delivered order's serial on the agent-reported device, and the
 * tenant and immutability guards.
 */

let h: Harness;
let admin: Session;
let tech: Session;
let acmeUser: Session;
let globexUser: Session;

// A grid that does not price the on-site half-day the 2.6 minimum needs.
const GRID_NO_HALF_DAY = {
  programmed: { on_site: { day: 60000, hour: 11000 }, remote: { hour: 8800 } },
  urgent: { on_site: { day: 80000, hour: 14000 }, remote: { hour: 11000, quarter_hour: 3000 } },
};
const SELLER = {
  name: 'Sibio Infogérance',
  legalForm: 'SARL au capital de 20 000 €',
  address: ['12 rue des Lilas', '69003 Lyon'],
  siren: '812345678',
  siret: '81234567800021',
  vatNumber: 'FR45812345678',
  rcs: 'RCS Lyon 812 345 678',
  email: 'facturation@sibio.test',
};
const buyer = (name: string, siren: string) => ({ name, address: ['1 place Bellecour', '69002 Lyon'], siren, vatNumber: `FR11${siren}` });

const today = () => parisDate(Date.now());
const prevMonth = () => {
  const [y, m] = today().split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};
const frDate = (d: string) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;
/** pdftotext output in drawing order (a label wrapped in its column reads back whole), every kind of space folded into one. */
function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-pdf-'));
  try {
    writeFileSync(join(dir, 'f.pdf'), pdf);
    return execFileSync('pdftotext', ['-raw', join(dir, 'f.pdf'), '-'], { encoding: 'utf8' }).replace(/[\s\u00a0\u202f]+/g, ' ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
async function getPdf(s: Session, id: number): Promise<{ status: number; pdf: Buffer }> {
  const r = await fetch(`${h.url}/api/v1/billing/invoices/${id}/pdf`, { headers: { cookie: s.cookie } });
  return { status: r.status, pdf: Buffer.from(await r.arrayBuffer()) };
}
async function ticket(clientId: number, title: string): Promise<number> {
  const r = await tech.post('/api/v1/tickets', { clientId, title, description: 'Demande par e-mail', channel: 'email' });
  expect(r.status).toBe(201);
  return r.body.id;
}

beforeAll(async () => {
  h = await startHarness({ invoicing: false });
  admin = await login(h.url, 'admin@vigie.test');
  tech = await login(h.url, 'tech@vigie.test');
  acmeUser = await login(h.url, 'dsi@acme.test');
  globexUser = await login(h.url, 'it@globex.test');
  expect((await admin.put('/api/v1/billing/settings', { seller: SELLER, bank: { iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' } })).status).toBe(200);
  const a = await admin.put(`/api/v1/billing/clients/${h.acme.clientId}/contract`, {
    startDate: '2025-01-01',
    buyer: buyer('Acme SARL', '401234567'),
    grid: GRID,
    syntecIndex: 274.7,
    syntecIndexDate: '2019-10-31',
  });
  expect(a.status, JSON.stringify(a.body)).toBe(200);
  const g = await admin.put(`/api/v1/billing/clients/${h.globex.clientId}/contract`, {
    startDate: '2025-06-15',
    buyer: buyer('Globex SAS', '502345678'),
    grid: GRID_NO_HALF_DAY,
    syntecIndex: 274.7,
    syntecIndexDate: '2019-10-31',
  });
  expect(g.status).toBe(200);
});
afterAll(async () => h.close());

describe('quote endpoint (contract 2.6)', () => {
  // [clause, kind, mode, minutes, expected unit, count, amount]
  const cases: [string, string, string, number, string, number, number][] = [
    ['2.6 lowest cost: 10 min remote is one quarter-hour', 'urgent', 'remote', 10, 'quarter_hour', 1, 3000],
    ['2.6 lowest cost: 50 min remote is one hour, cheaper than 4 quarter-hours', 'urgent', 'remote', 50, 'hour', 1, 11000],
    ['2.6 lowest cost: 61 min remote is 5 quarter-hours, cheaper than 2 hours', 'urgent', 'remote', 61, 'quarter_hour', 5, 15000],
    ['2.6 lowest cost: 120 min remote is 2 hours', 'urgent', 'remote', 120, 'hour', 2, 22000],
    ['2.6 lowest cost: 190 min remote is one half-day (3.5 h)', 'urgent', 'remote', 190, 'half_day', 1, 34000],
    ['2.6 lowest cost: 211 min remote is 4 hours, cheaper than 2 half-days or a day', 'urgent', 'remote', 211, 'hour', 4, 44000],
    ['2.6 lowest cost: 400 min remote is one day (8 h)', 'urgent', 'remote', 400, 'day', 1, 64000],
    ['2.6 lowest cost: 500 min remote is 9 hours, cheaper than 2 days', 'urgent', 'remote', 500, 'hour', 9, 99000],
    ['2.6 equal cost: 60 min programmed remote, 4 quarter-hours = 1 hour, the larger unit', 'programmed', 'remote', 60, 'hour', 1, 8800],
    ['2.6 on site < half-day: 30 min is billed one half-day', 'urgent', 'on_site', 30, 'half_day', 1, 44000],
    ['2.6 on site < half-day: 209 min is billed one half-day', 'urgent', 'on_site', 209, 'half_day', 1, 44000],
    ['2.6 on site = half-day: 210 min, lowest cost is the half-day', 'urgent', 'on_site', 210, 'half_day', 1, 44000],
    ['2.6 on site over half-day: 300 min is 5 hours at lowest cost', 'urgent', 'on_site', 300, 'hour', 5, 70000],
    ['2.6 on site full day: 480 min programmed is one day', 'programmed', 'on_site', 480, 'day', 1, 60000],
  ];
  it.each(cases)('%s', async (_clause, kind, mode, minutes, unit, count, amount) => {
    const r = await tech.post('/api/v1/billing/quote', { clientId: h.acme.clientId, kind, mode, minutes, date: '2026-10-05' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ unit, count, amountCents: amount, unitPriceCents: amount / count });
    expect(r.body.rule).toMatch(/art\. 2\.6/);
    expect(Object.keys(r.body).sort()).toEqual(['amountCents', 'count', 'rule', 'unit', 'unitPriceCents']);
  });

  it('2.6 a grid missing the on-site half-day cannot bill a short on-site intervention: clear error', async () => {
    const r = await tech.post('/api/v1/billing/quote', { clientId: h.globex.clientId, kind: 'urgent', mode: 'on_site', minutes: 45, date: '2026-10-05' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VIGIE_E_VALIDATION');
    expect(r.body.error.message).toMatch(/½ journée.*art\. 2\.6/);
  });

  it('bad input: zero, negative or absurd durations, unknown fields, a date before the contract', async () => {
    for (const body of [
      { minutes: 0 },
      { minutes: -30 },
      { minutes: 1.5 },
      { minutes: 10_000 },
      { minutes: 30, extra: 1 },
      { minutes: 30, kind: 'emergency' },
      { minutes: 30, date: '2026-02-30' },
      { minutes: 30, date: '2024-12-31' },
    ]) {
      const r = await tech.post('/api/v1/billing/quote', { clientId: h.acme.clientId, kind: 'urgent', mode: 'remote', date: '2026-10-05', ...body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('VIGIE_E_VALIDATION');
    }
  });

  it('a client sees quotes on its own contract only; another client’s id is not found', async () => {
    const own = await acmeUser.post('/api/v1/billing/quote', { clientId: h.acme.clientId, kind: 'urgent', mode: 'remote', minutes: 50, date: '2026-10-05' });
    expect(own.status).toBe(200);
    const other = await acmeUser.post('/api/v1/billing/quote', {
      clientId: h.globex.clientId,
      kind: 'urgent',
      mode: 'remote',
      minutes: 50,
      date: '2026-10-05',
    });
    expect(other.status).toBe(404);
  });
});

describe('a month of interventions for two clients (contract 2.4–2.6, 5.1)', () => {
  const month = prevMonth();
  const d = (day: number) => `${month}-${String(day).padStart(2, '0')}`;
  let acmeInvoice: any;
  let globexInvoice: any;
  let acmeTicket: number;

  it('records the month: interventions, expenses, a supply order delivered, a DEEE pickup', async () => {
    acmeTicket = await ticket(h.acme.clientId, 'Poste comptabilité bloqué');
    const serverTicket = await ticket(h.acme.clientId, 'Migration du serveur de fichiers');
    const globexTicket = await ticket(h.globex.clientId, 'Messagerie en panne');
    const rec = async (ticketId: number, body: object) => {
      const r = await tech.post(`/api/v1/tickets/${ticketId}/interventions`, body);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body;
    };
    // 2.6: 50 min urgent remote → 1 hour.
    expect(await rec(acmeTicket, { date: d(5), minutes: 50, kind: 'urgent', mode: 'remote', notes: 'Profil réparé' })).toMatchObject({
      unit: 'hour',
      unit_count: 1,
      amount_cents: 11000,
    });
    // 2.6: 90 min on site → flat half-day, with travel and meal expenses.
    expect(await rec(acmeTicket, { date: d(12), minutes: 90, kind: 'urgent', mode: 'on_site', travelCents: 4500, mealCents: 1800 })).toMatchObject({
      unit: 'half_day',
      amount_cents: 44000,
    });
    // Start and end: 130 min programmed remote → 9 quarter-hours (19 800) beat 1 half-day (26 000).
    const start = Date.parse(`${d(20)}T08:00:00Z`);
    expect(await rec(serverTicket, { startedAt: start, endedAt: start + 130 * 60_000, kind: 'programmed', mode: 'remote' })).toMatchObject({
      date: d(20),
      minutes: 130,
      programmed_mode: 'planned',
      unit: 'quarter_hour',
      unit_count: 9,
      amount_cents: 19800,
    });
    // Next month's work is not on this month's invoice.
    await rec(acmeTicket, { date: today(), minutes: 20, kind: 'urgent', mode: 'remote' });
    // Globex: 10 min urgent remote, and a programmed on-site day.
    await rec(globexTicket, { date: d(7), minutes: 10, kind: 'urgent', mode: 'remote' });
    await rec(globexTicket, { date: d(28), minutes: 480, kind: 'programmed', mode: 'on_site' });

    // 2.4: an order adds a flat urgent quarter-hour; its items are invoiced once delivered.
    const order = await tech.post(`/api/v1/billing/clients/${h.acme.clientId}/orders`, {
      supplier: 'LDLC Pro',
      reference: 'DEV-2291',
      orderedOn: d(8),
      ticketId: acmeTicket,
      lines: [{ description: 'Portable Dell Latitude 5440', unitPriceCents: 89900, quantity: 2, warrantyMonths: 36 }],
    });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    expect(order.body).toMatchObject({ fee_unit: 'quarter_hour', fee_count: 1, fee_amount_cents: 3000 });
    const lineId = order.body.lines[0].id;
    const delivered = await tech.post(`/api/v1/billing/orders/${order.body.id}/deliver`, {
      deliveredOn: d(15),
      items: [
        { lineId, serial: 'SN-LAT-0001' },
        { lineId, serial: 'SN-LAT-0002' },
      ],
    });
    expect(delivered.status, JSON.stringify(delivered.body)).toBe(200);
    // 2.5: 37.5 kg at 0.45 €/kg = 16.875 € → 16.88 €, plus transport and handling.
    const pickup = await tech.post(`/api/v1/billing/clients/${h.acme.clientId}/pickups`, {
      pickedUpOn: d(22),
      description: '3 écrans CRT, 1 onduleur',
      weightGrams: 37_500,
      transportCents: 5000,
      handlingCents: 2500,
      recyclingRateCentsPerKg: 45,
    });
    expect(pickup.status).toBe(201);
    expect(pickup.body.recycling_cents).toBe(1688);
    // The BSD reference arrives later and is the client's to see.
    expect((await tech.put(`/api/v1/billing/pickups/${pickup.body.id}/bsd`, { reference: 'BSD-2026-0457' })).status).toBe(200);
    const seen = await acmeUser.get('/api/v1/billing/pickups');
    expect(seen.body.pickups.map((p: any) => p.bsd_reference)).toEqual(['BSD-2026-0457']);
    expect((await globexUser.get('/api/v1/billing/pickups')).body.pickups).toEqual([]);
    // The ticket's history shows the time recorded, with its price.
    const t = await acmeUser.get(`/api/v1/tickets/${acmeTicket}`);
    const ev = t.body.timeline.filter((e: any) => e.type === 'intervention');
    expect(ev.map((e: any) => e.amountCents)).toEqual([11000, 44000, 6000]);
  });

  it('issues one invoice per client, numbered without gaps, due 30 days later', async () => {
    const r = await admin.post('/api/v1/billing/invoices/generate', { month });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const year = today().slice(0, 4);
    const numbers = r.body.results.map((x: any) => x.number);
    expect(numbers).toEqual([`F${year}-0001`, `F${year}-0002`]);
    const list = await admin.get('/api/v1/billing/invoices');
    acmeInvoice = list.body.invoices.find((i: any) => i.clientId === h.acme.clientId);
    globexInvoice = list.body.invoices.find((i: any) => i.clientId === h.globex.clientId);
    // Acme: 110 + 440 + 45 + 18 (expenses) + 198 + 30 (order fee) + 2 × 899 + 50 + 25 + 16.88 (DEEE) = 2 730.88 € HT.
    expect(acmeInvoice).toMatchObject({ totalExclCents: 273088, vatRateBp: 2000, vatCents: 54618, totalInclCents: 327706, status: 'due', issuedOn: today() });
    expect(acmeInvoice.dueOn).toBe(addDays(today(), 30));
    expect(acmeInvoice.lineCount).toBe(10);
    // Globex: 30 + 600 = 630 € HT.
    expect(globexInvoice).toMatchObject({ totalExclCents: 63000, vatCents: 12600, totalInclCents: 75600 });
    // Generating again changes nothing and uses no number.
    const again = await admin.post('/api/v1/billing/invoices/generate', { month });
    expect(again.body.results.map((x: any) => x.number)).toEqual(numbers);
    expect(r.body.results.map((x: any) => x.issued)).toEqual([true, true]);
    expect(again.body.results.map((x: any) => x.issued)).toEqual([false, false]);
    expect((await admin.get('/api/v1/billing/invoices')).body.invoices).toHaveLength(2);
  });

  it('the PDF invoices read back with every line, the totals and the mentions French law requires', async () => {
    const { status, pdf } = await getPdf(acmeUser, acmeInvoice.id);
    expect(status).toBe(200);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    for (const s of [
      acmeInvoice.number,
      'Sibio Infogérance',
      '812 345 678',
      'FR45812345678',
      'RCS Lyon 812 345 678',
      'Acme SARL',
      '401 234 567',
      frDate(today()),
      frDate(addDays(today(), 30)),
      'Poste comptabilité',
      'Migration du serveur de fichiers',
      'Portable Dell Latitude 5440',
      'SN-LAT-0001',
      'Frais de déplacement',
      'recyclage',
      '110,00 €',
      '440,00 €',
      '198,00 €',
      '1 798,00 €',
      '16,88 €',
      '2 730,88 €',
      '546,18 €',
      '3 277,06 €',
      '40 €',
      'Banque centrale européenne',
      'escompte',
      'FR76 3000 6000 0112 3456 7890 189',
    ])
      expect(text, s).toContain(s);
    const g = pdfText((await getPdf(globexUser, globexInvoice.id)).pdf);
    for (const s of [globexInvoice.number, 'Globex SAS', 'Messagerie en panne', '30,00 €', '600,00 €', '630,00 €', '126,00 €', '756,00 €'])
      expect(g, s).toContain(s);
    expect(g).not.toContain('Acme');
    // English on demand, from the same frozen document.
    const en = await fetch(`${h.url}/api/v1/billing/invoices/${globexInvoice.id}/pdf?lang=en`, { headers: { cookie: globexUser.cookie } });
    expect(pdfText(Buffer.from(await en.arrayBuffer()))).toContain('€756.00');
  });

  it('a client sees only its own invoices; another client’s invoice, PDF or dispute is not found', async () => {
    const own = await acmeUser.get('/api/v1/billing/invoices');
    expect(own.body.invoices.map((i: any) => i.number)).toEqual([acmeInvoice.number]);
    const asked = await acmeUser.get(`/api/v1/billing/invoices?clientId=${h.globex.clientId}`);
    expect(asked.status).toBe(404);
    expect((await acmeUser.get(`/api/v1/billing/invoices/${globexInvoice.id}`)).status).toBe(404);
    expect((await getPdf(acmeUser, globexInvoice.id)).status).toBe(404);
    const dispute = await acmeUser.post(`/api/v1/billing/invoices/${globexInvoice.id}/disputes`, {
      reason: 'Je conteste cette facture qui n’est pas la mienne',
    });
    expect(dispute.status).toBe(404);
    expect((await globexUser.get(`/api/v1/billing/invoices/${globexInvoice.id}`)).body.disputes).toEqual([]);
    expect((await acmeUser.get(`/api/v1/billing/clients/${h.globex.clientId}/finance`)).status).toBe(404);
    expect((await acmeUser.get(`/api/v1/billing/clients/${h.globex.clientId}/contract`)).status).toBe(404);
    // Billing writes are staff's.
    expect((await acmeUser.post('/api/v1/billing/invoices/generate', { month })).status).toBe(403);
    expect((await acmeUser.post(`/api/v1/tickets/${acmeTicket}/interventions`, { date: today(), minutes: 10 })).status).toBe(403);
  });

  it('an issued invoice is immutable: no edit through the API, none in the database, its items frozen', async () => {
    for (const method of ['put', 'post'] as const) {
      const r =
        method === 'put'
          ? await admin.put(`/api/v1/billing/invoices/${acmeInvoice.id}`, { totalInclCents: 1 })
          : await admin.post(`/api/v1/billing/invoices/${acmeInvoice.id}/payments`, { paidOn: today(), amountCents: 10_000_000, method: 'transfer' });
      expect([400, 409]).toContain(r.status);
    }
    // The triggers raise the same message on both engines.
    await expect(h.collector.db.kysely.updateTable('invoices').set({ total_incl_cents: 1 }).where('id', '=', acmeInvoice.id).execute()).rejects.toThrow(
      /VIGIE_IMMUTABLE/,
    );
    await expect(h.collector.db.kysely.deleteFrom('invoices').where('id', '=', acmeInvoice.id).execute()).rejects.toThrow(/VIGIE_IMMUTABLE/);
    const items = await tech.get(`/api/v1/billing/interventions?clientId=${h.acme.clientId}`);
    const invoiced = items.body.interventions.find((i: any) => i.invoice_id === acmeInvoice.id);
    const r = await fetchJson('PATCH', `/api/v1/billing/interventions/${invoiced.id}`, tech, { minutes: 5 });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toMatch(/avoir/);
    const del = await fetchJson('DELETE', `/api/v1/billing/interventions/${invoiced.id}`, tech);
    expect(del.status).toBe(409);
    expect((await admin.get(`/api/v1/billing/invoices/${acmeInvoice.id}`)).body.totalInclCents).toBe(327706);
  });

  it('5.1 a client’s motivated dispute suspends the due date; a bare one is refused', async () => {
    const bare = await globexUser.post(`/api/v1/billing/invoices/${globexInvoice.id}/disputes`, { reason: 'trop cher' });
    expect(bare.status).toBe(400);
    const r = await globexUser.post(`/api/v1/billing/invoices/${globexInvoice.id}/disputes`, {
      reason: 'La journée sur site du 28 n’a duré que 4 heures selon notre registre des visiteurs.',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ status: 'disputed', effectiveDueOn: null });
    const fin = await globexUser.get(`/api/v1/billing/clients/${h.globex.clientId}/finance`);
    expect(fin.body.months).toHaveLength(3);
    expect(fin.body.months.at(-1)).toMatchObject({ invoicedInclCents: 75600, disputedCents: 75600, overdueCents: 0, outstandingCents: 75600 });
  });

  it('a delivered order’s serial shows on the matching agent-reported device with its warranty', async () => {
    const dev = await enrollAgent(h, h.acme.siteId, 'acme-laptop-1');
    const agent = await TestAgent.connect(h.wsUrl, dev);
    try {
      await agent.hello();
      await agent.waitAck(
        agent.send('inventory', {
          ...sampleInventory,
          os: { ...sampleInventory.os, hostname: 'acme-laptop-1' },
          system: { ...sampleInventory.system, serial: 'sn-lat-0002' },
        }),
      );
      const r = await tech.get(`/api/v1/devices/${dev.deviceId}`);
      expect(r.body.supplied).toEqual([
        expect.objectContaining({
          serial: 'SN-LAT-0002',
          description: 'Portable Dell Latitude 5440',
          deliveredOn: `${prevMonth()}-15`,
          warrantyMonths: 36,
          supplier: 'LDLC Pro',
        }),
      ]);
      expect(r.body.supplied[0].warrantyEnd).toBe(addDays(`${Number(prevMonth().slice(0, 4)) + 3}${prevMonth().slice(4)}-15`, -1));
      // The client's inventory lists both items, one linked to its device.
      const items = await acmeUser.get('/api/v1/billing/supplied-items');
      expect(items.body.items.map((i: any) => [i.serial, i.device_id])).toEqual([
        ['SN-LAT-0001', null],
        ['SN-LAT-0002', dev.deviceId],
      ]);
      expect((await globexUser.get('/api/v1/billing/supplied-items')).body.items).toEqual([]);
      expect((await acmeUser.get(`/api/v1/billing/supplied-items?clientId=${h.globex.clientId}`)).status).toBe(404);
    } finally {
      agent.close();
    }
  });
});

async function fetchJson(method: string, path: string, s: Session, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { cookie: s.cookie, 'x-csrf-token': s.csrf };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${h.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}
