import { freshTotpCode, sqliteHandleOf } from '@vigie/collector';
import { encodeMessage, type PatchesBody } from '@vigie/shared';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { launch, screenshot, signIn, type TestBrowser } from './browser.js';
import { PASSWORD, type Seeded, startSeededCollector, TOTP_SECRETS } from './seed.js';

// Issue 17, compliance view: pending updates reported by agents over the real channel, shown to a
// technician across clients (filters, threshold, the device's list) and to a client user for its
// own devices only.
const DAY = 86_400_000;
let s: Seeded;
let tb: TestBrowser;
let tech: Page;
const ids: Record<string, number> = {};

/** Enrolls an agent for `hostname` and sends its patches reports over the agent channel, each acknowledged. */
async function agentReports(siteId: number, hostname: string, reports: PatchesBody[]): Promise<number> {
  const t = await s.collector.enrollment.createToken(siteId);
  const res = await fetch(`${s.url}/api/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: t.token, hostname, platform: 'linux', arch: 'x64', agentVersion: '0.1.0-test' }),
  });
  const cred = (await res.json()) as { agentId: string; secret: string; deviceId: number };
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v1/agent`, { headers: { authorization: `Bearer ${cred.agentId}.${cred.secret}` } });
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  const acked = (seq: number) =>
    new Promise<void>((resolve) => {
      const on = (data: WebSocket.RawData) => {
        const m = JSON.parse(String(data));
        if (m.type === 'ack' && m.body.seq >= seq) {
          ws.off('message', on);
          resolve();
        }
      };
      ws.on('message', on);
    });
  const hello = {
    agentVersion: '0.1.0-test',
    protocol: 1,
    hostname,
    platform: 'linux',
    arch: 'x64',
    nextSeq: 1,
    spool: { pendingFrames: 0, pendingBytes: 0, droppedFrames: 0 },
  };
  ws.send(encodeMessage({ type: 'hello', seq: 0, body: hello }));
  let seq = 0;
  for (const body of reports) {
    const wait = acked(++seq);
    ws.send(encodeMessage({ type: 'patches', seq, body }));
    await wait;
  }
  ws.close();
  return cred.deviceId;
}

const update = (name: string, from: string, to: string, security = false) => ({
  name,
  arch: 'amd64',
  installedVersion: from,
  candidateVersion: to,
  security,
  rebootRequired: name.startsWith('linux-image'),
  origin: security ? 'Debian-Security:12/stable-security' : 'Debian:12.6/stable',
});

beforeAll(async () => {
  s = await startSeededCollector(0);
  const now = Date.now();
  ids.old = await agentReports(s.acme.siteId, 'SRV-ACME-PATCH', [
    { source: 'apt', collectedAt: now - 45 * DAY, rebootPending: false, updates: [update('openssl', '3.0.15-1~deb12u1', '3.0.17-1~deb12u2', true)] },
    {
      source: 'apt',
      collectedAt: now - 60_000,
      rebootPending: true,
      updates: [update('openssl', '3.0.15-1~deb12u1', '3.0.17-1~deb12u2', true), update('tzdata', '2024a-0+deb12u1', '2025b-0+deb12u1')],
    },
  ]);
  ids.ok = await agentReports(s.acme.siteId, 'PC-ACME-AJOUR', [{ source: 'apt', collectedAt: now - 60_000, rebootPending: false, updates: [] }]);
  ids.globex = await agentReports(s.globex.siteId, 'SRV-GLOBEX-PATCH', [
    {
      source: 'windows-update',
      collectedAt: now - 60_000,
      rebootPending: false,
      updates: [
        {
          name: 'KB5037771',
          installedVersion: null,
          candidateVersion: '1',
          security: true,
          rebootRequired: true,
          title: '2024-05 Mise à jour cumulative (KB5037771)',
          id: '6c1f6a3e-53b1-4bf3-8d53-0f3a6d1ec4b2',
        },
      ],
    },
  ]);
  tb = await launch();
  tech = (await tb.page()).page;
  await signIn(tech, s.url, 'tech@vigie.test', PASSWORD);
});

afterAll(async () => {
  await tb?.close();
  await s?.close();
});

const row = (page: Page, host: string) => page.locator(`[data-testid=patch-compliance] tr[data-device="${host}"]`);

