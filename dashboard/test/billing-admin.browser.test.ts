import { execFileSync } from 'node:child_process';
import { addDays, businessDayOnOrAfter, parisDate } from '@vigie/shared';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedBilling } from './billing-seed.js';
import { launch, screenshot, signIn, type TestBrowser } from './browser.js';
import { apiSession, PASSWORD, type Seeded, startSeededCollector } from './seed.js';

// What only an admin does in billing: the provider's identity, a new client's contract and its
// grid, its edition, a notice and an amendment; credit notes and a dispute's settlement. Each form
// is read back through the API, and a bad input shows the collector's refusal.
let s: Seeded;
let tb: TestBrowser;
let admin: Page;
let api: Awaited<ReturnType<typeof apiSession>>;
let initech: number;
let acmeTicket: number;

const clean = (v: string | null | undefined) => (v ?? '').replace(/[\u00a0\u202f]/g, ' ');
const text = async (page: Page, sel: string) => clean(await page.locator(sel).first().textContent());
const day = (d: string) => new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.parse(`${d}T12:00:00Z`));
/** With its weekday, as the programmes' lists show their dates (issue 18, point 6). */
const dayLong = (d: string) =>
  new Intl.DateTimeFormat('fr-FR', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(Date.parse(`${d}T12:00:00Z`));
const today = () => parisDate(Date.now());
const year = () => Number(today().slice(0, 4));
const inDays = (n: number) => new Date(Date.parse(`${today()}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
/** The first business day n days from today or after (a programme's date is never a weekend or a public holiday, issue 18). */
const bizDay = (n: number) => businessDayOnOrAfter(inDays(n));
/** Issue 18, point 7: an action that binds the provider is confirmed first, the dialog saying what will happen. */
async function confirmed(page: Page, says: string): Promise<void> {
  const dialog = page.getByTestId('confirm');
  await expect.poll(async () => clean(await dialog.getByTestId('confirm-body').textContent())).toContain(says);
  await dialog.getByTestId('confirm-ok').click();
}
const invoices = async (clientId: number) => (await api.get(`/api/v1/billing/invoices?clientId=${clientId}`)).invoices as any[];

beforeAll(async () => {
  const t0 = Date.now();
  s = await startSeededCollector(0);
  acmeTicket = (await seedBilling(s)).ticketId;
  api = await apiSession(s.url, 'admin@vigie.test');
  initech = (await api.post('/api/v1/clients', { name: 'Initech SA' })).id;
  tb = await launch();
  admin = (await tb.page()).page;
  await signIn(admin, s.url, 'admin@vigie.test', PASSWORD);
  console.log(`[billing-admin] collector seeded and Chromium started in ${Date.now() - t0} ms`);
});

afterAll(async () => {
  await tb?.close();
  await s?.close();
});

describe('the provider’s identity, required on every invoice', () => {
  it('refuses it without a SIREN with the collector’s reason, then saves the identity and bank details', async () => {
    await admin.goto(`${s.url}/#/billing`);
    const form = admin.getByTestId('seller-form');
    await expect.poll(() => form.getByLabel('Raison sociale').inputValue()).toBe('Sibio Infogérance');
    expect(await form.getByLabel('SIRET').inputValue()).toBe('81234567800021');
    await form.getByLabel('SIREN', { exact: true }).fill('');
    await form.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    // Issue 18, point 2: said in the form before sending, naming the field, in French.
    await expect
      .poll(() => text(admin, '[data-testid=seller-form] [data-testid=form-problems]'))
      .toBe('Le SIREN du prestataire (9 chiffres) est obligatoire sur une facture.');
    expect(await text(admin, '[data-testid=seller-form] [data-testid=form-problems]')).not.toMatch(/body|must|pattern/);
    expect((await api.get('/api/v1/billing/settings')).seller.siren).toBe('812345678');

    await form.getByLabel('SIREN', { exact: true }).fill('812 345 678');
    await form.getByLabel('Adresse (une ligne par ligne)').fill('40 quai Rambaud\n69002 Lyon');
    await form.getByLabel('IBAN').fill('fr76 3000 4000 0312 3456 7890 143');
    await form.getByLabel('BIC').fill('BNPAFRPP');
    await form.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await expect.poll(() => text(admin, '[data-testid=seller-message]')).toBe('Identité du prestataire enregistrée.');
    expect(await api.get('/api/v1/billing/settings')).toMatchObject({
      seller: { name: 'Sibio Infogérance', siren: '812 345 678', address: ['40 quai Rambaud', '69002 Lyon'], vatNumber: 'FR45812345678' },
      bank: { iban: 'FR7630004000031234567890143', bic: 'BNPAFRPP' },
    });
  });
});

