import type { PatchesBody, PendingUpdate } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type Harness, login, type Session, startHarness, TestAgent } from './harness.js';

// Pending updates reported by agents over the real channel, dated by the collector, and the
// compliance view over them: staff across clients, a client user only its own devices.
const DAY = 86_400_000;
let h: Harness;
let tech: Session;
let acmeUser: Session;
const ids: Record<string, number> = {};
const agents: Record<string, TestAgent> = {};

const pkg = (name: string, from: string, to: string, extra: Partial<PendingUpdate> = {}): PendingUpdate => ({
  name,
  arch: 'amd64',
  installedVersion: from,
  candidateVersion: to,
  security: false,
  rebootRequired: false,
  origin: 'Debian:12/stable',
  ...extra,
});
const report = (collectedAt: number, updates: PendingUpdate[], over: Partial<PatchesBody> = {}): PatchesBody => ({
  source: 'apt',
  collectedAt,
  rebootPending: false,
  updates,
  ...over,
});

async function send(name: string, body: PatchesBody): Promise<void> {
  const a = agents[name]!;
  await a.waitAck(a.send('patches', body));
}

beforeAll(async () => {
  h = await startHarness();
  for (const [name, site] of [
    ['srv-old', h.acme.siteId],
    ['pc-recent', h.acme.siteId],
    ['pc-silent', h.acme.siteId],
    ['globex-1', h.globex.siteId],
  ] as const) {
    const cred = await enrollAgent(h, site, name);
    ids[name] = cred.deviceId;
    if (name === 'pc-silent') continue;
    agents[name] = await TestAgent.connect(h.wsUrl, cred);
    await agents[name]!.hello({ hostname: name });
  }
  tech = await login(h.url, 'tech@vigie.test');
  acmeUser = await login(h.url, 'dsi@acme.test');
});
afterAll(async () => {
  for (const a of Object.values(agents)) a.close();
  await h.close();
});

describe('pending updates per device', () => {
  it('dates each update when first reported and keeps that date while it stays pending', async () => {
    const now = Date.now();
    await send('srv-old', report(now - 40 * DAY, [pkg('openssl', '3.0.15-1', '3.0.17-1', { security: true, origin: 'Debian-Security:12/stable-security' })]));
    await send(
      'srv-old',
      report(now - DAY, [pkg('openssl', '3.0.15-1', '3.0.18-1', { security: true }), pkg('tzdata', '2024a-0', '2025b-0')], { rebootPending: true }),
    );
    const r = await tech.get(`/api/v1/devices/${ids['srv-old']}/patches`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ source: 'apt', rebootPending: true, truncated: false, recent: [] });
    expect(r.body.pending).toEqual([
      expect.objectContaining({
        name: 'openssl',
        arch: 'amd64',
        candidateVersion: '3.0.18-1',
        security: true,
        firstSeenAt: now - 40 * DAY,
        lastSeenAt: now - DAY,
      }),
      expect.objectContaining({ name: 'tzdata', security: false, firstSeenAt: now - DAY, resolvedAt: null }),
    ]);
    await send('pc-recent', report(now, [pkg('curl', '7.88.1-10', '7.88.1-10+deb12u8')]));
    await send('globex-1', report(now, []));
  });

  it('a package no longer listed is resolved; a report older than the stored one is ignored; a cut list resolves nothing', async () => {
    const now = Date.now();
    await send('pc-recent', report(now + 1000, [pkg('curl', '7.88.1-10', '7.88.1-10+deb12u8'), pkg('vim', '2:9.0.1378-2', '2:9.0.1378-2+deb12u1')]));
    // Truncated: vim is missing from it, but may just have been cut.
    await send('pc-recent', report(now + 2000, [pkg('curl', '7.88.1-10', '7.88.1-10+deb12u8')], { truncated: true }));
    let r = await tech.get(`/api/v1/devices/${ids['pc-recent']}/patches`);
    expect(r.body.pending.map((p: { name: string }) => p.name)).toEqual(['curl', 'vim']);
    expect(r.body.truncated).toBe(true);
    await send('pc-recent', report(now + 3000, [pkg('curl', '7.88.1-10', '7.88.1-10+deb12u8')]));
    // Replayed from before: would bring vim back if it counted.
    await send('pc-recent', report(now + 1500, [pkg('curl', '7.88.1-10', '7.88.1-10+deb12u8'), pkg('vim', '2:9.0.1378-2', '2:9.0.1378-2+deb12u1')]));
    r = await tech.get(`/api/v1/devices/${ids['pc-recent']}/patches`);
    expect(r.body.pending.map((p: { name: string }) => p.name)).toEqual(['curl']);
    expect(r.body.recent).toEqual([expect.objectContaining({ name: 'vim', resolvedAt: now + 3000 })]);
  });

  it('refuses a report whose package name could be read as an option, and keeps the connection’s earlier data', async () => {
    const a = agents['globex-1']!;
    a.send('patches', report(Date.now(), [pkg('--force-yes', '1', '2')]));
    const err = await a.next((m) => m.type === 'error');
    expect(err.body.code).toBe('VIGIE_E_INVALID_BODY');
    const r = await tech.get(`/api/v1/devices/${ids['globex-1']}/patches`);
    expect(r.body.pending).toEqual([]);
    expect(r.body.source).toBe('apt');
  });
});

