import { addMonths, fromParis, type LocalDate } from '@vigie/shared';
import { TEST_PRICE_GRID as GRID } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../src/auth/repository.js';
import { quote } from '../src/billing/billing-units.js';
import { noticeEndDate, termOn } from '../src/billing/contract-terms.js';
import { DisputeRepository } from '../src/billing/disputes/repository.js';
import { ClientFinance } from '../src/billing/invoices/finance.js';
import { InvoiceRepository } from '../src/billing/invoices/repository.js';
import { PaymentRepository } from '../src/billing/payments/repository.js';
import type { RelationalStore } from '../src/store/relational-store.js';
import { type Harness, login, type Session, startHarness } from './harness.js';

/**
 * The contract's billing rules on a real collector and its SQLite file, with the clock given
 * explicitly (Paris dates): term and notice (6), recurring programmes (2.6.1), Syntec revision
 * (5.2), invoices, credit notes, payments, disputes and late penalties (5.1), warranties (2.4, 3).
 * Each case names the clause it checks.
 */

let h: Harness;
let admin: Session;
let adminUser: SessionUser;
let techUser: SessionUser;
let clientUser: SessionUser;
let clientId: number;

const SELLER = { name: 'Sibio Infogérance', address: ['12 rue des Lilas', '69003 Lyon'], siren: '812345678', vatNumber: 'FR45812345678' };
/** Paris wall-clock time → UTC ms. */
const at = (date: LocalDate, hh = 10, mm = 0) => fromParis(date, hh, mm);
const user = async (email: string) =>
  (await h.collector.db.kysely
    .selectFrom('users')
    .select(['id', 'email', 'name', 'role', 'client_id as clientId', 'locale'])
    .where('email', '=', email)
    .executeTakeFirstOrThrow()) as SessionUser;

beforeAll(async () => {
  h = await startHarness({ invoicing: false, rulesIntervalMs: 0 });
  admin = await login(h.url, 'admin@vigie.test');
  adminUser = await user('admin@vigie.test');
  techUser = await user('tech@vigie.test');
  clientUser = await user('dsi@acme.test');
  clientId = h.acme.clientId;
  await h.collector.billing.putSettings(SELLER, null);
  await h.collector.billing.putContract(
    clientId,
    { startDate: '2025-01-01', buyer: { name: 'Acme SARL', address: ['Lyon'] }, grid: GRID, syntecIndex: 274.7, syntecIndexDate: '2019-10-31' },
    adminUser,
  );
});
afterAll(async () => h.close());

async function newTicket(title: string, now: number): Promise<number> {
  return h.collector.tickets.create({ clientId, title, description: title, channel: 'email', receivedAt: now }, { system: 'test' }, now);
}

