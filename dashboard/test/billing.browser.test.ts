import { parisDate } from '@vigie/shared';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedBilling } from './billing-seed.js';
import { launch, screenshot, signIn, type TestBrowser } from './browser.js';
import { apiSession, PASSWORD, type Seeded, startSeededCollector } from './seed.js';

// Issue 6's data in the technician's view: every client's invoices with status, balance and
// late-payment penalties, a month's invoicing, payments; a client's contract, grids and next
// year's revision; a supply order delivered with serials; a DEEE pickup and its BSD.
let s: Seeded;
let tb: TestBrowser;
let admin: Page;
let api: Awaited<ReturnType<typeof apiSession>>;
let overdueNumber: string;

const text = async (page: Page, sel: string) => ((await page.locator(sel).first().textContent()) ?? '').replace(/[\u00a0\u202f]/g, ' ');
const euros = (cents: number) => new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(cents / 100).replace(/[\u00a0\u202f]/g, ' ');
const day = (d: string) => new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.parse(`${d}T12:00:00Z`));
function monthsAgo(n: number): string {
  const [y, m] = parisDate(Date.now()).split('-').map(Number) as [number, number];
  const i = y * 12 + (m - 1) - n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}
const invoiceOf = async (number: string) => (await api.get('/api/v1/billing/invoices')).invoices.find((i: any) => i.number === number);

beforeAll(async () => {
  const t0 = Date.now();
  s = await startSeededCollector(0);
  await seedBilling(s);
  api = await apiSession(s.url, 'admin@vigie.test');
  // Globex: an intervention four months ago, invoiced 80 days ago, still unpaid (30-day term): overdue.
  const tech = await apiSession(s.url, 'tech@vigie.test');
  const old = monthsAgo(4);
  const ticket = await tech.post('/api/v1/tickets', {
    clientId: s.globex.clientId,
    title: 'Messagerie en panne',
    description: 'Plus aucun message ne part depuis ce matin.',
    channel: 'email',
    receivedAt: Date.parse(`${old}-14T08:00:00Z`),
  });
  await tech.post(`/api/v1/tickets/${ticket.id}/interventions`, { date: `${old}-15`, minutes: 120, kind: 'programmed', mode: 'on_site' });
  overdueNumber = (await s.collector.invoices.generate(s.globex.clientId, old, Date.now() - 80 * 86_400_000))!.number;
  // And one two months ago, not invoiced yet.
  await tech.post(`/api/v1/tickets/${ticket.id}/interventions`, { date: `${monthsAgo(2)}-10`, minutes: 45, kind: 'programmed', mode: 'remote' });
  tb = await launch();
  admin = (await tb.page()).page;
  await signIn(admin, s.url, 'admin@vigie.test', PASSWORD);
  console.log(`[billing] collector seeded and Chromium started in ${Date.now() - t0} ms`);
});

afterAll(async () => {
  await tb?.close();
  await s?.close();
});