describe('a new client’s contract', () => {
  const price = (form: ReturnType<Page['getByTestId']>, label: string) => form.getByLabel(label, { exact: true });

  it('refuses a negative price with the collector’s reason, then creates the contract with the grid typed in euros', async () => {
    await admin.goto(`${s.url}/#/billing/clients/${initech}`);
    const form = admin.getByTestId('contract-form');
    await form.getByLabel('Date de signature').fill(`${year() - 1}-01-01`);
    // Issue 18, point 7: the Syntec index of the signature (S0) and its date; none is entered here, so it is typed.
    await expect.poll(() => text(admin, '[data-testid=syntec-reference]')).toContain('Aucun indice saisi avant le');
    await form.getByTestId('s0').fill('293,6');
    await form.getByTestId('s0-date').fill(`${year() - 2}-12-01`);
    await form.getByLabel('Raison sociale').fill('Initech SA');
    await form.getByLabel('Adresse (une ligne par ligne)').fill('5 rue de la Paix\n75002 Paris');
    await form.getByLabel('SIREN', { exact: true }).fill('612345678');
    await form.getByLabel('N° de TVA').fill('FR22612345678');
    await form.getByLabel('Délai de paiement (jours)').fill('45');
    await form.getByLabel('Destinataires des factures').fill('compta@initech.test\ndaf@initech.test');
    await price(form, 'Programmée · Sur site — journée').fill('-650');
    await price(form, 'Programmée · Sur site — heure').fill('120');
    await price(form, 'Urgente · À distance — quart d’heure').fill('37,50');
    await form.getByRole('button', { name: 'Créer le contrat' }).click();
    await expect.poll(() => text(admin, '[data-testid=contract-form] .error')).toBe('Programmée · Sur site — journée : la valeur doit être au moins 0.');
    await expect(api.get(`/api/v1/billing/clients/${initech}/contract`)).rejects.toThrow(/404/);

    await price(form, 'Programmée · Sur site — journée').fill('650');
    await form.getByRole('button', { name: 'Créer le contrat' }).click();
    // (the form's refusal, if any, is in the failure message)
    await expect
      .poll(async () => ((await admin.getByTestId('buyer').count()) ? text(admin, '[data-testid=buyer]') : text(admin, '[data-testid=contract-form] .error')))
      .toBe('Initech SA, 5 rue de la Paix, 75002 Paris');
    const c = await api.get(`/api/v1/billing/clients/${initech}/contract`);
    expect(c).toMatchObject({
      startDate: `${year() - 1}-01-01`,
      vatRateBp: 2000,
      paymentDays: 45,
      buyer: { name: 'Initech SA', address: ['5 rue de la Paix', '75002 Paris'], siren: '612345678', vatNumber: 'FR22612345678' },
      recipients: ['compta@initech.test', 'daf@initech.test'],
    });
    // A unit left empty is not offered: the grid holds exactly what was typed, in cents.
    expect(c.currentGrid.grid).toEqual({
      programmed: { on_site: { day: 65000, hour: 12000 }, remote: {} },
      urgent: { on_site: {}, remote: { quarter_hour: 3750 } },
    });
    expect(await text(admin, `[data-grid="${c.startDate}"] tr[data-row="urgent.remote"] td[data-unit=quarter_hour]`)).toBe('37,50 €');
  });

  it('edits the billed client’s identity and recipients', async () => {
    await admin.getByRole('button', { name: 'Modifier le client facturé' }).click();
    const form = admin.getByTestId('contract-form');
    expect(await form.getByLabel('Date de signature').isDisabled()).toBe(true);
    await form.getByLabel('Adresse (une ligne par ligne)').fill('12 avenue de l’Opéra\n75001 Paris');
    await form.getByLabel('Destinataires des factures').fill('factures@initech.test');
    await form.getByLabel('TVA (%)').fill('5,5');
    // Issue 19: an e-invoicing address that is not the client's SIREN is refused with the collector's reason, in French.
    await form.getByLabel('Adresse de facturation électronique').fill('999999999_AP');
    await form.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toBe('L’adresse de facturation électronique commence par le SIREN de la même partie (règle BR-FR-21).');
    await form.getByLabel('Adresse de facturation électronique').fill('612345678_AP');
    await form.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await expect.poll(() => text(admin, '[data-testid=buyer]')).toBe('Initech SA, 12 avenue de l’Opéra, 75001 Paris');
    expect(await text(admin, '[data-testid=recipients]')).toBe('factures@initech.test');
    const c = await api.get(`/api/v1/billing/clients/${initech}/contract`);
    expect(c).toMatchObject({
      vatRateBp: 550,
      paymentDays: 45,
      recipients: ['factures@initech.test'],
      buyer: { siren: '612345678', electronicAddress: '612345678_AP' },
    });
    expect(c.grids).toHaveLength(1);
    await screenshot(admin, 'billing-contract-created');
  });
});