describe('contract term and notice (art. 6)', () => {
  it.each([
    ['6 first year', '2025-03-15', '2025-03-15', 0, '2025-03-15', '2026-03-14'],
    ['6 last day of the first year', '2025-03-15', '2026-03-14', 0, '2025-03-15', '2026-03-14'],
    ['6 tacit renewal: the second year starts on the anniversary', '2025-03-15', '2026-03-15', 1, '2026-03-15', '2027-03-14'],
    ['6 fourth year', '2025-03-15', '2029-01-01', 3, '2028-03-15', '2029-03-14'],
    ['6 signed on 29 February', '2024-02-29', '2025-03-01', 1, '2025-02-28', '2026-02-27'],
  ])('%s', (_c, start, on, index, termStart, termEnd) => {
    expect(termOn(start, 12, on)).toEqual({ index, start: termStart, end: termEnd });
  });

  it.each([
    ['6 three months from reception', '2026-03-15', undefined, '2026-06-15'],
    ['6 three months from 30 November ends on the last day of February', '2026-11-30', undefined, '2027-02-28'],
    ['6 a later end date may be asked for', '2026-03-15', '2026-12-31', '2026-12-31'],
  ])('%s', (_c, received, requested, end) => {
    expect(noticeEndDate(received, 3, requested)).toBe(end);
  });

  it('6 refuses an end before three months, or a shorter notice period', () => {
    expect(() => noticeEndDate('2026-03-15', 3, '2026-06-14')).toThrow(/préavis de 3 mois/);
    expect(() => noticeEndDate('2026-03-15', 2)).toThrow(/trois mois/);
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
  });

  it('6 a notice through the API sets the end; a second one conflicts; nothing is billed after the end', async () => {
    const c2 = await h.collector.tenants.createClient('Initech');
    await h.collector.billing.putContract(
      c2,
      { startDate: '2025-06-01', buyer: { name: 'Initech', address: ['Paris'] }, grid: GRID, syntecIndex: 274.7, syntecIndexDate: '2019-10-31' },
      adminUser,
    );
    const r = await admin.post(`/api/v1/billing/clients/${c2}/contract/notice`, { receivedOn: '2026-09-10', from: 'client' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ receivedOn: '2026-09-10', from: 'client', endDate: '2026-12-10' });
    expect((await admin.post(`/api/v1/billing/clients/${c2}/contract/notice`, { receivedOn: '2026-09-11', from: 'client' })).status).toBe(409);
    const contract = await admin.get(`/api/v1/billing/clients/${c2}/contract?asOf=2026-12-11`);
    expect(contract.body).toMatchObject({ ended: true, tacitRenewals: 1, notice: { endDate: '2026-12-10' } });
    const q = await admin.post('/api/v1/billing/quote', { clientId: c2, kind: 'urgent', mode: 'remote', minutes: 30, date: '2026-12-11' });
    expect(q.status).toBe(400);
    expect(q.body.error.message).toMatch(/fin du contrat/);
  });
});

