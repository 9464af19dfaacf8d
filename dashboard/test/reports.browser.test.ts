import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedBilling } from './billing-seed.js';
import { launch, screenshot, signIn, type TestBrowser } from './browser.js';
import { apiSession, PASSWORD, type Seeded, startSeededCollector } from './seed.js';

// Issue 9, point 4, in the technician's view: a client's page with two years of statistics and its
// report recipients, the reports of every client by year, producing, regenerating and resending
// them through a real SMTP relay on loopback, and the jobs followed until they end.
let s: Seeded;
let tb: TestBrowser;
let tech: Page;
let month: string;
let relay: SMTPServer;
const mails: { to: string[]; raw: string }[] = [];

const text = async (page: Page, sel: string) => (await page.locator(sel).first().textContent()) ?? '';
const reportMails = () => mails.filter((m) => /Content-Type: application\/pdf/i.test(m.raw));

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

/** Records every state a followed job shows, from the moment it appears. */
async function watchJobStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as any).__jobStates = seen;
    const record = () => {
      for (const el of document.querySelectorAll<HTMLElement>('[data-testid=job-progress]')) {
        const st = `${el.querySelector('strong')?.textContent}|${el.dataset.status}`;
        if (seen.at(-1) !== st) seen.push(st);
      }
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  });
}
const jobStates = (page: Page): Promise<string[]> => page.evaluate(() => (window as any).__jobStates);

beforeAll(async () => {
  const t0 = Date.now();
  const smtpUrl = await startRelay();
  s = await startSeededCollector(0, { notifications: { smtpUrl, from: 'Sibio Infogérance <rapports@sibio.test>', webhooks: [] } });
  ({ month } = await seedBilling(s));
  tb = await launch();
  tech = (await tb.page()).page;
  await signIn(tech, s.url, 'tech@vigie.test', PASSWORD);
  console.log(`[reports] collector, SMTP relay and Chromium started in ${Date.now() - t0} ms`);
});

afterAll(async () => {
  await tb?.close();
  await s?.close();
  await new Promise((r) => relay?.close(() => r(null)));
});

describe('a client’s page for the technician', () => {
  it('opens from the overview with two years of statistics, and sets who receives the monthly report', async () => {
    await tech.goto(`${s.url}/#/`);
    await tech.getByTestId('overview-clients').getByRole('link', { name: 'Acme SARL' }).click();
    await expect.poll(() => text(tech, '[data-testid=client-title]')).toBe('Acme SARL');
    const charts = tech.locator('[data-testid=stats] figure');
    await expect.poll(() => tech.locator('[data-testid=stats] canvas').count()).toBe(5);
    expect(await charts.evaluateAll((fs) => fs.map((f) => f.getAttribute('data-months')))).toEqual(['24', '24', '24', '24', '24']);
    expect(await tech.getByTestId('client-sites').textContent()).toContain('Siège Lyon');

    await tech.getByLabel('Destinataires (séparés par des virgules)').fill('dsi@acme.test, direction@acme.test');
    await tech.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await expect.poll(() => text(tech, '.success')).toBe('Destinataires enregistrés.');
    const saved = await (await apiSession(s.url, 'tech@vigie.test')).get(`/api/v1/clients/${s.acme.clientId}/report-settings`);
    expect(saved).toMatchObject({ recipients: ['dsi@acme.test', 'direction@acme.test'], ownRecipients: true, lang: 'fr' });
    // Issue 18, point 11: the technician's word on the month, printed on the report's summary page.
    const comment = tech.getByTestId('report-comment');
    await comment.getByTestId('report-comment-month').fill(month);
    await comment.getByTestId('report-comment-text').fill('Mois calme : la sauvegarde du serveur a été déplacée à 2 h.');
    await comment.getByRole('button', { name: 'Enregistrer le commentaire' }).click();
    await expect.poll(() => text(tech, '[data-testid=report-comment-saved]')).toMatch(/^Commentaire enregistré\u00a0: il figurera dans le rapport de /);
    await expect.poll(async () => (await comment.textContent()) ?? '').toContain('Écrit par Thomas Technicien le');
    await screenshot(tech, 'client');
  });
});

