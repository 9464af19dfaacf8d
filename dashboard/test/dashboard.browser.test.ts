import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { defaultConfig, sqliteHandleOf } from '@vigie/collector';
import { type Proc, waitFor } from '@vigie/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedBilling } from './billing-seed.js';
import { launch, screenshot, signIn, type TestBrowser } from './browser.js';
import { startRealAgent } from './real-agent.js';
import { apiSession, HOSTILE_HOSTNAME, PASSWORD, type Seeded, startSeededCollector } from './seed.js';

// The dashboard in Debian's Chromium against a real collector: French by default, live updates over
// the WebSocket, 10,000 devices, a real agent's chart, the ticket workflow with the billing quote,
// the client portal's walls, English, and no CSP violation or console error anywhere.
const BULK = 10_000;

let s: Seeded;
let tb: TestBrowser;
let billingTicket: number;
let billingMonth: string;
let tech: Page;
let agent: Proc | undefined;
let agentDir: string;

const text = async (page: Page, sel: string) => (await page.locator(sel).first().textContent()) ?? '';
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

beforeAll(async () => {
  const t0 = Date.now();
  // Offline after 30 minutes without news (heartbeat 600 s, the policy's maximum, × 3) instead of 90 s: the bulk devices
  // were seen up to 49 s before seeding, and on a loaded machine the tests that count them by state
  // ran more than 41 s later, when some had become offline.
  s = await startSeededCollector(BULK, { channel: { ...defaultConfig().channel, metricsIntervalSec: 1, heartbeatSec: 600 } });
  ({ ticketId: billingTicket, month: billingMonth } = await seedBilling(s));
  tb = await launch();
  tech = (await tb.page()).page;
  console.log(`[dashboard] collector seeded with ${s.devicesTotal} devices and Chromium started in ${Date.now() - t0} ms`);
});

afterAll(async () => {
  await agent?.stop();
  if (agentDir) rmSync(agentDir, { recursive: true, force: true });
  await tb?.close();
  await s?.close();
});

describe('sign-in and live overview', () => {
  it('signs in in French, refuses a wrong password, and shows the overview with the live channel up', async () => {
    await tech.goto(`${s.url}/`);
    await expect.poll(() => tech.locator('h1').textContent()).toBe('Connexion');
    expect(await tech.locator('html').getAttribute('lang')).toBe('fr');
    await tech.getByLabel('Adresse e-mail').fill('tech@vigie.test');
    await tech.getByLabel('Mot de passe').fill('pas le bon mot de passe');
    await tech.getByRole('button', { name: 'Se connecter' }).click();
    await expect.poll(() => text(tech, '.error')).toBe('Identifiants incorrects.');
    await screenshot(tech, 'login');
    await tech.getByLabel('Mot de passe').fill(PASSWORD);
    await tech.getByRole('button', { name: 'Se connecter' }).click();
    await expect.poll(() => text(tech, 'h1')).toBe('Vue d’ensemble');
    await expect.poll(() => text(tech, '[data-testid=live]')).toBe('En direct');
    await expect.poll(() => tech.locator('[data-testid=overview-clients] tbody tr').count()).toBe(10);
  });

  it('updates the overview live when a ticket is created through the API, without reloading', async () => {
    const cell = `tr[data-client="${s.globex.clientId}"] [data-testid=client-open-tickets]`;
    const before = Number(await text(tech, cell));
    await tech.evaluate(() => {
      (window as any).__notReloaded = true;
    });
    const api = await apiSession(s.url, 'tech@vigie.test');
    await api.post('/api/v1/tickets', {
      clientId: s.globex.clientId,
      title: 'Serveur de messagerie injoignable',
      description: 'Signalé par e-mail',
      channel: 'email',
      // A week ago: its deadline has passed whatever today's weekday (a weekend would push a fresh one's past 48 h).
      receivedAt: Date.now() - 7 * 86_400_000,
    });
    const t0 = Date.now();
    await expect.poll(() => text(tech, cell), { timeout: 5000, interval: 50 }).toBe(String(before + 1));
    console.log(`[dashboard] overview updated ${Date.now() - t0} ms after the ticket was created`);
    expect(await tech.evaluate(() => (window as any).__notReloaded)).toBe(true);
    // The SLA list shows what the collector counts as close to breach (the new ticket, if due within 48 h).
    const due = (await api.get('/api/v1/overview')).slaAtRisk.map((x: { ticketId: number }) => `#${x.ticketId} `);
    expect(due.length).toBeGreaterThan(0);
    await expect
      .poll(async () => {
        const listed = await tech.getByTestId('sla-list').textContent();
        return due.filter((id: string) => !listed?.includes(id));
      })
      .toEqual([]);
    await screenshot(tech, 'overview');
  });
});