describe('a notice and an amendment', () => {
  it('amends the grid from a date, after refusing a negative price', async () => {
    const validFrom = `${year()}-01-01`;
    const form = admin.getByTestId('amendment-form');
    // The prices start from the grid in force.
    expect(await form.getByLabel('Programmée · Sur site — heure', { exact: true }).inputValue()).toBe('120,00');
    await form.getByLabel('Applicable à partir du').fill(validFrom);
    await form.getByLabel('Programmée · Sur site — heure', { exact: true }).fill('-125');
    await form.getByRole('button', { name: 'Appliquer l’avenant' }).click();
    await confirmed(admin, `À partir du ${day(validFrom)}`);
    await expect.poll(() => text(admin, '[data-testid=amendment-message]')).toBe('Programmée · Sur site — heure : la valeur doit être au moins 0.');
    await form.getByLabel('Programmée · Sur site — heure', { exact: true }).fill('125');
    await form.getByLabel('Programmée · À distance — demi-journée', { exact: true }).fill('300');
    await form.getByRole('button', { name: 'Appliquer l’avenant' }).click();
    await confirmed(admin, 'Un avenant appliqué ne se retire pas');
    await expect.poll(() => text(admin, '[data-testid=amendment-message]')).toBe(`Grille de l’avenant applicable au ${day(validFrom)}.`);
    const c = await api.get(`/api/v1/billing/clients/${initech}/contract`);
    expect(c.grids).toHaveLength(2);
    expect(c.grids[1]).toMatchObject({
      validFrom,
      reason: 'amendment',
      grid: { programmed: { on_site: { day: 65000, hour: 12500 }, remote: { half_day: 30000 } }, urgent: { on_site: {}, remote: { quarter_hour: 3750 } } },
    });
    await expect.poll(() => admin.locator(`[data-grid="${validFrom}"]`).textContent()).toContain('avenant');
  });

  it('records the client’s notice and shows the end date the collector computes', async () => {
    const receivedOn = today();
    const form = admin.getByTestId('notice-form');
    await form.getByLabel('Préavis reçu le').fill(receivedOn);
    await form.getByLabel('Donné par').selectOption('client');
    await form.getByRole('button', { name: 'Enregistrer le préavis' }).click();
    await confirmed(admin, 'Un préavis enregistré ne peut pas être retiré.');
    await expect.poll(() => text(admin, '[data-testid=notice-state]')).toMatch(/^préavis reçu le/);
    const c = await api.get(`/api/v1/billing/clients/${initech}/contract`);
    expect(c.notice).toMatchObject({ receivedOn, from: 'client' });
    expect(await text(admin, '[data-testid=notice-state]')).toBe(`préavis reçu le ${day(receivedOn)} (du client), fin le ${day(c.notice.endDate)}`);
    expect(await text(admin, '[data-testid=notice-message]')).toBe(`Préavis enregistré : le contrat prend fin le ${day(c.notice.endDate)}.`);
    // At least three months' notice (contract 6).
    expect(c.notice.endDate > receivedOn).toBe(true);
    expect(await admin.getByTestId('notice-form').count()).toBe(0);
  });

  it('shows the collector’s refusal of a notice received before the contract was signed', async () => {
    const acme = await api.get(`/api/v1/billing/clients/${s.globex.clientId}/contract`);
    await admin.goto(`${s.url}/#/billing/clients/${s.globex.clientId}`);
    const form = admin.getByTestId('notice-form');
    await form.getByLabel('Préavis reçu le').fill('2001-01-01');
    await form.getByRole('button', { name: 'Enregistrer le préavis' }).click();
    await confirmed(admin, 'Préavis reçu le');
    await expect.poll(() => text(admin, '[data-testid=notice-message]')).toMatch(/^Le préavis ne peut pas précéder la signature du contrat \(.+\)\.$/);
    expect((await api.get(`/api/v1/billing/clients/${s.globex.clientId}/contract`)).notice).toBe(acme.notice);
  });
});