describe('compliance view (technician)', () => {
  it('shows every client’s devices: overdue beyond the threshold, up to date, never reported, restart pending', async () => {
    await tech.goto(`${s.url}/#/patches`);
    await expect.poll(async () => tech.locator('h1').textContent()).toBe('Conformité des mises à jour');
    await expect.poll(() => row(tech, 'SRV-ACME-PATCH').locator('.badge').textContent()).toBe('En retard');
    expect(await row(tech, 'SRV-ACME-PATCH').locator('td').nth(1).textContent()).toBe('Acme SARL');
    expect(await row(tech, 'PC-ACME-AJOUR').locator('.badge').textContent()).toBe('À jour');
    expect(await row(tech, 'SRV-GLOBEX-PATCH').locator('.badge').textContent()).toBe('En attente');
    expect(await row(tech, 'PC-COMPTA-01').locator('.badge').textContent()).toBe('Jamais transmis');
    expect(await tech.getByTestId('patch-tile-overdue').textContent()).toContain('En attente depuis plus de 30 jours');
    expect(await tech.getByTestId('patch-tile-reboot').locator('.tile-n').textContent()).toBe('1');
    await screenshot(tech, 'patch-compliance');
    // Restart pending only.
    await tech.getByTestId('patch-reboot').check();
    await expect.poll(() => tech.locator('[data-testid=patch-compliance] tbody tr').count()).toBe(1);
    await tech.getByTestId('patch-reboot').uncheck();
    // Sixty days: the 45-day-old update is pending, no longer overdue.
    await tech.getByTestId('patch-days').selectOption('60');
    await expect.poll(() => row(tech, 'SRV-ACME-PATCH').locator('.badge').textContent()).toBe('En attente');
    await tech.getByTestId('patch-state').selectOption('unknown');
    await expect.poll(() => row(tech, 'SRV-ACME-PATCH').count()).toBe(0);
    expect(await row(tech, 'PC-COMPTA-01').count()).toBe(1);
  });

  it('the device page lists its pending updates with the day each was first seen', async () => {
    await tech.goto(`${s.url}/#/devices/${ids.old}`);
    const pending = tech.getByTestId('patches-pending');
    await expect.poll(() => pending.locator('tr[data-package="openssl"] td').nth(2).textContent()).toBe('3.0.17-1~deb12u2');
    expect(await pending.locator('tr[data-package="openssl"] .badge').first().textContent()).toBe('Sécurité');
    const since = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeZone: 'Europe/Paris' }).format(Date.now() - 45 * DAY);
    expect(await pending.locator('tr[data-package="openssl"] td').nth(4).textContent()).toBe(since);
    expect(await tech.getByTestId('device-patches').textContent()).toContain('un redémarrage est en attente');
  });

  it('speaks English', async () => {
    await tech.goto(`${s.url}/#/patches`);
    await tech.getByTestId('lang').selectOption('en');
    await expect.poll(async () => tech.locator('h1').textContent()).toBe('Update compliance');
    await expect.poll(() => row(tech, 'SRV-ACME-PATCH').locator('.badge').textContent()).toBe('Overdue');
    await tech.getByTestId('lang').selectOption('fr');
  });
});

