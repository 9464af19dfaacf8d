import { sqliteHandleOf } from '@vigie/collector';
import type { Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, screenshot, signIn, type TestBrowser } from './browser.js';
import { apiSession, PASSWORD, type Seeded, startSeededCollector } from './seed.js';

// Issue 18 in Debian's Chromium against a real collector: the day of a provider's technicians and of
// a client's IT manager — what to fix first, incidents acknowledged, tickets by SLA deadline, the
// device page's checks readable, charts with dates, units, a range picker and zoom, the ticket form
// as the contract defines it (with attachments, refused ones said in French), the portal on a
// 390×844 phone, clients and sites created without the CLI, a password reset by e-mail through a
// real SMTP server on loopback, and French typography on every page visited.
let s: Seeded;
let tb: TestBrowser;
let tech: Page;
let relay: SMTPServer;
const mails: { to: string[]; raw: string }[] = [];

const text = async (page: Page, sel: string) => (await page.locator(sel).first().textContent()) ?? '';
const norm = (x: string | null) => (x ?? '').replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ');
// A 1×1 PNG (signature, IHDR, IDAT, IEND), as a screenshot a user attaches.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082',
  'hex',
);

function startRelay(): Promise<string> {
  relay = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  return new Promise((resolve) => relay.listen(0, '127.0.0.1', () => resolve(`smtp://127.0.0.1:${(relay.server.address() as { port: number }).port}`)));
}

/**
 * French typography in what the page shows: no ordinary space before « : ; ? ! » (a no-break one),
 * no straight apostrophe between letters. Times (12:30), URLs and e-mail addresses are not sentences.
 */
async function typographyFaults(page: Page): Promise<string[]> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText keeps the rendered lines, one sentence per line here
  const body = await page.locator('main, .login-page').first().innerText();
  const faults: string[] = [];
  for (const line of body.split('\n')) {
    if (/\S [:;?!](\s|$)/.test(line)) faults.push(`space before punctuation: ${line}`);
    if (/[a-zà-ÿ]'[a-zà-ÿ]/i.test(line)) faults.push(`straight apostrophe: ${line}`);
  }
  return faults;
}

/** Nothing wider than the screen: the page never scrolls sideways. */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

beforeAll(async () => {
  const t0 = Date.now();
  const smtpUrl = await startRelay();
  s = await startSeededCollector(0, { notifications: { smtpUrl, from: 'Sibio Infogérance <support@sibio.test>', webhooks: [] } });
  const sql = sqliteHandleOf(s.collector.db);
  const now = Date.now();
  // Globex's server: its disk critical for two hours (no rule watches it: a failing check, no incident).
  sql
    .prepare(`INSERT INTO check_state (device_id, "check", target, status, code, message, "values", observed_at, since) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)`)
    .run(s.globexDevice, 'disk', 'C:', 'critical', 'DISK_FULL', 'Disque C: plein à 97 %', now, now - 2 * 3600_000);
  // Acme's PC: its backup check already warns (seed); the default rule opens a critical incident.
  await s.collector.rules.evaluate(now);
  tb = await launch();
  tech = (await tb.page()).page;
  await signIn(tech, s.url, 'tech@vigie.test', PASSWORD);
  console.log(`[daily-use] collector, SMTP relay and Chromium started in ${Date.now() - t0} ms`);
});

afterAll(async () => {
  await tb?.close();
  await s?.close();
  await new Promise((r) => relay?.close(() => r(null)));
});