describe('monthly reports in the technician’s view', () => {
  it('produces a month’s reports for every client, following the job from queued to done, then lists them by client and year', async () => {
    await tech.goto(`${s.url}/#/reports`);
    await tech.getByTestId('reports-year').selectOption(month.slice(0, 4));
    await expect.poll(() => tech.locator('main').textContent()).toContain('Aucun rapport pour cette année.');
    await watchJobStates(tech);
    await tech.getByTestId('generate-month').fill(month);
    await tech.getByRole('button', { name: 'Produire', exact: true }).click();
    const job = tech.getByTestId('job-progress').first();
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    // Seen while it ran, before it ended: the page followed the job, it did not just read the end.
    const states = await jobStates(tech);
    expect(states.length).toBeGreaterThan(1);
    expect(states[0]).toMatch(/\|(queued|running)$/);
    expect(states.at(-1)).toMatch(/Production à la demande.*\|succeeded$/);
    const clients = (await (await apiSession(s.url, 'tech@vigie.test')).get('/api/v1/clients')).clients.length;
    expect((await job.textContent())?.replace(/\s+/g, ' ')).toContain(`${clients} / ${clients}`);
    const results = await job.getByTestId('job-results').textContent();
    expect(results).toContain('Acme SARL · fait');
    expect(results).toContain('Globex SAS · fait');

    // The list was read again once the job ended: both clients' reports of the month, first version.
    const acme = tech.locator(`tr[data-report="${s.acme.clientId}:${month}"]`);
    await expect.poll(() => acme.getByTestId('revision').textContent()).toBe('1');
    await expect.poll(() => tech.locator('[data-testid=reports] tbody tr').count()).toBe(clients);
    expect(await acme.getByTestId('delivery').textContent()).toBe('jamais envoyé');
    const pdf = await tech.request.get(`${s.url}${await acme.getByTestId('report-pdf').getAttribute('href')}`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    // The comment written on the client's page is on the summary page, signed.
    const pdfText = execFileSync('pdftotext', ['-', '-'], { input: await pdf.body() })
      .toString('utf8')
      .replace(/[\s\u00a0\u202f]+/g, ' ');
    expect(pdfText).toContain('Le mot de votre technicien Mois calme : la sauvegarde du serveur a été déplacée à 2 h. Thomas Technicien, le');
    // One client only.
    await tech.getByTestId('reports-client').selectOption(String(s.globex.clientId));
    await expect.poll(() => tech.locator('[data-testid=reports] tbody tr').count()).toBe(1);
    expect(await tech.locator(`tr[data-report="${s.globex.clientId}:${month}"]`).count()).toBe(1);
    await tech.getByTestId('reports-client').selectOption('');
    await expect.poll(() => tech.locator('[data-testid=reports] tbody tr').count()).toBe(clients);
    // The jobs table: the job, done.
    await expect.poll(() => tech.locator('[data-testid=jobs] tbody tr').first().getAttribute('data-status')).toBe('succeeded');
  });

  it('resends a report by e-mail exactly once to the client’s recipients, and regenerates it as a new version', async () => {
    const acme = tech.locator(`tr[data-report="${s.acme.clientId}:${month}"]`);
    const before = reportMails().length;
    await acme.getByRole('button', { name: 'Renvoyer' }).click();
    const job = tech.getByTestId('job-progress').first();
    await expect.poll(() => job.locator('strong').textContent()).toContain('Renvoi');
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    expect(await job.getByTestId('job-results').textContent()).toContain('envoyé (dsi@acme.test, direction@acme.test)');
    await expect
      .poll(() => acme.getByTestId('delivery').textContent())
      .toMatch(/^envoyé le \d\d\/\d\d\/\d{4} \d\d:\d\d · dsi@acme\.test, direction@acme\.test$/);
    const sent = reportMails().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to.sort()).toEqual(['direction@acme.test', 'dsi@acme.test']);
    await screenshot(tech, 'reports');

    await acme.getByRole('button', { name: 'Régénérer' }).click();
    await expect.poll(() => tech.getByTestId('job-progress').first().getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    await expect.poll(() => acme.getByTestId('revision').textContent()).toBe('2');
    expect(reportMails().length).toBe(before + 1); // regenerating does not mail
    expect(await tech.locator('[data-testid=jobs] tbody tr').count()).toBe(3);
  });

  it('is for staff: a client user has no such page and cannot start a job', async () => {
    const { page: client, context } = await tb.page();
    await signIn(client, s.url, 'dsi@acme.test', PASSWORD);
    await client.goto(`${s.url}/#/reports`);
    await expect.poll(() => client.getByTestId('reports').textContent()).toMatch(/Télécharger/);
    expect(await client.getByRole('button', { name: 'Produire' }).count()).toBe(0);
    const api = await apiSession(s.url, 'dsi@acme.test');
    await expect(api.post('/api/v1/reports/generate', { month })).rejects.toThrow(/: 403 /);
    await context.close();
  });
});

describe('content security', () => {
  it('had no console error, page error or CSP violation on any page', () => {
    // The sign-in page asks for a session before anyone signed in (401), on purpose.
    const real = tb.problems.list.filter((p) => !/^console: Failed to load resource: the server responded with a status of 401/.test(p));
    expect(real).toEqual([]);
  });
});