describe('recurring interventions (art. 2.6.1)', () => {
  let scheduleId: number;
  let ticketId: number;
  const occ = async (date: LocalDate, now: number) => {
    const s = await h.collector.billing.schedule(scheduleId, now);
    const o = s!.occurrences.find((x) => x.date === date);
    if (!o) throw new Error(`no occurrence on ${date}`);
    return o;
  };

  it('2.6.1 a monthly programme starts at least 5 business days after the request', async () => {
    const now = at('2026-01-02');
    ticketId = await newTicket('Maintenance mensuelle du serveur', now);
    const b = h.collector.billing;
    await expect(
      b.createSchedule(
        clientId,
        { ticketId, title: 'x', mode: 'remote', period: 'monthly', firstDate: '2026-01-08', startTime: '09:00', reservedMinutes: 120 },
        techUser,
        now,
      ),
    ).rejects.toThrow(/5 jours ouvrés/);
    scheduleId = await b.createSchedule(
      clientId,
      { ticketId, title: 'Maintenance mensuelle', mode: 'remote', period: 'monthly', firstDate: '2026-01-15', startTime: '09:00', reservedMinutes: 180 },
      techUser,
      now,
    );
    const s = await b.schedule(scheduleId, now);
    // Issue 18, point 6: 15 February and 15 March 2026 are Sundays, held on the Monday after.
    expect(s!.occurrences.slice(0, 5).map((o) => [o.date, o.moved_from])).toEqual([
      ['2026-01-15', null],
      ['2026-02-16', '2026-02-15'],
      ['2026-03-16', '2026-03-15'],
      ['2026-04-15', null],
      ['2026-05-15', null],
    ]);
    expect(s!.occurrences).toHaveLength(12);
  });

  it.each([
    // [clause, received (Paris), occurrence changed, accepted]
    ['2.6.1 received 5 business days before the next occurrence (6 May → 15 May): accepted', '2026-05-06', true],
    ['2.6.1 received 7 May: 8 May and Ascension are holidays, only 4 business days left: refused', '2026-05-07', false],
  ] as const)('%s', async (_c, received, accepted) => {
    const now = at(received, 11);
    const o = await occ('2026-05-15', now);
    const p = h.collector.billing.requestChange(scheduleId, o.id, { minutes: 120 }, now, clientUser);
    if (accepted) await expect(p).resolves.toMatchObject({ accepted: true });
    else
      await expect(p).rejects.toMatchObject({
        code: 'VIGIE_E_CONFLICT',
        message: expect.stringMatching(/moins de 5 jours ouvrés avant la prochaine intervention du 2026-05-15/),
      });
    const s = await h.collector.billing.schedule(scheduleId, now);
    expect(s!.changes.at(-1)).toMatchObject({ accepted: accepted ? 1 : 0, requested_minutes: 120 });
  });

  it('2.6.1 a change concerns the programme: too close to the next occurrence, even a far one cannot move', async () => {
    const now = at('2026-06-10', 9);
    const far = await occ('2026-09-15', now);
    // Next occurrence is 15 June: 3 business days away.
    await expect(h.collector.billing.requestChange(scheduleId, far.id, { date: '2026-09-16' }, now, clientUser)).rejects.toThrow(/2026-06-15/);
    const t = await h.collector.tickets.get(ticketId);
    expect(t!.timeline.filter((e: any) => e.type === 'recurring').map((e: any) => e.text.split(' :')[0])).toEqual([
      'Programmation récurrente (mensuelle)',
      'Changement accepté',
      'Changement refusé',
      'Changement refusé',
    ]);
  });

  it('2.6.1 the reserved time is billed in full; three occurrences far below it shorten the next ones, and the client is told', async () => {
    const b = h.collector.billing;
    const weekly = await newTicket('Assistance hebdomadaire', at('2026-06-01'));
    const id = await b.createSchedule(
      clientId,
      { ticketId: weekly, title: 'Assistance', mode: 'remote', period: 'weekly', firstDate: '2026-06-08', startTime: '14:00', reservedMinutes: 180 },
      techUser,
      at('2026-06-01'),
    );
    const s0 = await b.schedule(id, at('2026-06-01'));
    const dates = s0!.occurrences.map((o) => o.date);
    expect(dates.slice(0, 4)).toEqual(['2026-06-08', '2026-06-15', '2026-06-22', '2026-06-29']);
    // The client moves the 13 July occurrence to 150 min, in time.
    const july13 = s0!.occurrences.find((o) => o.date === '2026-07-13')!;
    await b.requestChange(id, july13.id, { minutes: 150 }, at('2026-06-01'), clientUser);
    for (const [i, minutes] of [40, 35, 45].entries()) {
      const o = s0!.occurrences[i]!;
      const rec = await b.recordIntervention(
        weekly,
        { date: o.date, minutes, kind: 'programmed', mode: 'remote', occurrenceId: o.id },
        techUser,
        at(o.date, 17),
      );
      // 180 min reserved → billed as 180 min at the lowest cost (one half-day, 260 €), not 40 min.
      expect(rec).toMatchObject({ programmed_mode: 'recurring', minutes, unit: 'half_day', amount_cents: 26000 });
      expect(rec.amount_cents).toBe(quote(GRID, 'programmed', 'remote', 180).amountCents);
      expect(rec.rule).toMatch(/réservées facturées en totalité \(art\. 2\.6\.1\)/);
    }
    const s1 = await b.schedule(id, at('2026-06-23'));
    const next = s1!.occurrences.filter((o) => o.date > '2026-06-22');
    // Longest 45 min + 25 % → 60 min (next quarter-hour); the client's own change is kept.
    expect(next.map((o) => [o.date, o.reserved_minutes]).slice(0, 4)).toEqual([
      ['2026-06-29', 60],
      ['2026-07-06', 60],
      ['2026-07-13', 150],
      ['2026-07-20', 60],
    ]);
    const t = await h.collector.tickets.get(weekly);
    const note = t!.timeline.filter((e: any) => e.type === 'recurring').at(-1) as any;
    expect(note.author).toBe('system:billing');
    expect(note.text).toMatch(/Ajustement automatique.*art\. 2\.6\.1.*40 min sur 180.*60 min au lieu de 180 min/);
    // The following occurrence is then billed on its new reservation.
    const o4 = s1!.occurrences.find((o) => o.date === '2026-06-29')!;
    const rec = await b.recordIntervention(
      weekly,
      { date: o4.date, minutes: 20, kind: 'programmed', mode: 'remote', occurrenceId: o4.id },
      techUser,
      at(o4.date, 17),
    );
    expect(rec.amount_cents).toBe(quote(GRID, 'programmed', 'remote', 60).amountCents);
  });
});