describe('what to fix first (issue 18, point 3)', () => {
  it('opens the overview on the needs-attention list, critical first then the oldest, with device, client and links; acknowledges an incident', async () => {
    await tech.goto(`${s.url}/#/`);
    const rows = tech.locator('[data-testid=attention] tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
    const severities = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-severity')));
    const rank = (x: string | null) => ['critical', 'warning', 'unknown', 'ok'].indexOf(x ?? '');
    expect(severities.map(rank)).toEqual([...severities.map(rank)].sort((a, b) => a - b));
    // Critical: Globex's disk (two hours) before Acme's backup incident (just opened).
    const first = norm(await rows.nth(0).textContent());
    expect(first).toContain('Disque · C:');
    expect(first).toContain('SRV-GLOBEX-01');
    expect(first).toContain('Globex SAS');
    expect(await rows.nth(0).getByRole('link', { name: 'SRV-GLOBEX-01' }).getAttribute('href')).toBe(`#/devices/${s.globexDevice}`);
    const incident = tech.locator('[data-testid=attention] tbody tr[data-kind=incident]').filter({ hasText: 'PC-COMPTA-01' });
    await expect.poll(() => incident.count()).toBe(1);
    expect(norm(await incident.textContent())).toContain('Acme SARL');
    expect(norm(await incident.textContent())).toContain('Sauvegarde · Restic nas');
    // Labels, not identifiers.
    const all = await tech.getByTestId('attention').textContent();
    expect(all).not.toMatch(/\bbackup\b|\bdisk\b/);
    await screenshot(tech, 'attention');
    await incident.getByRole('button', { name: 'Prendre en compte' }).click();
    await expect.poll(async () => norm(await incident.textContent())).toContain('pris en compte');
    expect(await typographyFaults(tech)).toEqual([]);
  });

  it('lists incidents with their client and device, and who acknowledged them', async () => {
    await tech.goto(`${s.url}/#/incidents`);
    const row = tech.locator('[data-testid=incidents] tbody tr').filter({ hasText: 'PC-COMPTA-01' });
    await expect.poll(() => row.count()).toBe(1);
    const cells = norm(await row.textContent());
    expect(cells).toContain('Acme SARL');
    expect(await row.getByTestId('acknowledged').textContent()).toMatch(/^Pris en compte par Thomas Technicien le \d{2}\/\d{2}\/\d{4}/);
    expect(await row.getByTestId('acknowledge').count()).toBe(0);
  });

  it('sorts tickets by SLA deadline, the closest first', async () => {
    const api = await apiSession(s.url, 'tech@vigie.test');
    const day = 86_400_000;
    // Received by e-mail 3 days and 10 days ago (urgent remote: due one business day later).
    const recent = await api.post('/api/v1/tickets', {
      clientId: s.acme.clientId,
      title: 'Reçu il y a 3 jours',
      description: 'x',
      channel: 'email',
      receivedAt: Date.now() - 3 * day,
    });
    const old = await api.post('/api/v1/tickets', {
      clientId: s.acme.clientId,
      title: 'Reçu il y a 10 jours',
      description: 'x',
      channel: 'email',
      receivedAt: Date.now() - 10 * day,
    });
    await tech.goto(`${s.url}/#/tickets`);
    const ids = () => tech.locator('[data-testid=tickets] tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-ticket'))));
    await expect.poll(async () => (await ids()).filter((id) => id === recent.id || id === old.id)).toEqual([old.id, recent.id]);
    await tech.getByTestId('ticket-sort').selectOption('received');
    await expect.poll(async () => (await ids()).filter((id) => id === recent.id || id === old.id)).toEqual([recent.id, old.id]);
  });

  it('shows the device page’s checks by severity with the whole reason readable', async () => {
    await tech.goto(`${s.url}/#/devices/${s.acmeDevice}`);
    const checks = tech.locator('[data-testid=checks] tbody tr');
    await expect.poll(() => checks.count()).toBe(2);
    expect(await checks.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status')))).toEqual(['warning', 'ok']);
    const message = checks.nth(0).getByTestId('check-message');
    expect(norm(await message.textContent())).toContain('30 h');
    // Not clipped: the cell shows its whole text, and nothing lies over it.
    const clipped = await message.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const over = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return { hidden: el.scrollWidth > el.clientWidth + 1, covered: !!over && !el.contains(over) && over !== el };
    });
    expect(clipped).toEqual({ hidden: false, covered: false });
  });
});

