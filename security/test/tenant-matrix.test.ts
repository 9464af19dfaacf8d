import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffSession, world } from './support/context.js';
import { ok, type Session, signIn } from './support/http.js';
import { bodyFor, pathsFor, REFUSED, type Route, routeTable, SAFE } from './support/routes.js';
import { Tally } from './support/tally.js';
import { GLOBEX_MARKER, type TenantIds } from './support/world.js';

// Tenant isolation, generated from the route table: every route × method, called by one client's
// user with the other client's ids (both ways), must not act; lists and searches given the other
// client's ids must show nothing of it; and nothing of the other client may have changed.
const w = world();
const tally = new Tally('tenant isolation');
let routes: Route[];
let acme: Session;
let globex: Session;
let admin: Session;

/** What the provider sees of a client's objects, before and after the attacks. */
async function snapshot(ids: TenantIds): Promise<string> {
  const paths = [
    `/api/v1/tickets/${ids.ticket}`,
    `/api/v1/billing/invoices/${ids.invoice}`,
    `/api/v1/billing/recurring/${ids.recurring}`,
    `/api/v1/billing/orders?clientId=${ids.client}`,
    `/api/v1/billing/pickups?clientId=${ids.client}`,
    `/api/v1/billing/interventions?clientId=${ids.client}`,
    `/api/v1/billing/clients/${ids.client}/contract`,
    `/api/v1/clients/${ids.client}/report-settings`,
    `/api/v1/clients/${ids.client}/sites`,
    `/api/v1/sites/${ids.site}/enrollment-tokens`,
    `/api/v1/policies/client/${ids.client}`,
    `/api/v1/policies/site/${ids.site}`,
    `/api/v1/policies/device/${ids.device}`,
    `/api/v1/reports?clientId=${ids.client}`,
    `/api/v1/tickets/${ids.ticket}/remote-sessions`,
    `/api/v1/devices/${ids.device}/commands`,
    `/api/v1/clients/${ids.client}/remote-actions`,
    `/api/v1/commands/${ids.command}`,
  ];
  const parts = await Promise.all(paths.map(async (p) => [p, ok(await admin.get(p), p)] as const));
  const users = ok(await admin.get('/api/v1/users'), 'users').users.filter((u: { id: number }) => u.id === ids.user);
  const device = ok(await admin.get(`/api/v1/devices/${ids.device}`), 'device');
  // Times that move on their own (a device seen, a balance as of today) are not the client's data.
  return JSON.stringify({ parts, users, revoked: device.revokedAt ?? device.revoked_at ?? null }, (k, v) =>
    /^(lastSeen|last_seen|lastSeenAt|last_seen_at|connected|asOf|daysLate|penalt)/i.test(k) ? undefined : v,
  );
}

beforeAll(async () => {
  routes = await routeTable(w.url);
  acme = await signIn(w.url, w.emails.acme, w.password);
  globex = await signIn(w.url, w.emails.globex, w.password);
  admin = staffSession('admin');
});
afterAll(() => tally.flush());

describe('tenant matrix (route table × methods × the other client’s ids)', () => {
  it('knows whose object every route’s id names', () => {
    expect(routes.length).toBeGreaterThan(90);
    expect(routes.filter((r) => !pathsFor(r, w.globex)).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('refuses every route with an id when the id is the other client’s, and leaves that client’s data as it was', async () => {
    const before = await Promise.all([snapshot(w.globex), snapshot(w.acme)]);
    for (const [attacker, victim] of [
      [acme, w.globex],
      [globex, w.acme],
    ] as const) {
      for (const route of routes.filter((r) => r.path.includes('{'))) {
        for (const path of pathsFor(route, victim)!) {
          const res = await attacker.call(route.method, path, SAFE.has(route.method) ? {} : { body: bodyFor(route, victim, w.month) });
          tally.add(REFUSED.has(res.status), `${attacker.email} ${route.method} ${path} → ${res.status} ${res.text.slice(0, 120)}`);
        }
      }
    }
    expect(tally.takeLetThrough()).toEqual([]);
    expect(await Promise.all([snapshot(w.globex), snapshot(w.acme)])).toEqual(before);
  });

  it('shows nothing of the other client in any list or search given its ids', async () => {
    const g = w.globex;
    const query = `clientId=${g.client}&siteId=${g.site}&deviceId=${g.device}&ticketId=${g.ticket}&client=${g.client}&id=${g.client}`;
    const leak = new RegExp(`${GLOBEX_MARKER}|"(clientId|client_id)":${g.client}\\b|"(deviceId|device_id)":${g.device}\\b`);
    for (const route of routes.filter((r) => r.method === 'GET' && !r.path.includes('{'))) {
      for (const path of [route.path, `${route.path}?${query}`, `${route.path}?q=${GLOBEX_MARKER}&search=Globex`]) {
        const res = await acme.get(path);
        const leaked = res.status < 300 && leak.test(res.text);
        tally.add(!leaked, `GET ${path} → ${res.status} shows Globex: ${res.text.slice(0, 200)}`);
      }
    }
    // The control: the same lists as the provider do show Globex (the check can see a leak).
    expect(leak.test((await admin.get('/api/v1/tickets')).text)).toBe(true);
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('refuses objects created for the other client through a body, or keeps them in one’s own', async () => {
    const g = w.globex;
    const attempts: [string, string, unknown][] = [
      ['POST', '/api/v1/tickets', { clientId: g.client, title: 'attaque', description: 'attaque', deviceIds: [g.device] }],
      ['POST', '/api/v1/billing/quote', { clientId: g.client, kind: 'urgent', mode: 'remote', minutes: 30, date: `${w.month}-10` }],
      ['POST', '/api/v1/reports/generate', { month: w.month, clientId: g.client }],
      ['POST', '/api/v1/billing/invoices/generate', { month: w.month, clientId: g.client }],
      ['POST', '/api/v1/clients', { name: 'attaque' }],
      ['POST', '/api/v1/users', { email: 'evil@acme.test', name: 'x', role: 'client', clientId: g.client, password: 'a long enough password' }],
      ['POST', '/api/v1/rules', { name: 'x', type: 'threshold', params: {} }],
      ['POST', '/api/v1/maintenance-windows', { clientId: g.client, startsAt: Date.now(), endsAt: Date.now() + 60_000, reason: 'x' }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await acme.call(method, path, { body });
      let refused = REFUSED.has(res.status);
      if (!refused && path === '/api/v1/tickets') {
        // A client's ticket is its own: the body's client and another client's devices are ignored.
        refused = res.body.clientId === w.acme.client && !JSON.stringify(res.body).includes(`"deviceId":${g.device}`);
      }
      tally.add(refused, `${method} ${path} → ${res.status} ${res.text.slice(0, 200)}`);
    }
    expect(tally.takeLetThrough()).toEqual([]);
  });
});