describe('credit notes and disputes', () => {
  it('refuses a credit note above the invoice, then issues a partial one', async () => {
    await admin.goto(`${s.url}/#/billing`);
    const inv = (await invoices(s.acme.clientId)).find((i) => i.kind === 'invoice');
    const row = admin.locator(`tr[data-invoice="${inv.number}"]`);
    await row.getByRole('button', { name: 'Avoir', exact: true }).click();
    const form = admin.getByTestId('credit-note-form');
    await form.getByLabel('Motif de l’avoir').fill('Geste commercial');
    await form.getByLabel('Montant HT (€)').fill('99999');
    await form.getByRole('button', { name: 'Émettre l’avoir' }).click();
    await confirmed(admin, 'il ne peut être ni modifié ni supprimé');
    await expect
      .poll(() => text(admin, '[data-testid=credit-note-form] .error'))
      .toBe(`Avoir supérieur au montant restant à créditer (${inv.totalExclCents} c HT)`);
    await form.getByLabel('Montant HT (€)').fill('10');
    await form.getByRole('button', { name: 'Émettre l’avoir' }).click();
    await confirmed(admin, 'il ne peut être ni modifié ni supprimé');
    await expect.poll(() => admin.getByTestId('credit-note-form').count()).toBe(0);
    const after = await invoices(s.acme.clientId);
    const cn = after.find((i) => i.kind === 'credit_note');
    expect(cn).toMatchObject({ correctsNumber: inv.number, totalExclCents: -1000, totalInclCents: -1200 });
    expect(after.find((i) => i.id === inv.id)).toMatchObject({ creditedCents: 1200, balanceCents: inv.balanceCents - 1200 });
    await expect.poll(() => admin.locator(`tr[data-invoice="${cn.number}"] [data-testid=status]`).textContent()).toBe('Avoir');
    expect(clean(await row.getByTestId('balance').textContent())).toBe(
      new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format((inv.balanceCents - 1200) / 100).replace(/[\u00a0\u202f]/g, ' '),
    );
  });

  it('settles a client’s dispute with a reduction, after refusing one above what is left to credit', async () => {
    const inv = (await invoices(s.acme.clientId)).find((i) => i.kind === 'invoice');
    const client = await apiSession(s.url, 'dsi@acme.test');
    await client.post(`/api/v1/billing/invoices/${inv.id}/disputes`, { reason: 'L’intervention sur site du 12 nous semble facturée deux fois.' });
    await admin.reload();
    const row = admin.locator(`tr[data-invoice="${inv.number}"]`);
    await expect.poll(() => row.getByTestId('status').textContent()).toBe('Contestée');
    await row.getByRole('button', { name: 'Clore le litige' }).click();
    const form = admin.getByTestId('settle-form');
    expect(await text(admin, '[data-testid=dispute-reason]')).toContain('facturée deux fois');
    await form.getByLabel('Issue du litige').fill('Réduction accordée sur le déplacement');
    await form.getByLabel('Réduction accordée HT (€)').fill('99999');
    await form.getByRole('button', { name: 'Enregistrer la clôture' }).click();
    await expect
      .poll(() => text(admin, '[data-testid=settle-form] .error'))
      .toBe(`Avoir supérieur au montant restant à créditer (${inv.totalExclCents - 1000} c HT)`);
    expect((await invoices(s.acme.clientId)).find((i) => i.id === inv.id).disputes[0].settledOn).toBeNull();
    await form.getByLabel('Réduction accordée HT (€)').fill('5');
    await form.getByRole('button', { name: 'Enregistrer la clôture' }).click();
    await expect.poll(() => row.getByTestId('status').textContent()).toBe('À payer');
    const settled = (await invoices(s.acme.clientId)).find((i) => i.id === inv.id);
    expect(settled.disputes[0]).toMatchObject({ settledOn: today(), settlement: 'Réduction accordée sur le déplacement' });
    expect(settled.creditedCents).toBe(1800);
    await screenshot(admin, 'billing-credit-notes');
  });
});