describe('charts people can read (issue 18, point 9)', () => {
  it('has dates on the time axis beyond a day, units on the value axis, a range picker and drag-to-zoom', async () => {
    await tech.goto(`${s.url}/#/devices/${s.acmeDevice}`);
    const cpu = tech.locator('figure.chart').first();
    await cpu.locator('canvas').waitFor();
    expect(await cpu.getAttribute('data-x-axis')).toBe('Date et heure (Paris)');
    expect(await cpu.getAttribute('data-y-axis')).toBe('Pourcentage (%)');
    // A day: hours, with the date where the day changes.
    await tech.getByRole('tab', { name: 'Jour', exact: true }).click();
    await expect.poll(async () => (await cpu.getAttribute('data-x-ticks')) ?? '').toMatch(/\d{2}\/\d{2} \d{2}:\d{2}/);
    // Thirty days: dates only.
    await tech.getByRole('tab', { name: '30 jours' }).click();
    await expect.poll(async () => (await cpu.getAttribute('data-x-ticks')) ?? '').toMatch(/^\d{2}\/\d{2}( \| \d{2}\/\d{2})+$/);
    // A range picked by its dates.
    const period = tech.getByTestId('period');
    const from = await period.locator('input[type=date]').first().inputValue();
    await period.getByRole('button', { name: 'Afficher' }).click();
    await expect.poll(() => period.getAttribute('data-key')).toBe('custom');
    expect(from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // Drag across the chart: zoomed in, then back.
    const before = Number(await period.getAttribute('data-to')) - Number(await period.getAttribute('data-from'));
    const box = (await cpu.locator('.u-over').boundingBox())!;
    await tech.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await tech.mouse.down();
    await tech.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await tech.mouse.up();
    await expect.poll(() => period.getAttribute('data-key')).toBe('zoom');
    const zoomed = Number(await period.getAttribute('data-to')) - Number(await period.getAttribute('data-from'));
    expect(zoomed).toBeLessThan(before / 2);
    expect(await tech.getByTestId('zoomed').textContent()).toMatch(/^Zoom du \d{2}\/\d{2}\/\d{4}/);
    await tech.getByTestId('zoom-out').click();
    await expect.poll(() => period.getAttribute('data-key')).toBe('custom');
    await screenshot(tech, 'device-zoom');
  });
});

describe('tickets as the contract defines them (issue 18, points 2 and 5)', () => {
  it('a client files an urgent on-site request about a device with a screenshot; a refused file is said in French', async () => {
    const { page: client, context } = await tb.page();
    await signIn(client, s.url, 'dsi@acme.test', PASSWORD);
    await client.goto(`${s.url}/#/tickets/new`);
    const form = client.getByTestId('new-ticket-form');
    await form.waitFor();
    // Not urgent by default: programmed, at least 5 business days ahead, the rule shown.
    expect(await client.getByTestId('kind').getByLabel('Programmée').isChecked()).toBe(true);
    expect(norm(await client.getByTestId('kind').textContent())).toContain('au moins 5 jours ouvrés après la demande');
    await client.getByTestId('new-title').fill('Écran noir au démarrage');
    await client.getByTestId('new-description').fill('Depuis ce matin, le poste de l’accueil reste noir.');
    // A date too soon for a programmed request: said before sending, with the earliest date.
    const today = await client.evaluate(() => new Date().toISOString().slice(0, 10));
    await client.getByTestId('planned-date').fill(today);
    await client.getByRole('button', { name: 'Envoyer la demande' }).click();
    await expect
      .poll(async () => norm(await text(client, '[data-testid=form-problems]')))
      .toMatch(/au moins 5 jours ouvrés après la demande, soit le .* au plus tôt/);
    expect(await text(client, '[data-testid=form-problems]')).not.toMatch(/body|must|pattern/);
    await client.getByTestId('kind').getByLabel('Urgente').check();
    await client.getByTestId('mode').getByLabel('Sur site').check();
    await client.getByTestId('devices').selectOption({ label: 'PC-COMPTA-01 · Siège Lyon' });
    await client.getByTestId('attachment-input').setInputFiles([{ name: 'ecran.png', mimeType: 'image/png', buffer: PNG }]);
    await client.getByRole('button', { name: 'Envoyer la demande' }).click();
    await expect.poll(() => text(client, '[data-testid=ticket-title]')).toContain('Écran noir au démarrage');
    const page = norm(await client.locator('main').textContent());
    expect(page).toContain('Urgente');
    expect(page).toContain('Sur site');
    await expect.poll(async () => norm(await client.locator('main').textContent())).toContain('Équipements concernésPC-COMPTA-01');
    await expect.poll(async () => norm(await client.getByTestId('attachments').textContent())).toContain('ecran.png');
    // An executable named as a picture: refused by the collector, explained in French, naming the file.
    await client
      .getByTestId('attachment-input')
      .setInputFiles([{ name: 'photo.png', mimeType: 'image/png', buffer: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64)]) }]);
    await client.getByTestId('attachment-send').click();
    await expect
      .poll(() => text(client, '[data-testid=attachment-error]'))
      .toBe('«\u00a0photo.png\u00a0» n’est pas accepté\u00a0: joignez une image (PNG, JPEG, GIF, WebP), un PDF ou un fichier texte.');
    expect(await typographyFaults(client)).toEqual([]);
    await context.close();
  });

  it('publishes a monitoring ticket to the client after saying what will happen, and links the client’s ticket to it', async () => {
    const incident = sqliteHandleOf(s.collector.db)
      .prepare('SELECT ticket_id FROM incidents WHERE device_id = ? AND ticket_id IS NOT NULL')
      .get(s.acmeDevice) as {
      ticket_id: number;
    };
    await tech.goto(`${s.url}/#/tickets/${incident.ticket_id}`);
    await expect.poll(() => text(tech, '[data-testid=internal]')).toBe('interne');
    // The client's ticket about the same device was linked to it when filed.
    await expect.poll(async () => norm(await tech.getByTestId('links').textContent())).toMatch(/#\d+/);
    await tech.getByTestId('publish').click();
    const dialog = tech.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toContain('Un ticket publié ne redevient pas interne.');
    await dialog.getByRole('button', { name: 'Publier au client' }).click();
    await expect.poll(() => tech.getByTestId('internal').count()).toBe(0);
    await expect.poll(async () => norm(await tech.locator('main').textContent())).toContain('Publié au client');
  });
});

