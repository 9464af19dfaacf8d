import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Harness, login, startHarness } from './harness.js';

/**
 * What the dashboard's administration pages need from the collector: disabling a user (and
 * enabling it again), the probes' schemas and defaults for the policy editor, and rules of every
 * type, the warranty rule included.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rulesIntervalMs: 0, invoicing: false });
});
afterAll(async () => h.close());

function openLive(url: string, cookie: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/live`, { headers: { cookie } });
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  return new Promise((resolve, reject) => {
    ws.once('message', () => resolve({ ws, closed }));
    ws.once('error', reject);
  });
}

describe('disabling a user', () => {
  it('an admin disables a user: its sessions and live socket close at once, it cannot sign in; enabled again, it can', async () => {
    const admin = await login(h.url, 'admin@vigie.test');
    const tech = await login(h.url, 'tech@vigie.test');
    const live = await openLive(h.url, tech.cookie);
    const id = (await admin.get('/api/v1/users')).body.users.find((u: any) => u.email === 'tech@vigie.test').id;

    const res = await admin.post(`/api/v1/users/${id}/disable`);
    expect(res.status).toBe(200);
    expect(res.body.disabledAt).toBeGreaterThan(0);
    expect((await tech.get('/api/v1/auth/me')).status).toBe(401);
    expect(await live.closed).toBe(1008);
    await expect(login(h.url, 'tech@vigie.test')).rejects.toThrow(/401/);
    // Still listed (its name stays on tickets and in the audit trail), no longer assignable.
    expect((await admin.get('/api/v1/users')).body.users.find((u: any) => u.id === id).disabled_at).toBe(res.body.disabledAt);
    expect((await admin.get('/api/v1/users/assignable')).body.users.map((u: any) => u.id)).not.toContain(id);
    // Disabling again keeps the first date.
    expect((await admin.post(`/api/v1/users/${id}/disable`)).body.disabledAt).toBe(res.body.disabledAt);

    expect((await admin.post(`/api/v1/users/${id}/enable`)).body).toEqual({ id, disabledAt: null });
    expect((await (await login(h.url, 'tech@vigie.test')).get('/api/v1/auth/me')).status).toBe(200);
    const audit = await h.collector.db.kysely
      .selectFrom('audit_log')
      .select('action')
      .where('target', '=', `user:${id}`)
      .where('action', 'like', 'user.%')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['user.disable', 'user.disable', 'user.enable']);
  });

  it('is for admins only, never one’s own account, and a missing user is not found', async () => {
    const admin = await login(h.url, 'admin@vigie.test');
    const tech = await login(h.url, 'tech@vigie.test');
    const users = (await admin.get('/api/v1/users')).body.users as any[];
    const adminId = users.find((u) => u.email === 'admin@vigie.test').id;
    const clientId = users.find((u) => u.email === 'dsi@acme.test').id;
    expect((await tech.post(`/api/v1/users/${clientId}/disable`)).status).toBe(403);
    expect((await admin.post(`/api/v1/users/${adminId}/disable`)).body.error.code).toBe('VIGIE_E_CONFLICT');
    expect((await admin.post('/api/v1/users/999999/disable')).status).toBe(404);
    expect((await (await login(h.url, 'dsi@acme.test')).get('/api/v1/auth/me')).status).toBe(200);
  });
});

describe('probes for the policy editor', () => {
  it('gives every probe’s schema and defaults to staff, and marks the site role’s', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const res = await tech.get('/api/v1/probes');
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.probes.map((p: any) => [p.id, p]));
    expect(Object.keys(byId).sort()).toEqual(['antivirus', 'backup', 'flows', 'network', 'patches', 'security', 'services', 'snmp']);
    expect(byId.network.defaults).toMatchObject({ pingGateway: true, pingHosts: [], certWarningDays: 30 });
    expect(byId.network.schema.properties.pingCount).toMatchObject({ type: 'integer', minimum: 1, maximum: 20, default: 4 });
    expect(byId.backup.schema.properties.targets.items.anyOf.map((v: any) => v.properties.kind.const)).toEqual(['restic', 'borg', 'folder', 'command']);
    expect([byId.snmp.siteRole, byId.flows.siteRole, byId.network.siteRole]).toEqual([true, true, false]);
    expect(res.body.policy).toEqual({ metricsIntervalSec: expect.any(Number), inventoryIntervalSec: expect.any(Number) });
    expect((await (await login(h.url, 'dsi@acme.test')).get('/api/v1/probes')).status).toBe(403);
  });
});

describe('rules of every type', () => {
  it('updates the warranty rule (its days), and refuses params of another type', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const warranty = (await tech.get('/api/v1/rules')).body.rules.find((r: any) => r.key === 'warranty-ending');
    const put = await tech.put(`/api/v1/rules/${warranty.id}`, {
      name: warranty.name,
      type: 'warranty',
      severity: 'warning',
      enabled: true,
      params: { days: 60 },
    });
    expect(put.status).toBe(200);
    expect((await tech.get('/api/v1/rules')).body.rules.find((r: any) => r.id === warranty.id).params).toEqual({ days: 60 });
    const wrong = await tech.post('/api/v1/rules', { name: 'x', type: 'threshold', severity: 'warning', params: { minutes: 5 } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain('"metric"');
  });
});
