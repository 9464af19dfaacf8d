import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn as browserSignIn, launch, type TestBrowser } from '../../dashboard/test/browser.js';
import { staffSession, world } from './support/context.js';
import { call, ok, signIn } from './support/http.js';
import { Tally } from './support/tally.js';
import { freshCode } from './support/totp.js';

// Stored XSS in the dashboard, in Debian's Chromium: hostile text stored wherever a user, an admin
// or an agent can write it (ticket, comment, site, client, user and device names), then the pages
// that show it opened by a technician, an admin and a client user. Each payload carries a visible
// token (so the page did show it) and a data-xss attribute: an element with that attribute, a
// script that ran or a dialog means the text became markup.
const w = world();
const tally = new Tally('stored xss');
let browser: TestBrowser;
const PAYLOADS = [
  (n: string) => `<img src=x data-xss=1 onerror="document.body.dataset.pwned='${n}'">${n}`,
  (n: string) => `"><svg data-xss=1 onload="document.body.dataset.pwned='${n}'"></svg>${n}`,
  (n: string) => `</title><script data-xss=1>document.body.dataset.pwned='${n}'</script>${n}`,
  (n: string) => `<a data-xss=1 href="javascript:document.body.dataset.pwned='${n}'">${n}</a>`,
  (n: string) => `<iframe data-xss=1 srcdoc="<script>parent.document.body.dataset.pwned='${n}'</script>"></iframe>${n}`,
  (n: string) => `{{constructor.constructor('document.body.dataset.pwned=1')()}} ${n}`,
];
const token = (where: string, i: number) => `XSSPROBE${where}${i}`;
const ids: Record<string, number> = {};

beforeAll(async () => {
  const admin = staffSession('admin');
  const tech = await signIn(w.url, w.emails.tech, w.password);
  const client = await signIn(w.url, w.emails.acme, w.password);
  const title = PAYLOADS.map((p, i) => p(token('T', i))).join(' ');
  const ticket = ok(
    await client.post('/api/v1/tickets', { title: title.slice(0, 200), description: PAYLOADS.map((p, i) => p(token('D', i))).join('\n') }),
    'ticket',
  );
  ids.ticket = ticket.id;
  ok(await client.post(`/api/v1/tickets/${ticket.id}/events`, { type: 'comment', text: PAYLOADS.map((p, i) => p(token('C', i))).join('\n') }), 'comment');
  ok(await admin.post(`/api/v1/clients/${w.acme.client}/sites`, { name: PAYLOADS[0]!(token('S', 0)) }), 'site');
  ids.client = ok(await admin.post('/api/v1/clients', { name: PAYLOADS[1]!(token('K', 1)) }), 'client').id;
  ok(
    await admin.post('/api/v1/users', { email: 'xss@vigie.test', name: PAYLOADS[0]!(token('U', 0)), role: 'technician', password: 'a long enough password' }),
    'user',
  );
  const t = ok(await tech.post(`/api/v1/sites/${w.acme.site}/enrollment-tokens`, { label: PAYLOADS[2]!(token('L', 2)) }), 'token');
  ids.device = ok(
    await call(w.url, 'POST', '/api/v1/enroll', {
      body: { token: t.token, hostname: PAYLOADS[0]!(token('H', 0)).slice(0, 255), platform: 'linux', arch: 'x64', agentVersion: '0.1.0' },
    }),
    'enroll',
  ).deviceId;
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  tally.flush();
});

async function inspect(page: Page, hash: string, tokens: string[], who: string, prepare?: () => Promise<void>): Promise<void> {
  await page.goto(`${w.url}/#${hash}`);
  await prepare?.();
  await page
    .waitForFunction((t) => document.body.textContent ?? ''.includes(t), tokens[0]!, { timeout: 20_000 })
    .catch((err: Error) => {
      throw new Error(`${who} #${hash}: ${tokens[0]} never shown (${err.message.split('\n')[0]})`);
    });
  await page.waitForTimeout(300);
  const seen = await page.evaluate(
    (ts) => ({
      injected: document.querySelectorAll('[data-xss]').length,
      pwned: document.body.dataset.pwned ?? null,
      shown: ts.filter((t) => document.body.textContent ?? ''.includes(t)),
    }),
    tokens,
  );
  for (const t of tokens) tally.add(seen.injected === 0 && seen.pwned === null, `${who} #${hash} (${t}): ${JSON.stringify(seen)}`);
  expect(seen.shown.length).toBeGreaterThan(0);
}

describe('stored XSS, in Chromium', () => {
  it('a technician sees the hostile texts as text on every page that shows them', async () => {
    const { context, page } = await browser.page();
    await browserSignIn(page, w.url, w.emails.tech, w.password);
    await inspect(page, '/tickets', [token('T', 0)], 'technician');
    await inspect(
      page,
      `/tickets/${ids.ticket}`,
      [0, 1, 2, 3, 4, 5].flatMap((i) => [token('D', i), token('C', i)]),
      'technician',
    );
    await inspect(page, '/devices', [token('H', 0)], 'technician');
    await inspect(page, `/devices/${ids.device}`, [token('H', 0)], 'technician');
    await inspect(page, '/', [token('K', 1)], 'technician');
    await inspect(page, `/clients/${w.acme.client}`, [token('S', 0)], 'technician');
    // The hostile client's and site's names sort first: choose Acme's seeded site, which holds the hostile token label.
    await inspect(page, '/enrollment', [token('L', 2)], 'technician', async () => {
      await page.locator('select', { has: page.locator('option', { hasText: 'Acme SARL' }) }).selectOption(String(w.acme.client));
      await page.locator('select', { has: page.locator('option', { hasText: 'Siège Lyon' }) }).selectOption(String(w.acme.site));
    });
    await context.close();
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('an admin sees the hostile user name as text', async () => {
    const { context, page } = await browser.page();
    // The admin's sign-in asks for its app's code: typed as a person would.
    await page.goto(`${w.url}/`);
    await page.getByLabel(/Adresse e-mail|E-mail address/).fill(w.emails.admin);
    await page.getByLabel(/Mot de passe|Password/).fill(w.password);
    await page.getByRole('button', { name: /Se connecter|Sign in/ }).click();
    await page.getByLabel(/Code de l’application|Authenticator app code/).fill(await freshCode(w.totp.admin.secret));
    await page.getByRole('button', { name: /Se connecter|Sign in/ }).click();
    await page.locator('.topbar').waitFor();
    await inspect(page, '/users', [token('U', 0)], 'admin');
    // The control: text that did become markup is seen by the same check.
    const seen = await page.evaluate(() => {
      document.body.insertAdjacentHTML('beforeend', '<img src=x data-xss=1>');
      return document.querySelectorAll('[data-xss]').length;
    });
    expect(seen).toBe(1);
    await context.close();
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('a client user sees its hostile ticket and device as text in the portal', async () => {
    const { context, page } = await browser.page();
    await browserSignIn(page, w.url, w.emails.acme, w.password);
    await inspect(page, `/tickets/${ids.ticket}`, [token('D', 0), token('C', 3)], 'client');
    await inspect(page, '/inventory', [token('H', 0)], 'client');
    await context.close();
    expect(tally.takeLetThrough()).toEqual([]);
    // No page logged a CSP violation or ran a dialog: nothing tried to run.
    expect(browser.problems.list.filter((p) => /Content Security Policy|dialog/i.test(p))).toEqual([]);
  });
});
