import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, login, type Session, startHarness } from './harness.js';

// Issue 13, point 1: the CSRF hook looked at the raw URL while the router decodes it, so
// `POST /%61pi/v1/users/2/disable` with the admin's cookie alone went through. Every state-changing
// request with a session needs the token, whatever its path looks like.
let h: Harness;
let admin: Session;
let techId: number;
beforeAll(async () => {
  h = await startHarness({ rulesIntervalMs: 0, invoicing: false });
  admin = await login(h.url, 'admin@vigie.test');
  techId = (await admin.get('/api/v1/users')).body.users.find((u: { email: string }) => u.email === 'tech@vigie.test').id;
});
afterAll(async () => h.close());

/** A raw request: the path goes on the wire exactly as written (fetch would normalise it). */
function raw(method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const u = new URL(h.url);
  return new Promise((resolve, reject) => {
    const headersOut = { 'content-type': 'application/json', 'content-length': '2', connection: 'close', ...headers };
    const req = request({ host: u.hostname, port: u.port, method, path, headers: headersOut, agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

const variants = (id: number) => [
  `/%61pi/v1/users/${id}/disable`,
  `/%61%70%69/v1/users/${id}/disable`,
  `/api/v1/users/%3${id}/disable`,
  `/api/v1/%75sers/${id}/disable`,
  `//api/v1/users/${id}/disable`,
  `/api//v1/users/${id}/disable`,
  `/API/v1/users/${id}/disable`,
  `/api/v1/users/${id}/disable/`,
  `/api/v1/users/${id}/disable.`,
  `/api/v1/users/${id}/disable?x=1`,
  `/api/v1/./users/${id}/disable`,
  `/api/v1/users/${id}/disable;x`,
  `/api/v1/users/${id}/disable#`,
];

describe('CSRF whatever the path looks like', () => {
  it.each(variants(2).map((_, i) => i))('variant %i of POST /api/v1/users/:id/disable with the cookie alone is refused', async (i) => {
    const path = variants(techId)[i]!;
    const res = await raw('POST', path, { cookie: admin.cookie });
    expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({ path, status: 403, code: 'VIGIE_E_CSRF' });
    expect((await admin.get('/api/v1/users')).body.users.find((u: { id: number }) => u.id === techId).disabled_at).toBeNull();
  });

  it.each(['PUT', 'PATCH', 'DELETE'])('%s without the token is refused too', async (method) => {
    const res = await raw(method, `/%61pi/v1/policies/client/${h.acme.clientId}`, { cookie: admin.cookie });
    expect(res.body.error.code).toBe('VIGIE_E_CSRF');
  });

  it('still lets the request through with the token, and login and enrollment carry their own credential', async () => {
    const ok = await raw('POST', `/%61pi/v1/users/${techId}/enable`, { cookie: admin.cookie, 'x-csrf-token': admin.csrf });
    expect(ok.status).toBe(200);
    const wrong = await raw('POST', `/api/v1/users/${techId}/disable`, { cookie: admin.cookie, 'x-csrf-token': `${admin.csrf}x` });
    expect(wrong.body.error.code).toBe('VIGIE_E_CSRF');
    const relogin = await raw('POST', '/api/v1/auth/%6cogin', { cookie: admin.cookie });
    expect(relogin.body.error.code).toBe('VIGIE_E_VALIDATION');
    const enroll = await raw('POST', '/api/v1/enroll', { cookie: admin.cookie });
    expect(enroll.body.error.code).toBe('VIGIE_E_VALIDATION');
  });
});