describe('recurring programmes (contract 2.6.1)', () => {
  let scheduleId: number;

  it('refuses a programme starting within 5 business days, then schedules a weekly one', async () => {
    await admin.goto(`${s.url}/#/billing/clients/${s.acme.clientId}`);
    await admin.getByRole('button', { name: 'Nouvelle programmation' }).click();
    const form = admin.getByTestId('schedule-form');
    await expect.poll(() => form.getByLabel('Ticket').inputValue()).toBe(String(acmeTicket));
    await form.getByLabel('Intitulé').fill('Vérification hebdomadaire des sauvegardes');
    await form.getByLabel('Première intervention').fill(bizDay(1));
    await form.getByLabel('Heure').fill('08:30');
    await form.getByLabel('Durée réservée (min)').fill('90');
    await form.getByRole('button', { name: 'Programmer' }).click();
    await expect
      .poll(() => text(admin, '[data-testid=schedule-form] .error'))
      .toBe('Une programmation récurrente commence au moins 5 jours ouvrés après la demande (art. 2.6.1)');
    expect((await api.get(`/api/v1/billing/recurring?clientId=${s.acme.clientId}`)).schedules).toEqual([]);

    await form.getByLabel('Première intervention').fill(bizDay(14));
    await form.getByRole('button', { name: 'Programmer' }).click();
    await expect.poll(() => admin.locator('[data-testid=occurrences] tbody tr').count()).toBeGreaterThan(1);
    const [sch] = (await api.get(`/api/v1/billing/recurring?clientId=${s.acme.clientId}`)).schedules;
    scheduleId = sch.id;
    expect(sch).toMatchObject({
      ticket_id: acmeTicket,
      title: 'Vérification hebdomadaire des sauvegardes',
      mode: 'remote',
      period: 'weekly',
      first_date: bizDay(14),
      start_time: '08:30',
      reserved_minutes: 90,
    });
    const detail = await api.get(`/api/v1/billing/recurring/${scheduleId}`);
    expect(detail.occurrences.slice(0, 2).map((o: any) => o.date)).toEqual([bizDay(14), businessDayOnOrAfter(addDays(bizDay(14), 7))]);
    expect(await text(admin, `[data-schedule="${scheduleId}"] [data-testid=schedule-summary]`)).toBe(
      `hebdomadaire · À distance · à partir du ${dayLong(bizDay(14))} à 08:30, 90 min réservées`,
    );
  });

  it('refuses a change to a date within 5 business days with the reason, and accepts one made in time', async () => {
    const first = (await api.get(`/api/v1/billing/recurring/${scheduleId}`)).occurrences[0];
    const row = admin.locator(`tr[data-occurrence="${first.id}"]`);
    await row.getByRole('button', { name: 'Demande de changement' }).click();
    const form = admin.getByTestId('change-form');
    await form.getByLabel('Nouvelle date').fill(bizDay(1));
    await form.getByRole('button', { name: 'Enregistrer la demande' }).click();
    await expect
      .poll(() => text(admin, '[data-testid=change-result]'))
      .toBe(`Refusée : La nouvelle date (${bizDay(1)}) doit être à 5 jours ouvrés ou plus de la demande (art. 2.6.1)`);
    let detail = await api.get(`/api/v1/billing/recurring/${scheduleId}`);
    expect(detail.changes).toMatchObject([{ occurrence_id: first.id, accepted: 0, requested_date: bizDay(1) }]);
    expect(detail.occurrences[0]).toMatchObject({ date: bizDay(14), reserved_minutes: 90 });

    await form.getByLabel('Nouvelle date').fill(bizDay(15));
    await form.getByLabel('Durée réservée (min)').fill('60');
    await form.getByRole('button', { name: 'Enregistrer la demande' }).click();
    await expect
      .poll(() => text(admin, '[data-testid=change-result]'))
      .toBe('Acceptée : Reçue au moins 5 jours ouvrés avant la prochaine intervention (art. 2.6.1)');
    detail = await api.get(`/api/v1/billing/recurring/${scheduleId}`);
    expect(detail.occurrences.find((o: any) => o.id === first.id)).toMatchObject({ date: bizDay(15), reserved_minutes: 60, changed_by: 'client' });
    await expect.poll(() => row.getByTestId('occurrence-status').textContent()).toBe('programmée · modifiée à la demande du client');
    await expect.poll(() => admin.locator('[data-testid=changes] li').count()).toBe(2);
    await screenshot(admin, 'billing-recurring');
  });

  it('lets the client ask in its portal: a move too close is refused with the reason, a cancellation in time is accepted', async () => {
    const { page: client, context } = await tb.page();
    await signIn(client, s.url, 'dsi@acme.test', PASSWORD);
    await client.goto(`${s.url}/#/recurring`);
    const second = (await api.get(`/api/v1/billing/recurring/${scheduleId}`)).occurrences.find(
      (o: any) => o.date === businessDayOnOrAfter(addDays(bizDay(14), 7)),
    );
    await client.locator(`[data-schedule="${scheduleId}"]`).getByRole('button', { name: 'Occurrences' }).click();
    const row = client.locator(`tr[data-occurrence="${second.id}"]`);
    expect(await client.getByRole('button', { name: 'Nouvelle programmation' }).count()).toBe(0);
    await row.getByRole('button', { name: 'Demande de changement' }).click();
    const form = client.getByTestId('change-form');
    expect(await form.getByLabel('Demande reçue le').count()).toBe(0);
    await form.getByLabel('Nouvelle date').fill(bizDay(2));
    await form.getByRole('button', { name: 'Enregistrer la demande' }).click();
    await expect
      .poll(() => text(client, '[data-testid=change-result]'))
      .toBe(`Refusée : La nouvelle date (${bizDay(2)}) doit être à 5 jours ouvrés ou plus de la demande (art. 2.6.1)`);
    await form.getByLabel('Annuler cette occurrence').check();
    await form.getByRole('button', { name: 'Enregistrer la demande' }).click();
    await expect
      .poll(() => text(client, '[data-testid=change-result]'))
      .toBe('Acceptée : Reçue au moins 5 jours ouvrés avant la prochaine intervention (art. 2.6.1)');
    await expect.poll(() => row.getByTestId('occurrence-status').textContent()).toBe('annulée · modifiée à la demande du client');
    const detail = await api.get(`/api/v1/billing/recurring/${scheduleId}`);
    expect(detail.occurrences.find((o: any) => o.id === second.id)).toMatchObject({ status: 'cancelled', changed_by: 'client' });
    expect(detail.changes.slice(-2)).toMatchObject([
      { occurrence_id: second.id, accepted: 0, requested_date: bizDay(2) },
      { occurrence_id: second.id, accepted: 1, requested_minutes: 0 },
    ]);
    await context.close();
  });
});