describe('Syntec price revision (art. 5.2)', () => {
  it('5.2 proposes the grid at its cap, refuses any price above it, keeps each grid with its validity', async () => {
    expect((await admin.post('/api/v1/billing/syntec', { publishedOn: '2026-10-31', value: 290.1 })).status).toBe(201);
    const p = await admin.get(`/api/v1/billing/clients/${clientId}/revision?validFrom=2027-01-01`);
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    expect(p.body).toMatchObject({ s0: 274.7, s1: 290.1 });
    // P1 = ⌊11 000 × (290.1 / 274.7 + 0.01)⌋ = 11 726.
    expect(p.body.proposedGrid.urgent.remote.hour).toBe(11726);
    const above = structuredClone(p.body.proposedGrid);
    above.urgent.remote.hour = 11727;
    const refused = await admin.post(`/api/v1/billing/clients/${clientId}/revision`, { validFrom: '2027-01-01', grid: above });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/urgent\/remote\/hour : 11727 > plafond 11726/);
    expect(refused.body.error.details.violations).toHaveLength(1);
    expect((await admin.get(`/api/v1/billing/clients/${clientId}/contract?asOf=2027-01-02`)).body.grids).toHaveLength(1);
    const notJanuary = await admin.post(`/api/v1/billing/clients/${clientId}/revision`, { validFrom: '2027-02-01', grid: p.body.proposedGrid });
    expect(notJanuary.body.error.message).toMatch(/1er janvier/);
    const ok = await admin.post(`/api/v1/billing/clients/${clientId}/revision`, { validFrom: '2027-01-01', grid: p.body.proposedGrid });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.contract.grids.map((g: any) => [g.validFrom, g.validTo, g.reason, g.syntecIndex])).toEqual([
      ['2025-01-01', '2026-12-31', 'initial', 274.7],
      ['2027-01-01', null, 'revision', 290.1],
    ]);
    expect((await admin.post(`/api/v1/billing/clients/${clientId}/revision`, { validFrom: '2027-01-01', grid: p.body.proposedGrid })).status).toBe(409);
    // The quote uses the grid in force on its date.
    const q = (date: string) => admin.post('/api/v1/billing/quote', { clientId, kind: 'urgent', mode: 'remote', minutes: 60, date });
    expect((await q('2026-12-31')).body.amountCents).toBe(11000);
    expect((await q('2027-01-04')).body.amountCents).toBe(11726);
  });

  it('5.2 the ratio is never below 1: an index going down still allows +1 %, from the last revision’s index', async () => {
    await admin.post('/api/v1/billing/syntec', { publishedOn: '2027-10-31', value: 285 });
    const p = await admin.get(`/api/v1/billing/clients/${clientId}/revision?validFrom=2028-01-01`);
    expect(p.body).toMatchObject({ s0: 290.1, s1: 285 });
    expect(p.body.proposedGrid.urgent.remote.hour).toBe(Math.floor(11726 * 1.01));
  });
});