describe('the portal on a phone (issue 18, point 8)', () => {
  it('every portal page fits 390 px: a menu behind a button, tables as cards, forms usable', async () => {
    const { page: phone, context } = await tb.page({ width: 390, height: 844 });
    await signIn(phone, s.url, 'dsi@acme.test', PASSWORD);
    const nav = phone.getByTestId('main-nav');
    // The menu folds behind its button, and folds again once a page is chosen.
    await expect.poll(() => nav.isVisible()).toBe(false);
    await phone.getByTestId('menu-toggle').click();
    await expect.poll(() => nav.isVisible()).toBe(true);
    await nav.getByRole('link', { name: 'Inventaire' }).click();
    await expect.poll(() => nav.isVisible()).toBe(false);
    const wide: string[] = [];
    for (const path of [
      '/',
      '/inventory',
      '/network',
      '/recurring',
      '/invoices',
      '/finance',
      '/reports',
      '/stats',
      '/remote-actions',
      '/tickets/new',
      `/devices/${s.acmeDevice}`,
    ]) {
      await phone.goto(`${s.url}/#${path}`);
      await phone.locator('main h1').first().waitFor();
      await phone.waitForTimeout(300); // charts and tables lay out after their data
      const over = await overflow(phone);
      if (over > 0) wide.push(`${path}: ${over} px too wide`);
      // Tables become cards: no header row shown, each cell labelled.
      const headers = await phone.locator('main table.cards thead').evaluateAll((hs) => hs.filter((h) => getComputedStyle(h).display !== 'none').length);
      if (headers > 0) wide.push(`${path}: ${headers} table header(s) shown`);
    }
    expect(wide).toEqual([]);
    await phone.goto(`${s.url}/#/`);
    await phone.locator('[data-testid=tickets] tbody tr').first().waitFor();
    const card = phone.locator('[data-testid=tickets] tbody tr').first();
    expect(await card.evaluate((tr) => getComputedStyle(tr).display)).not.toBe('table-row');
    await screenshot(phone, 'portal-phone');
    // The request form: every field within the screen, the submit button reachable.
    await phone.goto(`${s.url}/#/tickets/new`);
    const submit = phone.getByRole('button', { name: 'Envoyer la demande' });
    await submit.scrollIntoViewIfNeeded();
    const b = (await submit.boundingBox())!;
    expect(b.x).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width).toBeLessThanOrEqual(390);
    await context.close();
  });
});