describe('invoices of every client', () => {
  it('lists them with status and balance, and computes late-payment penalties once the ECB rate is entered', async () => {
    await admin.goto(`${s.url}/#/billing`);
    const overdue = admin.locator(`tr[data-invoice="${overdueNumber}"]`);
    await expect.poll(() => overdue.getByTestId('status').textContent()).toBe('En retard');
    // The client's name comes with the clients list, which may answer after the invoices ("#2" until then).
    await expect.poll(() => overdue.textContent()).toContain('Globex SAS');
    // No ECB rate yet: the collector says why there is no penalty.
    expect(await overdue.getByTestId('penalty').textContent()).toMatch(/BCE/);
    await admin
      .getByTestId('ecb-form')
      .getByLabel('Applicable à partir du')
      .fill(`${Number(parisDate(Date.now()).slice(0, 4)) - 2}-01-01`);
    await admin.getByTestId('ecb-form').getByLabel('Taux (%)').fill('2,15');
    await admin.getByTestId('ecb-form').getByRole('button', { name: 'Ajouter' }).click();
    await expect.poll(async () => (await admin.getByTestId('ecb-rates').textContent())?.replace(/[\u00a0\u202f]/g, ' ')).toContain('2,15 %');
    // The page reads the invoices again: the penalty is the collector's, in euros.
    await admin.reload();
    const inv = await invoiceOf(overdueNumber);
    expect(inv.penalty.daysLate).toBeGreaterThan(40);
    await expect
      .poll(async () => (await overdue.getByTestId('penalty').textContent())?.replace(/[\u00a0\u202f]/g, ' '))
      .toBe(`${euros(inv.penalty.totalCents)}${inv.penalty.daysLate} j de retard · intérêts ${euros(inv.penalty.interestCents)} + indemnité 40,00 €`);
    const all = (await api.get('/api/v1/billing/invoices')).invoices as any[];
    const outstanding = all.filter((i) => ['due', 'overdue', 'disputed'].includes(i.status)).reduce((n, i) => n + i.balanceCents, 0);
    expect(await text(admin, '[data-testid=invoice-totals]')).toBe(`Restant dû : ${euros(outstanding)} · dont en retard : ${euros(inv.balanceCents)}`);
    await screenshot(admin, 'billing-invoices');
  });

  it('records a partial payment then the rest, and refuses one above the balance with the collector’s reason', async () => {
    const acmeNumber = ((await api.get(`/api/v1/billing/invoices?clientId=${s.acme.clientId}`)).invoices as any[])[0].number;
    const row = admin.locator(`tr[data-invoice="${acmeNumber}"]`);
    const total = (await invoiceOf(acmeNumber)).totalInclCents;
    await row.getByRole('button', { name: 'Règlement' }).click();
    const form = admin.getByTestId('payment-form');
    expect((await form.getByLabel('Montant (€)').inputValue()).replace(/[\u00a0\u202f]/g, ' ')).toBe(euros(total).replace(' €', ''));
    await form.getByLabel('Montant (€)').fill('100');
    await form.getByLabel('Moyen de paiement').selectOption('cheque');
    await form.getByLabel('Référence').fill('Chèque n° 4411');
    await form.getByRole('button', { name: 'Enregistrer le règlement' }).click();
    await expect.poll(async () => (await row.getByTestId('balance').textContent())?.replace(/[\u00a0\u202f]/g, ' ')).toBe(euros(total - 10_000));
    expect(await row.getByTestId('status').textContent()).toBe('À payer');
    expect(await text(admin, `tr[data-invoice="${acmeNumber}"] + tr [data-testid=payments]`)).toContain(`: 100,00 € (chèque) · Chèque n° 4411`);

    await row.getByRole('button', { name: 'Règlement' }).click();
    await form.getByRole('button', { name: 'Enregistrer le règlement' }).click();
    await expect.poll(() => row.getByTestId('status').textContent()).toBe('Payée');
    expect((await invoiceOf(acmeNumber)).balanceCents).toBe(0);

    const overdue = admin.locator(`tr[data-invoice="${overdueNumber}"]`);
    await overdue.getByRole('button', { name: 'Règlement' }).click();
    await form.getByLabel('Montant (€)').fill('99999');
    await form.getByRole('button', { name: 'Enregistrer le règlement' }).click();
    await expect
      .poll(() => text(admin, '[data-testid=payment-form] .error'))
      .toMatch(/^Règlement supérieur au solde dû\s: il reste \d[\d\s]*,\d{2}\s€ à régler sur cette facture\.$/);
  });

  it('offers each invoice as Factur-X PDF, XML and UBL, with its e-mail delivery; an admin asks for a sending (issue 19)', async () => {
    await admin.goto(`${s.url}/#/billing`);
    const row = admin.locator(`tr[data-invoice="${overdueNumber}"]`);
    await row.waitFor();
    for (const kind of ['pdf', 'xml', 'ubl']) {
      const file = await admin.request.get(`${s.url}${await row.getByTestId(kind).getAttribute('href')}`);
      expect(file.status(), kind).toBe(200);
      expect(file.headers()['content-type'], kind).toBe(kind === 'pdf' ? 'application/pdf' : 'application/xml; charset=utf-8');
    }
    // No SMTP relay in this collector: the sending is shown skipped, with the reason, and asking again says the same.
    await expect.poll(() => row.getByTestId('delivery').getAttribute('data-status')).toBe('skipped');
    expect(await text(admin, `tr[data-invoice="${overdueNumber}"] [data-testid=delivery]`)).toContain('Non envoyée');
    expect(await text(admin, `tr[data-invoice="${overdueNumber}"] [data-testid=delivery]`)).toContain('no SMTP relay configured');
    const before = (await api.get(`/api/v1/billing/invoices/${(await invoiceOf(overdueNumber)).id}/deliveries`)).deliveries[0].attempts;
    await row.getByTestId('send-invoice').click();
    await expect
      .poll(async () => (await api.get(`/api/v1/billing/invoices/${(await invoiceOf(overdueNumber)).id}/deliveries`)).deliveries[0].attempts)
      .toBe(before + 1);
  });

  it('invoices a month for every client under contract', async () => {
    const month = monthsAgo(2);
    const form = admin.getByTestId('generate-invoices');
    await form.getByLabel('Mois').fill(month);
    await form.getByRole('button', { name: 'Émettre les factures' }).click();
    // Issue 18, point 7: an invoice run is confirmed first, saying what it does and that it is final.
    const confirm = admin.getByTestId('confirm');
    await expect.poll(async () => (await confirm.getByTestId('confirm-body').textContent()) ?? '').toContain('numéro définitif');
    await confirm.getByTestId('confirm-ok').click();
    const results = admin.getByTestId('generate-results');
    await expect.poll(() => results.textContent()).toContain('Acme SARL · rien à facturer');
    const created = ((await api.get(`/api/v1/billing/invoices?clientId=${s.globex.clientId}`)).invoices as any[]).find((i) => i.periodStart === `${month}-01`);
    expect(await results.textContent()).toContain(`Globex SAS · ${created.number}`);
    await expect.poll(() => admin.locator(`tr[data-invoice="${created.number}"] [data-testid=status]`).textContent()).toBe('À payer');
  });
});