describe('invoices, credit notes, payments, disputes and penalties (art. 5.1)', () => {
  let ticketId: number;
  let cid: number;
  let hooliUser: SessionUser;
  const b = () => h.collector.billing;
  const inv = () => h.collector.invoices;
  const getInv = async (id: number, asOf: string): Promise<any> => h.collector.invoices.get(id, asOf);
  const listInv = async (f: object, asOf: string): Promise<any[]> => h.collector.invoices.list(f, asOf);

  beforeAll(async () => {
    // A client of its own, so that the other tests' interventions are not on its invoices.
    cid = await h.collector.tenants.createClient('Hooli');
    await h.collector.billing.putContract(
      cid,
      { startDate: '2025-01-01', buyer: { name: 'Hooli', address: ['Lyon'] }, grid: GRID, syntecIndex: 274.7, syntecIndexDate: '2019-10-31' },
      adminUser,
    );
    await h.collector.auth.createUser({ email: 'compta@hooli.test', name: 'Compta Hooli', role: 'client', clientId: cid, passwordHash: 'x' });
    hooliUser = await user('compta@hooli.test');
    ticketId = await h.collector.tickets.create(
      { clientId: cid, title: 'Incidents de novembre', description: 'x', channel: 'email', receivedAt: at('2026-11-02') },
      { system: 'test' },
      at('2026-11-02'),
    );
    await b().addEcbRate('2025-06-11', 215, adminUser);
  });

  it('5.1 the month must be over; nothing billable issues nothing and uses no number', async () => {
    await expect(inv().generate(cid, '2026-11', at('2026-11-30', 23))).rejects.toThrow(/n’est pas terminé/);
    expect(await inv().generate(cid, '2026-10', at('2026-11-01'))).toBeNull();
  });

  it('5.1 numbers are gap-free per year of issue; a cancelled invoice is replaced by a rectifying one', async () => {
    await b().recordIntervention(ticketId, { date: '2026-11-03', minutes: 50, kind: 'urgent', mode: 'remote' }, techUser, at('2026-11-03', 18));
    await b().recordIntervention(ticketId, { date: '2026-11-05', minutes: 25, kind: 'urgent', mode: 'remote' }, techUser, at('2026-11-05', 18));
    const nov = await inv().generate(cid, '2026-11', at('2026-12-01', 6));
    expect(nov).toMatchObject({
      number: 'F2026-0001',
      issued_on: '2026-12-01',
      due_on: '2026-12-31',
      total_excl_cents: 11000 + 6000,
      vat_cents: 3400,
      total_incl_cents: 20400,
    });
    // Wrong duration noticed: cancel with a credit note that releases the items, fix, re-invoice.
    const cn = await inv().creditNote(nov!.id, { reason: 'durée erronée', release: true }, adminUser, at('2026-12-02'));
    expect(cn).toMatchObject({ number: 'AV2026-0001', kind: 'credit_note', total_incl_cents: -20400 });
    const [first] = await b().interventions({ clientId: cid, from: '2026-11-03', to: '2026-11-03' });
    await b().updateIntervention(first!.id, { minutes: 70 }, techUser, at('2026-12-02'));
    const again = await inv().generate(cid, '2026-11', at('2026-12-03'));
    expect(again).toMatchObject({ number: 'F2026-0002', corrects_invoice_id: nov!.id });
    // 70 min → 5 quarter-hours (150 €) beat 2 hours (220 €).
    expect(again!.total_excl_cents).toBe(15000 + 6000);
    expect(JSON.parse(again!.document).note).toMatch(/remplace la facture F2026-0001/);
    const old = await getInv(nov!.id, '2026-12-03');
    expect(old).toMatchObject({ status: 'cancelled', balanceCents: 0 });
    // December's invoice, issued in January, opens the 2027 series.
    await b().recordIntervention(ticketId, { date: '2026-12-10', minutes: 15, kind: 'urgent', mode: 'remote' }, techUser, at('2026-12-10', 18));
    const dec = await inv().generate(cid, '2026-12', at('2027-01-01', 6));
    expect(dec!.number).toBe('F2027-0001');
    const numbers = (await listInv({}, '2027-01-01')).map((i) => i.number).sort();
    expect(numbers).toEqual(['AV2026-0001', 'F2026-0001', 'F2026-0002', 'F2027-0001']);
  });

  it('5.1 late penalties: ECB rate + 10 points pro rata per day from the day after the due date, plus 40 € once', async () => {
    const [rect] = (await listInv({ clientId: cid, year: 2026 }, '2027-01-30')).filter((i) => i.number === 'F2026-0002');
    // Due 2027-01-02 (issued 2026-12-03 + 30 days); 28 days late on 2027-01-30.
    expect(rect).toMatchObject({ status: 'overdue', dueOn: '2027-01-02', balanceCents: 25200 });
    const interest = Math.round((25200 * 1215 * 28) / 3_650_000);
    expect(rect!.penalty).toEqual({ daysLate: 28, annualRateBp: 1215, interestCents: interest, indemnityCents: 4000, totalCents: interest + 4000 });
    // Half paid late on 2027-01-12 (10 days), the rest still due on 2027-01-30.
    await inv().addPayment(rect!.id, { paidOn: '2027-01-12', amountCents: 12600, method: 'transfer' }, adminUser, at('2027-01-30'));
    const after = await getInv(rect!.id, '2027-01-30');
    const expected = Math.round((12600 * 1215 * 10) / 3_650_000) + Math.round((12600 * 1215 * 28) / 3_650_000);
    expect(after!.penalty).toMatchObject({ interestCents: expected, indemnityCents: 4000 });
    await expect(
      inv().addPayment(rect!.id, { paidOn: '2027-01-30', amountCents: 12601, method: 'transfer' }, adminUser, at('2027-01-30')),
    ).rejects.toMatchObject({
      details: { reason: 'payment_above_balance', balanceCents: 12600 },
    });
    await inv().addPayment(rect!.id, { paidOn: '2027-01-30', amountCents: 12600, method: 'direct_debit' }, adminUser, at('2027-01-30'));
    expect(await getInv(rect!.id, '2027-01-30')).toMatchObject({ status: 'paid', balanceCents: 0 });
  });

  it('5.1 a dispute notified before the due date suspends it until settled; one after it is refused', async () => {
    const dec = (await listInv({ clientId: cid, year: 2027 }, '2027-01-05')).find((i) => i.number === 'F2027-0001')!;
    expect(dec.dueOn).toBe('2027-01-31');
    // Too late: after the due date.
    await expect(
      inv().openDispute(dec.id, { reason: 'Intervention du 10 décembre non demandée par nos services.' }, hooliUser, at('2027-02-01')),
    ).rejects.toThrow(/hors délai/);
    // In time, from the portal: open 10 January, settled 25 January → due date pushed back 15 days.
    await inv().openDispute(dec.id, { reason: 'Intervention du 10 décembre non demandée par nos services.' }, hooliUser, at('2027-01-10'));
    expect(await getInv(dec.id, '2027-01-20')).toMatchObject({ status: 'disputed', effectiveDueOn: null, penalty: { daysLate: 0, totalCents: 0 } });
    await expect(inv().openDispute(dec.id, { reason: 'Une deuxième contestation sur la même facture.' }, hooliUser, at('2027-01-11'))).rejects.toThrow(
      /déjà ouvert/,
    );
    const disputeId = (await getInv(dec.id, '2027-01-20'))!.disputes![0]!.id;
    await inv().settleDispute(
      disputeId,
      { settledOn: '2027-01-25', settlement: 'Accord amiable : geste commercial de 10 €', creditExclCents: 1000 },
      adminUser,
      at('2027-01-25'),
    );
    const v = await getInv(dec.id, '2027-02-20');
    expect(v).toMatchObject({ effectiveDueOn: '2027-02-15', status: 'overdue', creditedCents: 1200, balanceCents: 3600 - 1200 });
    expect(v!.penalty).toMatchObject({ daysLate: 5, indemnityCents: 4000 });
  });

  it('5.1 bad input changes nothing: editing an issued invoice, over-crediting, a credit on a credit note, negative amounts', async () => {
    const all = await listInv({ clientId: cid }, '2027-02-20');
    const dec = all.find((i) => i.number === 'F2027-0001')!;
    const credit = all.find((i) => i.kind === 'credit_note')!;
    await expect(inv().creditNote(dec.id, { reason: 'trop', amountExclCents: 10_000 }, adminUser, at('2027-02-20'))).rejects.toThrow(
      /supérieur au montant restant/,
    );
    await expect(inv().creditNote(credit.id, { reason: 'x' }, adminUser, at('2027-02-20'))).rejects.toThrow(/avoir ne se corrige pas/);
    await expect(inv().addPayment(dec.id, { paidOn: '2027-02-20', amountCents: -5, method: 'transfer' }, adminUser, at('2027-02-20'))).rejects.toThrow(
      /invalide/,
    );
    const [first] = await b().interventions({ clientId: cid, from: '2026-12-10', to: '2026-12-10' });
    await expect(b().updateIntervention(first!.id, { minutes: 5 }, techUser)).rejects.toMatchObject({ code: 'VIGIE_E_CONFLICT' });
    const r = await fetch(`${h.url}/api/v1/billing/invoices/${dec.id}`, { method: 'DELETE', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf } });
    expect(r.status).toBe(409);
    expect((await listInv({ clientId: cid }, '2027-02-20')).length).toBe(all.length);
  });

  it('2.6 bad intervention input: end before start, zero or negative durations, expenses on remote work, another client’s ticket', async () => {
    const t = ticketId;
    const cases: [string, object, RegExp][] = [
      ['end before start', { startedAt: at('2026-11-10', 12), endedAt: at('2026-11-10', 11) }, /fin.*suivre son début/],
      ['zero minutes', { date: '2026-11-10', minutes: 0 }, /Durée invalide/],
      ['negative minutes', { date: '2026-11-10', minutes: -15 }, /Durée invalide/],
      ['expenses on remote work', { date: '2026-11-10', minutes: 30, mode: 'remote', travelCents: 1000 }, /seulement pour une intervention sur site/],
      ['negative expenses', { date: '2026-11-10', minutes: 30, mode: 'on_site', mealCents: -1 }, /Frais meal invalides/],
      ['more than a day', { date: '2026-11-10', minutes: 1500 }, /au plus 24 h/],
    ];
    const before = (await b().interventions({ clientId: cid })).length;
    for (const [what, body, message] of cases) await expect(b().recordIntervention(t, body, techUser), what).rejects.toThrow(message);
    expect((await b().interventions({ clientId: cid })).length).toBe(before);
    const globexTicket = await h.collector.tickets.create({ clientId: h.globex.clientId, title: 'x', description: 'x', channel: 'email' }, { system: 'test' });
    await expect(b().recordIntervention(globexTicket, { date: '2026-11-10', minutes: 30 }, techUser)).rejects.toThrow(/pas de contrat/);
  });

  it('3 the finance view: invoiced, paid, outstanding, overdue and disputed per month, three months back', async () => {
    const months = await inv().finance(cid, '2027-01-20');
    expect(months.map((m) => m.month)).toEqual(['2026-11', '2026-12', '2027-01']);
    expect(months[1]).toMatchObject({ invoicedInclCents: 20400 - 20400 + 25200, paidCents: 0, outstandingCents: 25200, overdueCents: 0 });
    expect(months[2]).toMatchObject({ invoicedInclCents: 3600, paidCents: 12600, outstandingCents: 12600 + 3600, overdueCents: 12600, disputedCents: 3600 });
    const series = await inv().finance(cid, '2027-01-20', 24);
    expect(series).toHaveLength(24);
    expect(series[0]!.month).toBe('2025-02');
    // The same figures from a store that counts statements: the client's invoices, payments and
    // disputes are read once, whatever the number of months and invoices (the statistics ask 24 months).
    let statements = 0;
    const counted: RelationalStore = {
      dialect: h.collector.db.dialect,
      kysely: h.collector.db.kysely.withPlugin({
        transformQuery: (a) => {
          if (a.node.kind === 'SelectQueryNode') statements++;
          return a.node;
        },
        transformResult: async (a) => a.result,
      }),
    };
    const finance = new ClientFinance(counted, new InvoiceRepository(counted), new PaymentRepository(counted), new DisputeRepository(counted));
    expect(await finance.finance(cid, '2027-01-20', 24)).toEqual(series);
    expect(statements).toBe(3);
    expect(await finance.finance(cid, '2027-01-20')).toEqual(months);
    expect(statements).toBe(6);
  });
});