describe('approvals and agent versions (admin)', () => {
  it('an admin approves an update after a step-up: signed for the agent, shown as on its way; an excluded one cannot be chosen', async () => {
    const { page } = await tb.page();
    await signIn(page, s.url, 'admin@vigie.test', PASSWORD);
    // The client's policy, from the compliance page: tzdata excluded.
    await page.goto(`${s.url}/#/patches`);
    await page.locator('select[aria-label="Client"]').selectOption({ label: 'Acme SARL' });
    const form = page.getByTestId('patch-policy');
    await form.locator('textarea').fill('tzdata');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    await expect.poll(() => form.locator('[role=status]').textContent()).toBe('Politique enregistrée.');
    await page.goto(`${s.url}/#/devices/${ids.old}`);
    const pending = page.getByTestId('patches-pending');
    await expect.poll(() => pending.locator('tr[data-package="tzdata"] input').isDisabled()).toBe(true);
    expect(await pending.locator('tr[data-package="tzdata"] .badge').last().textContent()).toBe('Exclu');
    await pending.getByLabel('Choisir openssl').check();
    await page.getByTestId('approve-patches').click();
    await page.getByTestId('step-up').waitFor();
    await page
      .getByTestId('step-up')
      .getByLabel('Code à 6 chiffres')
      .fill(await freshTotpCode(TOTP_SECRETS.get('admin@vigie.test')!));
    await page.getByTestId('step-up').getByRole('button', { name: 'Confirmer' }).click();
    await expect.poll(() => page.getByTestId('device-patches').locator('[role=status]').textContent()).toContain('1 mise(s) à jour approuvée(s)');
    const cmd = sqliteHandleOf(s.collector.db).prepare("SELECT args FROM commands WHERE device_id = ? AND action = 'patch-install'").get(ids.old) as {
      args: string;
    };
    expect(JSON.parse(cmd.args).packages).toEqual([{ name: 'openssl', arch: 'amd64', version: '3.0.17-1~deb12u2' }]);
    await screenshot(page, 'device-patches-approve');
  });

  it('the versions page shows each agent’s version and its last update with why it failed', async () => {
    // As the agent reports a rollback (the self-update's own test runs that for real: installers/src/self-update.test.ts).
    const now = Date.now();
    const agent = sqliteHandleOf(s.collector.db).prepare('SELECT id FROM agents WHERE device_id = ?').get(ids.old) as { id: string };
    sqliteHandleOf(s.collector.db)
      .prepare(
        `INSERT INTO commands (id, client_id, device_id, agent_id, action, args, key_id, envelope, signature, nonce, state, created_at, not_before, expires_at, finished_at, error_code, error_message)
         VALUES ('cmd_seededrollback01', ?, ?, ?, 'agent-update', ?, 'seed', 'seed', 'seed', 'seed', 'failed', ?, ?, ?, ?, 'VIGIE_E_UPDATE_ROLLED_BACK', ?)`,
      )
      .run(
        s.acme.clientId,
        ids.old,
        agent.id,
        JSON.stringify({ version: '0.1.1' }),
        now,
        now,
        now + 3_600_000,
        now,
        '0.1.1 rolled back to 0.1.0-test: 0.1.1 did not connect and report healthy within 300 s',
      );
    const { page } = await tb.page();
    await signIn(page, s.url, 'admin@vigie.test', PASSWORD);
    await page.goto(`${s.url}/#/agent-versions`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Versions des agents');
    expect(await page.locator('[data-testid=version-tiles] [data-version="0.1.0-test"] .tile-n').textContent()).toBe('3');
    expect(await page.locator('tr[data-device="SRV-ACME-PATCH"] [data-testid=agent-version]').textContent()).toBe('0.1.0-test');
    const last = page.locator('tr[data-device="SRV-ACME-PATCH"] [data-testid=last-update]');
    expect(await last.locator('.badge').textContent()).toBe('0.1.1 · échouée');
    expect(await last.textContent()).toContain('Nouvelle version non saine à temps\u00a0: version précédente remise');
    expect(await last.textContent()).toContain('did not connect and report healthy within 300 s');
    await screenshot(page, 'agent-versions');
  });
});

describe('compliance view (client portal)', () => {
  it('a client user sees its own devices only, and another client’s device page is not found', async () => {
    const { page } = await tb.page();
    await signIn(page, s.url, 'dsi@acme.test', PASSWORD);
    await page.goto(`${s.url}/#/patches`);
    await expect.poll(() => row(page, 'SRV-ACME-PATCH').locator('.badge').textContent()).toBe('En retard');
    const hosts = await page.locator('[data-testid=patch-compliance] tbody tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-device')));
    expect(hosts).toContain('PC-ACME-AJOUR');
    expect(hosts).not.toContain('SRV-GLOBEX-PATCH');
    // No client column in the portal.
    expect(await row(page, 'SRV-ACME-PATCH').locator('td').nth(1).textContent()).toBe('Siège Lyon');
    await page.goto(`${s.url}/#/devices/${ids.globex}`);
    await expect.poll(() => page.getByTestId('not-found').count()).toBe(1);
    await screenshot(page, 'portal-patches');
  });

  it('raised no console error nor CSP violation', () => {
    // 401 before sign-in, 403 the approval's first answer (a step-up is needed: the prompt comes from it), 404 the other client's device.
    const real = tb.problems.list.filter((p) => !/^console: Failed to load resource: the server responded with a status of (401|403|404)/.test(p));
    expect(real).toEqual([]);
  });
});
