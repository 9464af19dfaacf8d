import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freshTotpCode } from '../src/auth/totp/test-codes.js';
import { type Harness, login, PASSWORD, startHarness, TOTP_SECRETS } from './harness.js';

// Issue 13, point 2: after logout (and /auth/me → 401) an open /api/v1/live kept receiving ticket
// events. A live socket lives as long as its session: logout, expiry, a new password or role end it.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rulesIntervalMs: 0, invoicing: false, liveRecheckMs: 200 });
});
afterAll(async () => h.close());

interface Live {
  ws: WebSocket;
  messages: any[];
  closed: Promise<{ code: number; reason: string }>;
}
function openLive(cookie: string): Promise<Live> {
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/live`, { headers: { cookie } });
  const messages: any[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(String(d))));
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
  return new Promise((resolve, reject) => {
    ws.once('message', () => resolve({ ws, messages, closed }));
    ws.once('error', reject);
  });
}
const userId = async (email: string) => {
  const admin = await login(h.url, 'admin@vigie.test');
  return (await admin.get('/api/v1/users')).body.users.find((u: { email: string }) => u.email === email).id as number;
};
const stillOpen = (l: Live) => l.ws.readyState === WebSocket.OPEN;

describe('a live socket ends with its session', () => {
  it('logout closes that session’s socket (and only it): no event reaches it afterwards', async () => {
    const a = await login(h.url, 'dsi@acme.test');
    const b = await login(h.url, 'dsi@acme.test');
    const liveA = await openLive(a.cookie);
    const liveB = await openLive(b.cookie);
    expect((await a.post('/api/v1/auth/logout')).status).toBe(200);
    expect(await liveA.closed).toEqual({ code: 1008, reason: 'session ended: logout' });
    expect((await a.get('/api/v1/auth/me')).status).toBe(401);
    // The other session still hears its client's tickets; the closed one heard nothing more.
    const heard = liveA.messages.length;
    expect((await b.post('/api/v1/tickets', { title: 'Imprimante en panne', description: 'Bourrage papier' })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 300));
    expect(liveB.messages.some((m) => m.type === 'ticket')).toBe(true);
    expect(liveA.messages.length).toBe(heard);
    liveB.ws.close();
  });

  it('expiry closes the socket at the next check', async () => {
    const s = await login(h.url, 'tech@vigie.test');
    const live = await openLive(s.cookie);
    const other = await openLive((await login(h.url, 'admin@vigie.test')).cookie);
    await h.collector.db.kysely
      .updateTable('sessions')
      .set({ expires_at: Date.now() - 1 })
      .where('user_id', '=', await userId('tech@vigie.test'))
      .execute();
    expect(await live.closed).toEqual({ code: 1008, reason: 'session ended: expired' });
    expect(stillOpen(other)).toBe(true);
    other.ws.close();
  });

  it('a new password closes every session of the account and its sockets; the old password stops working', async () => {
    const s1 = await login(h.url, 'it@globex.test');
    const s2 = await login(h.url, 'it@globex.test');
    const live1 = await openLive(s1.cookie);
    const live2 = await openLive(s2.cookie);
    expect((await s1.post('/api/v1/auth/password', { currentPassword: 'not the password', newPassword: 'a new password, long' })).body.error.code).toBe(
      'VIGIE_E_LOGIN_FAILED',
    );
    expect(stillOpen(live1)).toBe(true);
    expect((await s1.post('/api/v1/auth/password', { currentPassword: PASSWORD, newPassword: 'a new password, long' })).status).toBe(200);
    expect((await live1.closed).code).toBe(1008);
    expect((await live2.closed).reason).toBe('session ended: password-changed');
    expect((await s2.get('/api/v1/auth/me')).status).toBe(401);
    await expect(login(h.url, 'it@globex.test')).rejects.toThrow(/401/);
    expect((await (await login(h.url, 'it@globex.test', 'a new password, long')).get('/api/v1/auth/me')).status).toBe(200);
  });

  it('a new role closes the user’s sockets, and it signs in again with what the role allows', async () => {
    const admin = await login(h.url, 'admin@vigie.test');
    const client = await login(h.url, 'dsi@acme.test');
    const live = await openLive(client.cookie);
    const id = await userId('dsi@acme.test');
    const res = await admin.put(`/api/v1/users/${id}/role`, { role: 'client', clientId: h.globex.clientId });
    expect(res.body).toEqual({ id, role: 'client', clientId: h.globex.clientId });
    expect(await live.closed).toEqual({ code: 1008, reason: 'session ended: role-changed' });
    expect((await client.get('/api/v1/auth/me')).status).toBe(401);
    expect((await (await login(h.url, 'dsi@acme.test')).get('/api/v1/auth/me')).body.user.clientId).toBe(h.globex.clientId);
    // Admin only, never one's own, and the client binding is checked.
    expect((await client.put(`/api/v1/users/${id}/role`, { role: 'admin' })).status).toBe(401);
    expect((await admin.put(`/api/v1/users/${await userId('admin@vigie.test')}/role`, { role: 'technician' })).body.error.code).toBe('VIGIE_E_CONFLICT');
    expect((await admin.put(`/api/v1/users/${id}/role`, { role: 'client' })).body.error.code).toBe('VIGIE_E_VALIDATION');
    expect((await admin.put(`/api/v1/users/${id}/role`, { role: 'technician', clientId: 1 })).body.error.code).toBe('VIGIE_E_VALIDATION');
    const audit = await h.collector.db.kysely
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'user.role')
      .where('target', '=', `user:${id}`)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(audit.details ?? 'null')).toEqual({
      from: { role: 'client', clientId: h.acme.clientId },
      to: { role: 'client', clientId: h.globex.clientId },
    });
  });

  // Remote intervention (issue 16) makes TOTP mandatory for admins and for a technician allowed to
  // act on a client's machines: the live socket hears nothing before the second factor is set up,
  // including when the obligation comes (or comes back) while a socket is open.
  it('a technician given the remote permission hears nothing more live until it enrolled; a TOTP reset ends its sessions and sockets', async () => {
    const admin = await login(h.url, 'admin@vigie.test');
    const created = await admin.post('/api/v1/users', { email: 'intervenant@vigie.test', name: 'Intervenant', role: 'technician', password: PASSWORD });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    const tech = await login(h.url, 'intervenant@vigie.test');
    const before = await openLive(tech.cookie);
    expect((await admin.put(`/api/v1/users/${id}/remote-permissions`, { clientIds: [h.acme.clientId] })).status).toBe(200);
    expect(await before.closed).toEqual({ code: 1008, reason: 'session ended: second-factor-required' });
    // Its session may still enrol (and nothing else); the socket is refused until it did.
    await expect(openLive(tech.cookie)).rejects.toThrow(/403/);
    expect((await tech.get('/api/v1/tickets')).body.error.code).toBe('VIGIE_E_TOTP_ENROLMENT_REQUIRED');
    const setup = await tech.post('/api/v1/auth/totp/setup');
    expect((await tech.post('/api/v1/auth/totp/confirm', { code: await freshTotpCode(setup.body.secret) })).status).toBe(200);
    const enrolled = await openLive(tech.cookie);
    expect(stillOpen(enrolled)).toBe(true);

    // Lost phone: an admin resets its TOTP (with a step-up). Every session ends — one left open could
    // otherwise enrol a new authenticator without the password — and the sockets with them.
    expect((await admin.post('/api/v1/auth/step-up', { code: await freshTotpCode(TOTP_SECRETS.get('admin@vigie.test')!) })).status).toBe(200);
    expect((await admin.post(`/api/v1/users/${id}/totp/reset`)).status).toBe(200);
    expect(await enrolled.closed).toEqual({ code: 1008, reason: 'session ended: second-factor-reset' });
    expect((await tech.get('/api/v1/auth/me')).status).toBe(401);
    expect((await tech.post('/api/v1/auth/totp/setup')).status).toBe(401);
    // Signing in again with the password, it enrols anew.
    const again = await login(h.url, 'intervenant@vigie.test');
    expect((await again.post('/api/v1/auth/totp/setup')).status).toBe(200);
  });

  it('the periodic check closes a socket whose user must now enrol, should the cluster message be lost', async () => {
    const admin = await login(h.url, 'admin@vigie.test');
    const created = await admin.post('/api/v1/users', { email: 'second@vigie.test', name: 'Second', role: 'technician', password: PASSWORD });
    const tech = await login(h.url, 'second@vigie.test');
    const live = await openLive(tech.cookie);
    // As the CLI or another tool would: the permission written in the store, no message on the bus.
    await h.collector.db.kysely
      .insertInto('remote_permissions')
      .values({ user_id: created.body.id, client_id: h.acme.clientId, granted_by: null, granted_at: Date.now() })
      .execute();
    expect(await live.closed).toEqual({ code: 1008, reason: 'session ended: second-factor-required' });
  });
});