describe('supplied hardware warranties (art. 2.4, 3)', () => {
  it('2.4 a rule warns 90 days before a supplied item’s warranty ends, once per item', async () => {
    const b = h.collector.billing;
    const order = await b.createOrder(
      clientId,
      {
        supplier: 'Bechtle',
        orderedOn: '2025-11-20',
        lines: [
          { description: 'Switch 24 ports', unitPriceCents: 45000, quantity: 1, warrantyMonths: 12 },
          { description: 'NAS Synology', unitPriceCents: 120000, quantity: 1, warrantyMonths: 24 },
        ],
      },
      techUser,
    );
    const lines = (await b.orders(clientId)).find((o) => o.id === order)!.lines as { id: number }[];
    await b.deliverOrder(order, {
      deliveredOn: '2025-12-01',
      items: [
        { lineId: lines[0]!.id, serial: 'SW-001' },
        { lineId: lines[1]!.id, serial: 'NAS-001' },
      ],
    });
    const items = await b.suppliedItems(clientId);
    expect(items.filter((i) => i.order_id === order).map((i) => [i.serial, i.warranty_end])).toEqual([
      ['SW-001', '2026-11-30'],
      ['NAS-001', '2027-11-30'],
    ]);
    await h.collector.rules.evaluate(at('2026-09-15'));
    const incidents = await h.collector.db.kysely
      .selectFrom('incidents')
      .select(['target', 'message', 'ticket_id'])
      .where('target', 'like', 'item:%')
      .orderBy('id')
      .execute();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.message).toMatch(/Switch 24 ports.*SW-001.*fin le 2026-11-30, dans 76 jours/);
    const t = await h.collector.tickets.get(incidents[0]!.ticket_id!);
    expect(t).toMatchObject({ clientId, channel: 'monitoring' });
    await h.collector.rules.evaluate(at('2026-09-16'));
    const again = await h.collector.db.kysely.selectFrom('incidents').select('id').where('target', 'like', 'item:%').execute();
    expect(again).toHaveLength(1);
  });

  it('2.4 bad delivery input: a count that does not match the order, a duplicate serial, delivering twice', async () => {
    const b = h.collector.billing;
    const order = await b.createOrder(
      clientId,
      { supplier: 'LDLC', orderedOn: '2026-10-01', lines: [{ description: 'Écran 27"', unitPriceCents: 21000, quantity: 2 }] },
      techUser,
    );
    const lineId = ((await b.orders(clientId)).find((o) => o.id === order)!.lines as { id: number }[])[0]!.id;
    await expect(b.deliverOrder(order, { deliveredOn: '2026-10-05', items: [{ lineId, serial: 'A' }] })).rejects.toThrow(
      /2 article\(s\) commandé\(s\), 1 livré/,
    );
    await expect(
      b.deliverOrder(order, {
        deliveredOn: '2026-10-05',
        items: [
          { lineId, serial: 'A' },
          { lineId, serial: ' a ' },
        ],
      }),
    ).rejects.toThrow(/en double/);
    await expect(b.deliverOrder(order, { deliveredOn: '2026-09-05', items: [{ lineId }, { lineId }] })).rejects.toThrow(/antérieure à la commande/);
    await b.deliverOrder(order, {
      deliveredOn: '2026-10-05',
      items: [
        { lineId, serial: 'E-1' },
        { lineId, serial: 'E-2' },
      ],
    });
    await expect(b.deliverOrder(order, { deliveredOn: '2026-10-05', items: [{ lineId }, { lineId }] })).rejects.toThrow(/déjà livrée/);
  });
});