describe('devices', () => {
  it('lists 10,000 devices, with a bounded DOM while scrolling', async () => {
    const t0 = Date.now();
    await tech.goto(`${s.url}/#/devices`);
    await tech.locator('.vrow [data-device] a').first().waitFor();
    const interactiveMs = Date.now() - t0;
    await expect.poll(() => text(tech, '[data-testid=device-count]')).toMatch(/^10\s?003 équipements$/);
    await screenshot(tech, 'devices');
    // Scroll from top to bottom in 150 steps, one per frame, and time the frames.
    const r = await tech.evaluate(async () => {
      const el = document.querySelector('[data-testid=device-list]') as HTMLElement;
      const max = el.scrollHeight - el.clientHeight;
      const frames: number[] = [];
      let maxRows = 0;
      let last = performance.now();
      for (let i = 1; i <= 150; i++) {
        el.scrollTop = (max * i) / 150;
        await new Promise((res) => requestAnimationFrame(() => res(null)));
        const now = performance.now();
        frames.push(now - last);
        last = now;
        maxRows = Math.max(maxRows, document.querySelectorAll('.vrow').length);
      }
      return { frames, maxRows, scrollHeight: el.scrollHeight };
    });
    await expect.poll(() => tech.locator('.vrow [data-device]').last().textContent(), { timeout: 10_000 }).toMatch(/\S/);
    const p50 = pct(r.frames, 0.5);
    const p95 = pct(r.frames, 0.95);
    console.log(
      `[dashboard] 10,003 devices: first rows ${interactiveMs} ms after navigation; scroll of ${r.scrollHeight} px in 150 frames: ` +
        `p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${Math.max(...r.frames).toFixed(1)} ms per frame; at most ${r.maxRows} rows in the DOM`,
    );
    expect(r.maxRows).toBeLessThan(80);
    // How soon the list is interactive is measured by `npm run bench -- dashboard-list` (target: 1 s).
  });

  it('searches by serial number, IP address and software on the server, and filters by state', async () => {
    const search = tech.getByTestId('device-search');
    await search.fill('10.0.1.44');
    await expect.poll(() => text(tech, '[data-testid=device-count]')).toBe('1 équipement');
    await search.fill('Acrobat');
    await expect.poll(() => text(tech, '[data-testid=device-count]')).toMatch(/^910 équipements$/);
    await search.fill('CN0ACME001');
    await expect.poll(() => tech.locator('.vrow [data-device] a').first().textContent()).toBe('PC-COMPTA-01');
    await search.fill('');
    await tech.getByLabel('État').selectOption('critical');
    let critical = 0;
    for (let i = 0; i < BULK; i++) if (i % 17 === 0 && i % 23 !== 0) critical++; // as seeded: offline wins over a critical check
    await expect.poll(() => text(tech, '[data-testid=device-count]')).toBe(`${critical} équipements`);
    await expect.poll(() => tech.locator('.vrow .badge').first().textContent()).toBe('Critique');
    await tech.getByLabel('État').selectOption('');
  });

  it('shows a hostile hostname as text, never as HTML', async () => {
    await tech.getByTestId('device-search').fill('onerror');
    const link = tech.locator('.vrow [data-device] a').first();
    await expect.poll(() => link.textContent()).toBe(HOSTILE_HOSTNAME);
    expect(await tech.locator('.vlist img').count()).toBe(0);
    await link.click();
    await expect.poll(() => text(tech, '[data-testid=device-title]')).toBe(HOSTILE_HOSTNAME);
    expect(await tech.locator('main img').count()).toBe(0);
    expect(tb.problems.list.filter((p) => p.startsWith('dialog'))).toEqual([]);
  });

  it('shows a device page with its charts over an hour, a day and two years, its checks and its warranty', async () => {
    await tech.goto(`${s.url}/#/devices/${s.acmeDevice}`);
    await expect.poll(() => text(tech, '[data-testid=device-title]')).toBe('PC-COMPTA-01');
    const cpu = tech.locator('figure[data-metric="cpu.usage_pct"]');
    await cpu.locator('canvas').waitFor();
    await expect.poll(async () => Number(await cpu.getAttribute('data-points'))).toBeGreaterThan(5);
    await expect.poll(() => tech.locator('[data-testid=warranty]').textContent()).toContain('CN0ACME001');
    expect(await tech.locator('main').textContent()).toContain('Dernière sauvegarde il y a 30 h');
    await tech.getByRole('tab', { name: 'Jour', exact: true }).click();
    await expect.poll(async () => Number(await cpu.getAttribute('data-points'))).toBeGreaterThan(200);
    await screenshot(tech, 'device');
    await tech.getByRole('tab', { name: 'Deux ans' }).click();
    await expect.poll(async () => Number(await cpu.getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThan(600);
  });

  it('shows a real agent’s device appear and its chart grow as samples arrive', async () => {
    ({ proc: agent, dir: agentDir } = await startRealAgent(s, s.acme));
    await tech.goto(`${s.url}/#/devices?clientId=${s.acme.clientId}&q=${encodeURIComponent(hostname())}`);
    const row = tech.locator('.vrow [data-device]', { hasText: hostname() }).first();
    // Enrolled, it is listed offline until its first frame arrives; then it reports (the list is read again).
    await waitFor(
      'the agent’s device in the list, online',
      async () => {
        await tech.reload();
        await row.waitFor({ timeout: 5000 });
        return !(await row.textContent())?.includes('Hors ligne');
      },
      30_000,
      1000,
    ).catch((err) => {
      throw new Error(`${err.message}\nagent: ${agent?.lines.slice(-20).join('\n')}`);
    });
    await row.locator('a').click();
    await expect.poll(() => text(tech, '[data-testid=device-title]')).toBe(hostname());
    const cpu = tech.locator('figure[data-metric="cpu.usage_pct"]');
    const points = async () => Number(await cpu.getAttribute('data-points'));
    await expect.poll(points, { timeout: 20_000 }).toBeGreaterThan(0);
    const first = await points();
    // The hour view refreshes itself every 15 s while the agent samples every second.
    await expect.poll(points, { timeout: 40_000, interval: 500 }).toBeGreaterThan(first);
  });

  it('revokes the real agent only once the confirmation, saying what will happen, is accepted (issue 18, point 7)', async () => {
    // On the agent's device page, left open by the test above.
    const deviceId = Number(/#\/devices\/(\d+)/.exec(tech.url())?.[1]);
    const api = await apiSession(s.url, 'tech@vigie.test');
    const revoked = async () => (await api.get(`/api/v1/devices/${deviceId}`)).device.status === 'revoked';
    const dialog = tech.getByTestId('confirm');
    await tech.getByTestId('revoke-agent').click();
    expect(await text(tech, '#confirm-title')).toBe(`Révoquer l’agent de ${hostname()}\u00a0?`);
    const says = await text(tech, '[data-testid=confirm-body]');
    for (const consequence of [
      'sera déconnecté sur-le-champ',
      'son identifiant refusé pour toujours',
      'Son historique reste consultable',
      'réinscrire avec un nouveau jeton',
      'ne peut pas être annulée',
    ])
      expect(says).toContain(consequence);
    // Cancelled: nothing happened, the agent still reports.
    await dialog.getByTestId('confirm-cancel').click();
    expect(await dialog.count()).toBe(0);
    expect(await revoked()).toBe(false);
    await tech.getByTestId('revoke-agent').click();
    await dialog.getByTestId('confirm-ok').click();
    await expect.poll(revoked).toBe(true);
    // The real agent is refused from then on (its connection closed, its credential refused).
    await expect.poll(() => tech.getByTestId('revoke-agent').count()).toBe(0);
  });
});

describe('tickets', () => {
  it('shows a ticket’s full timeline; comments, changes status, assigns, and records time after showing the quote', async () => {
    await tech.goto(`${s.url}/#/tickets/${billingTicket}`);
    await expect.poll(() => text(tech, '[data-testid=live]')).toBe('En direct');
    const timeline = tech.getByTestId('timeline');
    await expect.poll(() => timeline.textContent()).toContain('Ticket créé (E-mail)');
    expect((await timeline.textContent())?.match(/Intervention enregistrée/g)?.length).toBe(2);

    await tech.getByTestId('comment').fill('Redémarrage en mode sans échec : <b>ok</b>');
    await tech.getByRole('button', { name: 'Ajouter le commentaire' }).click();
    await expect.poll(() => timeline.textContent()).toContain('Redémarrage en mode sans échec : <b>ok</b>');

    await tech.getByTestId('status-select').selectOption('in_progress');
    await tech.getByRole('button', { name: 'Appliquer' }).click();
    await expect.poll(() => timeline.textContent()).toContain('Statut\u00a0: Nouveau → En cours');

    await tech.getByTestId('assignee').selectOption({ label: 'Thomas Technicien' });
    await expect.poll(() => timeline.textContent()).toMatch(/Assigné à/);

    await tech.getByTestId('minutes').fill('50');
    await tech.getByTestId('get-quote').click();
    // 2.6: 50 min urgent remote is billed one hour, the least cost for the client.
    await expect.poll(() => text(tech, '[data-testid=quote]')).toMatch(/Facturé\s: 1 × heure à 110,00\s€ = 110,00\s€ HT/);
    await screenshot(tech, 'ticket');
    await tech.getByTestId('record').click();
    await expect.poll(() => text(tech, '.success')).toBe('Intervention enregistrée.');
    await expect.poll(async () => (await timeline.textContent())?.match(/Intervention enregistrée/g)?.length).toBe(3);
  });
});

describe('client portal', () => {
  it('shows a client only its company, takes a portal ticket that reaches the technicians’ queue live, and hides other clients’ pages', async () => {
    const { page: client } = await tb.page();
    await tech.goto(`${s.url}/#/tickets`);
    await tech.getByTestId('tickets').waitFor();
    await signIn(client, s.url, 'dsi@acme.test', PASSWORD);
    await expect.poll(() => text(client, 'h1')).toBe('Bonjour Claire Dubois');
    await expect.poll(() => text(client, '[data-testid=company]')).toBe('Espace client — Acme SARL');
    await expect.poll(() => client.getByTestId('tickets').textContent()).toContain('Poste comptabilité bloqué au démarrage');
    expect(await client.getByTestId('tickets').textContent()).not.toContain('Serveur de messagerie injoignable');

    await client.getByTestId('new-ticket').click();
    await client.getByTestId('new-title').fill('Imprimante du 2e étage hors service');
    await client.getByTestId('new-description').fill('Elle affiche « Erreur 49 ».');
    await client.getByRole('button', { name: 'Envoyer la demande' }).click();
    await expect.poll(() => client.getByTestId('timeline').textContent()).toContain('Ticket créé (Portail)');
    await expect.poll(() => tech.getByTestId('tickets').textContent(), { timeout: 5000, interval: 50 }).toContain('Imprimante du 2e étage hors service');

    // Another client's device and ticket: "not found", as if they did not exist.
    const globexTicket = (await (await apiSession(s.url, 'it@globex.test')).get('/api/v1/tickets')).tickets[0].id;
    await client.goto(`${s.url}/#/devices/${s.globexDevice}`);
    await client.getByTestId('not-found').waitFor();
    await client.goto(`${s.url}/#/tickets/${globexTicket}`);
    await client.getByTestId('not-found').waitFor();
    await client.goto(`${s.url}/#/devices/${s.acmeDevice}`);
    await expect.poll(() => text(client, '[data-testid=device-title]')).toBe('PC-COMPTA-01');

    await client.goto(`${s.url}/#/inventory`);
    const supplied = client.getByTestId('supplied');
    await expect.poll(() => supplied.textContent()).toContain('CN0ACME001');
    expect(await supplied.textContent()).toContain('CN0SCREEN42');
    expect(await client.getByTestId('portal-devices').textContent()).not.toContain('SRV-GLOBEX-01');
    await screenshot(client, 'portal-inventory');

    await client.goto(`${s.url}/#/invoices`);
    const invoices = client.getByTestId('invoices');
    await expect.poll(() => invoices.textContent()).toMatch(/F\d{4}-0001/);
    const href = await client.getByTestId('pdf').first().getAttribute('href');
    const pdf = await client.request.get(`${s.url}${href}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    // Issue 19: the structured invoice alone (CII, the one inside the Factur-X PDF), its UBL, and whether it was mailed.
    for (const kind of ['xml', 'ubl']) {
      const file = await client.request.get(`${s.url}${await client.getByTestId(kind).first().getAttribute('href')}`);
      expect(file.status(), kind).toBe(200);
      expect(file.headers()['content-type'], kind).toBe('application/xml; charset=utf-8');
      expect(await file.text(), kind).toMatch(/F\d{4}-0001/);
    }
    // The seeded collector has no SMTP relay: the portal says the invoice was not mailed.
    await expect.poll(() => client.getByTestId('delivery').first().getAttribute('data-status')).toBe('skipped');
    await screenshot(client, 'portal-invoices');
    // Contract 5.1: a motivated dispute, from the portal, suspends the due date.
    await client.getByRole('button', { name: 'Contester' }).click();
    await client.getByLabel('Motif de la contestation').fill('La demi-journée du 12 n’a duré que 90 minutes.');
    await client.getByRole('button', { name: 'Envoyer la contestation' }).click();
    await expect.poll(() => invoices.textContent()).toContain('Contestée');

    await client.goto(`${s.url}/#/finance`);
    await expect.poll(() => client.getByTestId('finance').locator('tbody tr').count()).toBe(3);
    await expect.poll(() => client.getByTestId('finance').textContent()).toMatch(/\d+,\d{2}\s€/);
    // Contract 3: last month's activity report, and two years of statistics.
    const staffApi = await apiSession(s.url, 'tech@vigie.test');
    const job = await staffApi.post('/api/v1/reports/generate', { month: billingMonth, clientId: s.acme.clientId });
    await waitFor('the monthly report', async () => (await staffApi.get(`/api/v1/reports/jobs/${job.id}`)).status === 'succeeded', 60_000);
    await client.goto(`${s.url}/#/reports`);
    await expect.poll(() => client.getByTestId('reports').textContent()).toMatch(/Télécharger/);
    const reportPdf = await client.request.get(`${s.url}${await client.locator('[data-testid=reports] a').first().getAttribute('href')}`);
    expect(reportPdf.headers()['content-type']).toBe('application/pdf');
    await client.goto(`${s.url}/#/stats`);
    await expect.poll(() => client.locator('[data-testid=stats] canvas').count()).toBe(5);
    await screenshot(client, 'portal-stats');

    await client.goto(`${s.url}/#/`);
    await client.getByTestId('tickets').waitFor();
    await screenshot(client, 'portal-tickets');
    await client.context().close();
  });
});

describe('administration pages', () => {
  it('creates an enrollment token with the install command to copy, lists rules and users, and shows the incident queue', async () => {
    const { page: admin, context } = await tb.page();
    await signIn(admin, s.url, 'admin@vigie.test', PASSWORD);
    await admin.goto(`${s.url}/#/enrollment`);
    await admin.getByLabel('Libellé').fill('Postes du siège');
    await admin.getByRole('button', { name: 'Créer un jeton' }).click();
    await expect.poll(() => text(admin, '[data-testid=token]')).toMatch(/^vgt_/);
    // No installer built on this collector: the command for an agent run from the sources.
    await expect.poll(() => text(admin, '[data-testid=command-generic]')).toContain(`enroll --url ${s.url}`);
    expect(await text(admin, '[data-testid=command-generic]')).not.toContain('vgt_');
    await expect.poll(() => admin.locator('main').textContent()).toContain('Postes du siège');
    await screenshot(admin, 'enrollment');

    await admin.goto(`${s.url}/#/rules`);
    await expect.poll(() => admin.locator('main table').first().locator('tbody tr').count()).toBeGreaterThan(3);
    await admin.goto(`${s.url}/#/users`);
    await expect.poll(() => admin.locator('main table tbody tr').count()).toBe(4);
    expect(await admin.locator('main').textContent()).toContain('dsi@acme.test');
    await admin.goto(`${s.url}/#/incidents`);
    await expect.poll(() => text(admin, 'h1')).toBe('Incidents');
    await context.close();
  });
});

describe('language, logout and session expiry', () => {
  it('switches to English and keeps the choice; money stays in French euros', async () => {
    await tech.goto(`${s.url}/#/`);
    await tech.getByTestId('lang').selectOption('en');
    await expect.poll(() => text(tech, 'h1')).toBe('Overview');
    expect(await tech.locator('html').getAttribute('lang')).toBe('en');
    await tech.reload();
    await expect.poll(() => text(tech, 'h1')).toBe('Overview');
    await tech.goto(`${s.url}/#/tickets/${billingTicket}`);
    await expect.poll(() => tech.getByTestId('timeline').textContent()).toContain('Ticket created (E-mail)');
    await tech.getByTestId('minutes').fill('10');
    await tech.getByTestId('get-quote').click();
    await expect.poll(() => text(tech, '[data-testid=quote]')).toMatch(/Billed: 1 × quarter-hour at 30,00\s€/);
    await tech.getByTestId('lang').selectOption('fr');
    await expect.poll(() => tech.getByTestId('timeline').textContent()).toContain('Ticket créé (E-mail)');
  });

  it('signs out, and sends an expired session back to the sign-in page', async () => {
    await tech.getByRole('button', { name: 'Déconnexion' }).click();
    await expect.poll(() => text(tech, 'h1')).toBe('Connexion');
    expect((await tech.request.get(`${s.url}/api/v1/auth/me`)).status()).toBe(401);
    await signIn(tech, s.url, 'tech@vigie.test', PASSWORD);
    sqliteHandleOf(s.collector.db).prepare('DELETE FROM sessions').run();
    await tech.goto(`${s.url}/#/incidents`);
    await tech.reload();
    await expect.poll(() => text(tech, 'h1')).toBe('Connexion');
    await signIn(tech, s.url, 'tech@vigie.test', PASSWORD);
    sqliteHandleOf(s.collector.db).prepare('DELETE FROM sessions').run();
    await tech.goto(`${s.url}/#/devices`);
    await expect.poll(() => text(tech, '.error')).toBe('Votre session a expiré\u00a0: reconnectez-vous.');
  });
});

describe('content security', () => {
  it('had no console error, page error or CSP violation on any page', () => {
    // Answers the tests provoke on purpose, which the browser logs as failed resources: the refused
    // login and the expired session (401), another client's device and ticket (404).
    const real = tb.problems.list.filter((p) => !/^console: Failed to load resource: the server responded with a status of (401|404)/.test(p));
    expect(real).toEqual([]);
  });
});