describe('administration without the CLI (issue 18, point 10)', () => {
  it('an administrator creates a client and its site; a technician has no users or clients menu', async () => {
    const { page: admin, context } = await tb.page();
    await signIn(admin, s.url, 'admin@vigie.test', PASSWORD);
    await admin.getByTestId('main-nav').getByRole('link', { name: 'Clients et sites' }).click();
    await admin.getByLabel('Nom du client').fill('Boulangerie Petit');
    await admin.getByRole('button', { name: 'Créer le client' }).click();
    await expect.poll(() => admin.locator('main').textContent()).toContain('Client «\u00a0Boulangerie Petit\u00a0» créé.');
    const created = sqliteHandleOf(s.collector.db).prepare("SELECT id FROM clients WHERE name = 'Boulangerie Petit'").get() as { id: number } | undefined;
    expect(created).toBeDefined();
    const block = admin.getByTestId('clients').locator('[data-client="Boulangerie Petit"]');
    await block.getByLabel('Nom du nouveau site').fill('Fournil Grenoble');
    await block.getByRole('button', { name: 'Ajouter le site' }).click();
    await expect.poll(() => block.getByTestId('client-sites').textContent()).toContain('Fournil Grenoble');
    const audit = sqliteHandleOf(s.collector.db).prepare("SELECT action FROM audit_log WHERE action IN ('client.create', 'site.create') ORDER BY id").all() as {
      action: string;
    }[];
    expect(audit.map((a) => a.action)).toEqual(['client.create', 'site.create']);
    await context.close();
    const nav = norm(await tech.getByTestId('main-nav').textContent());
    expect(nav).not.toContain('Utilisateurs');
    expect(nav).not.toContain('Clients et sites');
  });

  it('resets a forgotten password with the link mailed through the relay, and signs in with the new one', async () => {
    const { page, context } = await tb.page();
    await page.goto(`${s.url}/`);
    await page.getByTestId('forgotten').click();
    await page.getByTestId('reset-request').getByLabel('Adresse e-mail').fill('dsi@acme.test');
    await page.getByRole('button', { name: 'Recevoir le lien' }).click();
    await expect.poll(() => text(page, '[data-testid=reset-sent]')).toContain('Si un compte a cette adresse');
    const resetMail = () => mails.find((m) => m.to.includes('dsi@acme.test') && /initialis/.test(m.raw));
    await expect.poll(() => resetMail()).toBeDefined();
    const raw = resetMail()!.raw.replace(/=\r?\n/g, '');
    const token = /(?:token=|\n)([A-Za-z0-9_-]{20,})\s/.exec(raw)?.[1];
    expect(token, raw).toBeDefined();
    await page.goto(`${s.url}/#/reset?token=${token}`);
    await page.getByLabel('Nouveau mot de passe').fill('un-nouveau-mot-de-passe-solide');
    await page.getByLabel('Le même, une seconde fois').fill('un-nouveau-mot-de-passe-solide');
    await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
    await expect.poll(() => text(page, '[data-testid=reset-done]')).toBe('Mot de passe changé\u00a0: connectez-vous avec le nouveau.');
    // The old password no longer opens the account; the new one does.
    await page.goto(`${s.url}/`);
    await page.getByLabel('Adresse e-mail').fill('dsi@acme.test');
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await expect.poll(() => text(page, '.error')).toBe('Identifiants incorrects.');
    await signIn(page, s.url, 'dsi@acme.test', 'un-nouveau-mot-de-passe-solide');
    expect(await text(page, '.who-name')).toBe('Claire Dubois');
    await context.close();
  });
});

describe('content security', () => {
  it('had no console error, page error or CSP violation on any page', () => {
    // Chromium logs every refused request: the session probe before signing in, the old password
    // after the reset and the executable refused on purpose are expected refusals, nothing else is.
    const expected = /status of (401 \(Unauthorized\) \(\S+\/api\/v1\/auth\/(me|login)\)|400 \(Bad Request\) \(\S+\/attachments\?name=photo\.png\))$/;
    expect(tb.problems.list.filter((p) => !expected.test(p))).toEqual([]);
  });
});