describe('compliance view', () => {
  it('staff see every client: overdue, pending, up to date, never reported, restart pending', async () => {
    const r = await tech.get('/api/v1/patches/compliance?days=30');
    expect(r.status).toBe(200);
    const byHost = Object.fromEntries(r.body.devices.map((d: { hostname: string }) => [d.hostname, d]));
    expect(byHost['srv-old']).toMatchObject({ state: 'overdue', pending: 2, security: 1, overdue: 1, rebootPending: true, clientName: 'Acme SARL' });
    expect(byHost['pc-recent']).toMatchObject({ state: 'pending', pending: 1, overdue: 0, rebootPending: false });
    expect(byHost['pc-silent']).toMatchObject({ state: 'unknown', pending: 0, source: null, rebootPending: null });
    expect(byHost['globex-1']).toMatchObject({ state: 'up-to-date', pending: 0, clientName: 'Globex SAS' });
    expect(r.body.summary).toEqual({ devices: 4, upToDate: 1, pending: 1, overdue: 1, unknown: 1, rebootPending: 1, withSecurity: 1 });
    // With a longer threshold, the 40-day-old update is not overdue yet.
    const lenient = await tech.get('/api/v1/patches/compliance?days=60');
    expect(lenient.body.devices.find((d: { hostname: string }) => d.hostname === 'srv-old').state).toBe('pending');
    const onlyReboot = await tech.get('/api/v1/patches/compliance?rebootPending=true');
    expect(onlyReboot.body.devices.map((d: { hostname: string }) => d.hostname)).toEqual(['srv-old']);
    const globexOnly = await tech.get(`/api/v1/patches/compliance?clientId=${h.globex.clientId}`);
    expect(globexOnly.body.devices.map((d: { hostname: string }) => d.hostname)).toEqual(['globex-1']);
  });

  it('a client user sees its own devices only, and another client’s devices or id as not found', async () => {
    const r = await acmeUser.get('/api/v1/patches/compliance');
    expect(r.status).toBe(200);
    expect(r.body.devices.map((d: { hostname: string }) => d.hostname).sort()).toEqual(['pc-recent', 'pc-silent', 'srv-old']);
    expect(r.body.summary.devices).toBe(3);
    expect((await acmeUser.get(`/api/v1/patches/compliance?clientId=${h.globex.clientId}`)).status).toBe(404);
    expect((await acmeUser.get(`/api/v1/devices/${ids['globex-1']}/patches`)).status).toBe(404);
    expect((await acmeUser.get(`/api/v1/devices/${ids['srv-old']}/patches`)).status).toBe(200);
    expect((await tech.get('/api/v1/devices/999999/patches')).status).toBe(404);
  });

  it('answers with the collector’s error for a threshold out of range', async () => {
    const r = await tech.get('/api/v1/patches/compliance?days=0');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VIGIE_E_VALIDATION');
  });

  it('the state at an earlier moment comes from the dated history (what the monthly report reads)', async () => {
    const now = Date.now();
    const before = await h.collector.patches.repository.complianceAt(now - 20 * DAY, 30, { clientId: h.acme.clientId });
    const old = before.find((d) => d.hostname === 'srv-old')!;
    // 20 days ago only openssl was pending (first seen 40 days ago: not yet 30 days then), no restart
    // was; the devices enrolled since and silent then were not there yet.
    expect(old).toMatchObject({ state: 'pending', pending: 1, security: 1, overdue: 0, rebootPending: false });
    expect(before.map((d) => d.hostname)).toEqual(['srv-old']);
  });
});

describe('the monthly report’s updates section', () => {
  it('is built from the same dated history: the month’s end state, what was applied in the month', async () => {
    const { parisDate } = await import('@vigie/shared');
    const month = parisDate(Date.now()).slice(0, 7);
    // A minute ahead: the reports above were dated up to a few seconds in the future.
    const r = await h.collector.reports.builder.build(h.acme.clientId, month, Date.now() + 60_000);
    expect(r.patches).toMatchObject({
      days: 30,
      devices: 3,
      upToDate: 0,
      pending: 1,
      overdue: 1,
      unknown: 1,
      rebootPending: 1,
      withSecurity: 1,
      more: 0,
    });
    expect(r.patches?.behind.map((d) => d.hostname)).toEqual(['srv-old', 'pc-recent']);
    // vim on pc-recent was resolved this month (unless the month began in the last few seconds).
    expect(r.patches?.applied).toMatchObject({ updates: 1, security: 0, devices: 1 });
    const { renderReportPdf } = await import('../src/reports/report-pdf.js');
    const { pdf } = await renderReportPdf(r, 'en');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  });
});
