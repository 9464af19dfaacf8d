import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freshTotpCode, sqliteHandleOf } from '@vigie/collector';
import { type Proc, startProcess, waitFor } from '@vigie/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, screenshot, signIn, type TestBrowser } from './browser.js';
import { apiSession, PASSWORD, type Seeded, startSeededCollector, TOTP_SECRETS } from './seed.js';

// Issue 16 in Debian's Chromium: a technician enrols TOTP from the QR page, runs an approved script
// on a real agent from the device's "Intervenir" section after a step-up, and watches its output
// arrive live over /api/v1/live; the client's portal lists the action, another client sees nothing.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const AGENT_BIN = join(root, 'agent', 'bin', 'vigie-agent.mjs');
const SCRIPT = ['echo "Diagnostic de $VIGIE_PARAM_CIBLE"', 'for i in 1 2 3 4 5; do echo "étape $i"; sleep 0.6; done', 'echo "terminé"', ''].join('\n');

let s: Seeded;
let tb: TestBrowser;
let agent: Proc | undefined;
let dir: string;
let deviceId: number;
const text = async (page: Page, sel: string) => (await page.locator(sel).first().textContent()) ?? '';

beforeAll(async () => {
  s = await startSeededCollector(0);
  dir = mkdtempSync(join(tmpdir(), 'vigie-dashboard-remote-'));
  const admin = await apiSession(s.url, 'admin@vigie.test');
  // Loopback only: the test agent pings nothing (no gateway, no Internet host).
  await admin.put(`/api/v1/policies/client/${s.acme.clientId}`, { probes: { network: { enabled: false } } });
  const techId = (await admin.get('/api/v1/users')).users.find((u: any) => u.email === 'tech@vigie.test').id;
  await admin.put(`/api/v1/users/${techId}/remote-permissions`, { clientIds: [s.acme.clientId] });
  await admin.post('/api/v1/auth/step-up', { code: await freshTotpCode(TOTP_SECRETS.get('admin@vigie.test')!) });
  const v = await admin.post('/api/v1/scripts', {
    name: 'Diagnostic réseau',
    language: 'sh',
    content: SCRIPT,
    params: [{ name: 'cible', type: 'string', required: true, label: 'Cible' }],
    timeoutSec: 60,
  });
  await admin.post(`/api/v1/script-versions/${v.id}/approve`);
  // A real agent whose machine allows scripts (root's ceiling file, 0644).
  mkdirSync(join(dir, 'etc'), { mode: 0o755 });
  writeFileSync(join(dir, 'etc', 'remote.conf'), 'remote: scripts\n', { mode: 0o644 });
  const token = await s.collector.enrollment.createToken(s.acme.siteId);
  const { stdout } = await promisify(execFile)(process.execPath, [AGENT_BIN, 'enroll', '--url', s.url, '--state-dir', join(dir, 'agent')], {
    env: { ...process.env, VIGIE_ENROLL_TOKEN: token.token },
  });
  deviceId = Number(/device (\d+)/.exec(stdout)?.[1]);
  // Loopback only from the first second: the agent starts with this policy, no default gateway ping.
  writeFileSync(
    join(dir, 'agent', 'state.json'),
    JSON.stringify({ policy: { version: 0, metricsIntervalSec: 60, inventoryIntervalSec: 3600, heartbeatSec: 30, probes: { network: { enabled: false } } } }),
    { mode: 0o600 },
  );
  agent = startProcess(process.execPath, [
    AGENT_BIN,
    'run',
    '--state-dir',
    join(dir, 'agent'),
    '--ceiling-file',
    join(dir, 'etc', 'remote.conf'),
    '--log-level',
    'warn',
  ]);
  await waitFor('agent connected', async () =>
    s.collector.channel.holds(sqliteHandleOf(s.collector.db).prepare('SELECT id FROM agents WHERE device_id = ?').pluck().get(deviceId) as string),
  );
  tb = await launch();
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await tb?.close();
  await s?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('remote intervention in the dashboard', () => {
  let tech: Page;

  it('makes a technician allowed to act on a client enrol TOTP first: QR code, first code, recovery codes', async () => {
    tech = (await tb.page()).page;
    await signIn(tech, s.url, 'tech@vigie.test', PASSWORD);
    await expect.poll(() => text(tech, 'h1')).toBe('Double authentification');
    expect(await text(tech, '.warning')).toContain('configurez la double authentification pour continuer');
    await tech.getByRole('button', { name: 'Configurer' }).click();
    const qr = tech.getByTestId('totp-qr');
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    // The QR image really is decoded and drawn by the browser (a broken image has no natural width).
    await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const secret = (await text(tech, '[data-testid=totp-secret]')).trim();
    TOTP_SECRETS.set('tech@vigie.test', secret);
    await tech.getByLabel('Code à 6 chiffres').fill(await freshTotpCode(secret));
    await tech.getByRole('button', { name: 'Activer' }).click();
    await expect.poll(() => tech.locator('[data-testid=recovery-codes] li').count()).toBe(10);
    await screenshot(tech, 'totp-recovery-codes');
    await tech.getByRole('button', { name: 'J’ai noté mes codes' }).click();
    await expect.poll(() => text(tech, 'h1')).toBe('Vue d’ensemble');
  });

  it('runs an approved script after a step-up and streams its output live to the console', async () => {
    await tech.goto(`${s.url}/#/devices/${deviceId}`);
    await tech.locator('#intervene').waitFor();
    await tech.locator('#intervene').getByRole('tab', { name: 'Scripts' }).click();
    await tech.locator('select[name=script]').selectOption({ label: 'Diagnostic réseau — v1 (sh)' });
    await tech.getByLabel('Cible').fill('routeur du siège');
    await tech.getByTestId('script-form').getByRole('button', { name: 'Lancer' }).click();
    // No step-up yet in this session: the prompt asks for a fresh code, then the run goes.
    await tech.getByTestId('step-up').waitFor();
    await tech
      .getByTestId('step-up')
      .getByLabel('Code à 6 chiffres')
      .fill(await freshTotpCode(TOTP_SECRETS.get('tech@vigie.test')!));
    await tech.getByTestId('step-up').getByRole('button', { name: 'Confirmer' }).click();
    const out = tech.getByTestId('console-output');
    // Live: the first lines show while the script still runs (it sleeps between steps).
    await expect.poll(() => out.textContent(), { timeout: 20_000 }).toContain('étape 1');
    const partial = (await out.textContent()) ?? '';
    expect(partial).not.toContain('terminé');
    expect(await tech.getByTestId('console').getAttribute('data-state')).not.toBe('succeeded');
    await expect
      .poll(() => out.textContent(), { timeout: 20_000 })
      .toBe('Diagnostic de routeur du siège\nétape 1\nétape 2\nétape 3\nétape 4\nétape 5\nterminé\n');
    await expect.poll(() => text(tech, '[data-testid=console-result]')).toMatch(/^Terminé\u00a0: code de sortie 0, \d/);
    await screenshot(tech, 'device-intervene-console');
    await expect.poll(() => tech.locator('#intervene [data-testid=command-table] tr[data-state=succeeded]').count()).toBe(1);
    await tech.goto(`${s.url}/#/commands`);
    await expect.poll(() => tech.locator('[data-testid=command-table] tbody tr').count()).toBeGreaterThan(0);
    expect(await text(tech, '[data-testid=command-table] tbody tr')).toContain('Diagnostic réseau');
    await tech.goto(`${s.url}/#/scripts`);
    await expect.poll(() => tech.locator('main').textContent()).toContain('Approuvée par Alice Admin');
  });

  it('shows the client its own remote actions, and another client none', async () => {
    const acme = (await tb.page()).page;
    await signIn(acme, s.url, 'dsi@acme.test', PASSWORD);
    await acme.goto(`${s.url}/#/remote-actions`);
    await expect.poll(() => acme.locator('[data-testid=command-table] tbody tr').count()).toBe(1);
    const row = await text(acme, '[data-testid=command-table] tbody tr');
    expect(row).toContain('Script «\u00a0Diagnostic réseau\u00a0» v1');
    expect(row).toContain('Thomas Technicien');
    expect(row).toContain('Réussie');
    await screenshot(acme, 'portal-remote-actions');
    const globex = (await tb.page()).page;
    await signIn(globex, s.url, 'it@globex.test', PASSWORD);
    await globex.goto(`${s.url}/#/remote-actions`);
    await expect.poll(() => text(globex, 'main')).toContain('Aucune action à distance sur vos machines.');
    // Refusals the pages handle (the sign-in's second step, the step-up) are the only failed loads.
    expect(tb.problems.list.filter((p) => !/^console: Failed to load resource: the server responded with a status of (401|403)/.test(p))).toEqual([]);
    expect(tb.problems.list.filter((p) => /status of 403/.test(p))).toHaveLength(1);
  });
});
