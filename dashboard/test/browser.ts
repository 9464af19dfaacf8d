import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freshTotpCode } from '@vigie/collector';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { TOTP_SECRETS } from './seed.js';

/** Debian's Chromium (scripts/setup.mjs installs it); playwright-core never downloads a browser here. */
export const CHROMIUM = process.env.VIGIE_CHROMIUM ?? '/usr/bin/chromium';

export interface Problems {
  /** Console errors, page errors and CSP violations seen so far, across every page. */
  list: string[];
}

export interface TestBrowser {
  browser: Browser;
  problems: Problems;
  /** A fresh context (its own cookies) and page, watched for console errors and CSP violations. */
  page(opts?: { width?: number; height?: number }): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

export async function launch(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // playwright-core gives the browser a fresh temporary profile of its own (no --user-data-dir).
  });
  const problems: Problems = { list: [] };
  return {
    browser,
    problems,
    async page(opts = {}) {
      const context = await browser.newContext({
        viewport: { width: opts.width ?? 1440, height: opts.height ?? 900 },
        locale: 'fr-FR',
        timezoneId: 'America/New_York', // the dashboard must show Paris time whatever the browser's zone
      });
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error' || /Content[- ]Security[- ]Policy/i.test(m.text())) problems.list.push(`console: ${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => problems.list.push(`pageerror: ${e.message}`));
      page.on('dialog', (d) => {
        problems.list.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      return { context, page };
    },
    async close() {
      await browser.close();
    },
  };
}

export async function signIn(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel(/Adresse e-mail|E-mail address/).fill(email);
  await page.getByLabel(/Mot de passe|Password/).fill(password);
  await page.getByRole('button', { name: /Se connecter|Sign in/ }).click();
  // Staff with a second factor: the form then asks for the app's code.
  const secret = TOTP_SECRETS.get(email);
  if (secret) {
    await page.getByLabel(/Code de l’application|Authenticator app code/).fill(await freshTotpCode(secret));
    await page.getByRole('button', { name: /Se connecter|Sign in/ }).click();
  }
  await page.locator('.topbar').waitFor();
}

/** Saves a screenshot when VIGIE_SCREENSHOTS names a folder (docs/screenshots for the README). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.VIGIE_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}