describe('a client’s contract, supplies and DEEE pickups', () => {
  it('shows the contract’s term, renewals and grids, and applies next January’s revision once the Syntec index is entered', async () => {
    await admin.goto(`${s.url}/#/billing/clients/${s.acme.clientId}`);
    await expect.poll(() => text(admin, '[data-testid=billing-client]')).toBe('Facturation — Acme SARL');
    const contract = await api.get(`/api/v1/billing/clients/${s.acme.clientId}/contract`);
    await expect.poll(() => text(admin, '[data-testid=current-term]')).toBe(`du ${day(contract.currentTerm.start)} au ${day(contract.currentTerm.end)}`);
    expect(await text(admin, '[data-testid=renewals]')).toBe(String(contract.tacitRenewals));
    const initial = admin.locator(`[data-grid="${contract.startDate}"]`);
    expect(await initial.textContent()).toContain(`Depuis le ${day(contract.startDate)}`);
    expect(await text(admin, `[data-grid="${contract.startDate}"] tr[data-row="programmed.on_site"] td[data-unit=day]`)).toBe('600,00 €');

    const next = `${Number(parisDate(Date.now()).slice(0, 4)) + 1}-01-01`;
    await expect.poll(() => text(admin, '[data-testid=revision-unavailable]')).toMatch(/Aucun indice Syntec/);
    await admin.getByTestId('syntec-form').getByLabel('Indice').fill('300,1');
    await admin.getByTestId('syntec-form').getByRole('button', { name: 'Ajouter' }).click();
    const proposal = await api.get(`/api/v1/billing/clients/${s.acme.clientId}/revision?validFrom=${next}`);
    await expect.poll(() => text(admin, '[data-testid=revision] p')).toContain('S0 274,7, dernier indice S1 300,1');
    expect(await text(admin, '[data-testid=proposed-grid] tr[data-row="urgent.remote"] td[data-unit=hour]')).toBe(
      `${euros(proposal.currentGrid.urgent.remote.hour)} → ${euros(proposal.proposedGrid.urgent.remote.hour)}`,
    );
    await admin.getByRole('button', { name: 'Appliquer la révision' }).click();
    // Issue 18, point 7: confirmed first, with the date, the cap and that it cannot be withdrawn.
    const confirm = admin.getByTestId('confirm');
    await expect.poll(async () => (await confirm.getByTestId('confirm-body').textContent()) ?? '').toContain('Une révision appliquée ne se retire pas.');
    expect(await confirm.getByTestId('confirm-body').textContent()).toContain(`À partir du ${day(next)}`);
    await confirm.getByTestId('confirm-ok').click();
    await expect.poll(() => text(admin, '[data-testid=revision-message]')).toBe(`Grille révisée applicable au ${day(next)}.`);
    const revised = admin.locator(`[data-grid="${next}"]`);
    await expect.poll(() => revised.textContent()).toContain(`Depuis le ${day(next)} révision annuelle · indice Syntec de référence 300,1`);
    expect(await text(admin, `[data-grid="${next}"] tr[data-row="urgent.remote"] td[data-unit=hour]`)).toBe(euros(proposal.proposedGrid.urgent.remote.hour));
    const dec31 = `${Number(next.slice(0, 4)) - 1}-12-31`;
    expect(await initial.textContent()).toContain(`Du ${day(contract.startDate)} au ${day(dec31)}`);
    await expect.poll(() => text(admin, '[data-testid=revision-unavailable]')).toMatch(/déjà été révisés/);
  });

  it('places a supply order, receives it with a serial number per item, and the item joins the client’s inventory', async () => {
    await admin.getByRole('button', { name: 'Nouvelle commande' }).click();
    const form = admin.getByTestId('order-form');
    await form.getByLabel('Fournisseur').fill('Econocom');
    await form.getByLabel('Référence').fill('CMD-7781');
    await form.locator('[data-line="0"]').getByLabel('Désignation').fill('Switch HP 1920-24G');
    await form.locator('[data-line="0"]').getByLabel('Prix unitaire HT (€)').fill('350');
    await form.locator('[data-line="0"]').getByLabel('Garantie (mois)').fill('36');
    await form.getByRole('button', { name: 'Ajouter une ligne' }).click();
    await form.locator('[data-line="1"]').getByLabel('Désignation').fill('Cordon RJ45 2 m');
    await form.locator('[data-line="1"]').getByLabel('Prix unitaire HT (€)').fill('3,00');
    await form.locator('[data-line="1"]').getByLabel('Quantité').fill('2');
    await form.getByRole('button', { name: 'Passer la commande' }).click();
    const row = admin.locator('tr[data-order="CMD-7781"]');
    await expect.poll(() => row.getByTestId('order-status').textContent()).toBe('Commandée');
    // Contract 2.4: the handling fee is a quarter of an hour of urgent remote work.
    expect((await row.textContent())?.replace(/[\u00a0\u202f]/g, ' ')).toContain('30,00 €');
    expect(await row.textContent()).toContain('2 × Cordon RJ45 2 m');

    await row.getByRole('button', { name: 'Réceptionner' }).click();
    const delivery = admin.getByTestId('delivery-form');
    expect(await delivery.locator('input[type=text]').count()).toBe(3);
    await delivery.getByLabel('N° de série — Switch HP 1920-24G (1)').fill('CN-SW-0042');
    await delivery.getByRole('button', { name: 'Enregistrer la livraison' }).click();
    await expect.poll(() => row.getByTestId('order-status').textContent()).toBe(`Livrée le ${day(parisDate(Date.now()))}`);
    const items = (await api.get(`/api/v1/billing/supplied-items?clientId=${s.acme.clientId}`)).items as any[];
    const sw = items.find((i) => i.serial === 'CN-SW-0042');
    expect(sw).toMatchObject({ description: 'Switch HP 1920-24G', warranty_months: 36 });
    expect(await row.getByTestId('delivered-items').textContent()).toContain(`Switch HP 1920-24G · CN-SW-0042 · garantie jusqu’au ${day(sw.warranty_end)}`);
    expect(items.filter((i) => i.description === 'Cordon RJ45 2 m' && i.serial === null)).toHaveLength(2);
  });

  it('records a DEEE pickup billed by weight, then its BSD reference when it arrives', async () => {
    await admin.getByRole('button', { name: 'Nouvel enlèvement' }).click();
    const form = admin.getByTestId('pickup-form');
    await form.getByLabel('Désignation').fill('Deux écrans et une unité centrale hors d’usage');
    await form.getByLabel('Poids (kg)').fill('23,5');
    await form.getByLabel('Transport (€)').fill('45');
    await form.getByLabel('Conditionnement (€)').fill('20');
    await form.getByLabel('Recyclage (€ / kg)').fill('0,30');
    await form.getByRole('button', { name: 'Enregistrer l’enlèvement' }).click();
    const row = admin.locator('[data-testid=pickups] tbody tr').first();
    // Contract 2.5: 23.5 kg at 0.30 € a kilo.
    await expect.poll(async () => (await row.getByTestId('recycling').textContent())?.replace(/[\u00a0\u202f]/g, ' ')).toBe('7,05 €0,30 € / kg');
    expect((await row.textContent())?.replace(/[\u00a0\u202f]/g, ' ')).toContain('23,5 kg45,00 €20,00 €');
    await row.getByLabel('Référence du BSD').fill('BSD-2026-000123');
    await row.getByRole('button', { name: 'Enregistrer' }).click();
    await expect.poll(() => row.getByTestId('bsd').textContent()).toBe('BSD-2026-000123');
    expect(((await api.get(`/api/v1/billing/pickups?clientId=${s.acme.clientId}`)).pickups as any[])[0]).toMatchObject({
      weight_grams: 23_500,
      transport_cents: 4500,
      handling_cents: 2000,
      recycling_cents: 705,
      bsd_reference: 'BSD-2026-000123',
    });
    await admin.evaluate(() => window.scrollTo(0, 0));
    await screenshot(admin, 'billing-contract');
  });

  it('shows a technician the same pages without what only an admin does', async () => {
    const { page: tech, context } = await tb.page();
    await signIn(tech, s.url, 'tech@vigie.test', PASSWORD);
    await tech.goto(`${s.url}/#/billing`);
    await expect.poll(() => tech.locator(`tr[data-invoice="${overdueNumber}"]`).count()).toBe(1);
    expect(await tech.getByTestId('generate-invoices').count()).toBe(0);
    expect(await tech.getByRole('button', { name: 'Règlement' }).count()).toBe(0);
    expect(await tech.getByTestId('ecb-form').count()).toBe(0);
    await tech.goto(`${s.url}/#/billing/clients/${s.acme.clientId}`);
    await expect.poll(() => tech.getByTestId('grids').locator('[data-grid]').count()).toBe(2);
    expect(await tech.getByRole('button', { name: 'Appliquer la révision' }).count()).toBe(0);
    await context.close();
  });
});

describe('content security', () => {
  it('had no console error, page error or CSP violation on any page', () => {
    // Answers the browser logs as failed resources, on purpose: the sign-in page asking for a session
    // (401), the revision the collector cannot propose yet or twice (400, 409), the refused payment (400).
    const real = tb.problems.list.filter((p) => !/^console: Failed to load resource: the server responded with a status of (400|401|409)/.test(p));
    expect(real).toEqual([]);
  });
});