describe('the billed client’s legal data (issue 18, point 7)', () => {
  it('enters its legal form, SIRET and payment method in the contract form, shows them on the contract and prints them on its next invoice', async () => {
    await admin.goto(`${s.url}/#/billing/clients/${s.acme.clientId}`);
    await admin.getByRole('button', { name: 'Modifier le client facturé' }).click();
    const form = admin.getByTestId('contract-form');
    await form.getByLabel('Forme juridique').fill('SARL au capital de 50 000 €');
    await form.getByLabel('SIRET').fill('401 234 567 00018');
    await form.getByTestId('payment-method').selectOption('transfer');
    await form.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await expect.poll(() => text(admin, '[data-testid=payment-method-shown]')).toBe('virement');
    expect(await text(admin, '[data-testid=buyer-siret]')).toBe('401 234 567 00018');
    expect(clean(await admin.locator('main').textContent())).toContain('SARL au capital de 50 000 €');
    expect(await api.get(`/api/v1/billing/clients/${s.acme.clientId}/contract`)).toMatchObject({
      paymentMethod: 'transfer',
      // What the form did not change is kept (issue 18, point 1).
      buyer: { name: 'Acme SARL', legalForm: 'SARL au capital de 50 000 €', siren: '401234567', siret: '401 234 567 00018', vatNumber: 'FR11401234567' },
    });

    // An intervention two months ago, invoiced: the invoice names the client as the contract now does.
    const first = new Date(`${today().slice(0, 7)}-01T12:00:00Z`);
    first.setUTCMonth(first.getUTCMonth() - 2);
    const month = first.toISOString().slice(0, 7);
    const tech = await apiSession(s.url, 'tech@vigie.test');
    const ticket = await tech.post('/api/v1/tickets', {
      clientId: s.acme.clientId,
      title: 'Imprimante de l’accueil hors service',
      description: 'Bourrage permanent.',
      channel: 'email',
      receivedAt: Date.parse(`${month}-03T08:00:00Z`),
    });
    await tech.post(`/api/v1/tickets/${ticket.id}/interventions`, { date: `${month}-04`, minutes: 60, kind: 'urgent', mode: 'remote' });
    await api.post('/api/v1/billing/invoices/generate', { month, clientId: s.acme.clientId });
    const invoice = (await invoices(s.acme.clientId)).find((i) => i.periodStart === `${month}-01`);
    expect(invoice, 'the month’s invoice').toBeDefined();
    const pdf = await admin.request.get(`${s.url}/api/v1/billing/invoices/${invoice.id}/pdf`);
    expect(pdf.status()).toBe(200);
    const printed = clean(execFileSync('pdftotext', ['-layout', '-', '-'], { input: await pdf.body() }).toString('utf8')).replace(/[ \t]+/g, ' ');
    expect(printed).toContain('SARL au capital de 50 000 €');
    expect(printed).toMatch(/SIRET\s?:? 401 ?234 ?567 ?00018/);
    expect(printed).toMatch(/SIREN\s?:? 401 ?234 ?567/);
    // Contract 5.1: the client reads how to pay, not only when.
    expect(printed).toMatch(/Virement à 30 jours nets, échéance le/);
  });
});

describe('content security', () => {
  it('had no console error, page error or CSP violation on any page', () => {
    // Answers the browser logs as failed resources, on purpose: the sign-in page asking for a session
    // (401), the contract a client does not have yet (404), the revision the collector cannot
    // propose (400, 409), the refused forms (400, 409).
    const real = tb.problems.list.filter((p) => !/^console: Failed to load resource: the server responded with a status of (400|401|404|409)/.test(p));
    expect(real).toEqual([]);
  });
});
