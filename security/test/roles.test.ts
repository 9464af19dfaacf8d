import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from './support/context.js';
import { call, type Session, signIn } from './support/http.js';
import { bodyFor, pathsFor, REFUSED, type Route, routeTable, SAFE } from './support/routes.js';
import { Tally } from './support/tally.js';

// Roles, generated from the route table: anonymous callers reach nothing but the login and the
// enrollment; a client user reaches only the routes of the portal (with its own ids); a technician
// none of the admin's. A new route is refused to clients until it is added to the portal's list here.
const w = world();
const tally = new Tally('roles');
let routes: Route[];
let client: Session;
let tech: Session;

/** What a client user may call (with its own ids): the portal. Everything else is refused to it. */
const PORTAL = new Set([
  'POST /api/v1/auth/logout',
  'POST /api/v1/auth/password',
  'GET /api/v1/auth/me',
  'GET /api/v1/clients',
  'GET /api/v1/clients/{id}/sites',
  'GET /api/v1/devices',
  'GET /api/v1/devices/{id}',
  'GET /api/v1/devices/{id}/policy',
  'GET /api/v1/devices/{id}/checks',
  'GET /api/v1/devices/{id}/inventory/history',
  'GET /api/v1/devices/{id}/series',
  'GET /api/v1/devices/{id}/metrics',
  'GET /api/v1/clients/{id}/checks/summary',
  'GET /api/v1/clients/{id}/availability',
  'GET /api/v1/clients/{id}/stats',
  'GET /api/v1/clients/{id}/flow-report',
  'GET /api/v1/sites/{id}/flows',
  'GET /api/v1/overview',
  'GET /api/v1/tickets',
  'POST /api/v1/tickets',
  'GET /api/v1/tickets/{id}',
  'POST /api/v1/tickets/{id}/events',
  'GET /api/v1/tickets/{id}/interventions',
  'GET /api/v1/incidents',
  'POST /api/v1/billing/quote',
  'GET /api/v1/billing/interventions',
  'GET /api/v1/billing/recurring',
  'GET /api/v1/billing/recurring/{id}',
  'POST /api/v1/billing/recurring/{id}/occurrences/{occurrenceId}/change',
  'GET /api/v1/billing/orders',
  'GET /api/v1/billing/supplied-items',
  'GET /api/v1/billing/pickups',
  'GET /api/v1/billing/invoices',
  'GET /api/v1/billing/invoices/{id}',
  'GET /api/v1/billing/invoices/{id}/pdf',
  'POST /api/v1/billing/invoices/{id}/disputes',
  'GET /api/v1/billing/clients/{id}/finance',
  'GET /api/v1/billing/clients/{id}/contract',
  'GET /api/v1/reports',
  'GET /api/v1/reports/{id}',
  'GET /api/v1/reports/{id}/pdf',
  'GET /api/v1/reports/jobs',
  'GET /api/v1/reports/jobs/{id}',
  'GET /api/v1/clients/{id}/report-settings',
  // Factur-X: its own invoices' XML, UBL and e-mail deliveries.
  'GET /api/v1/billing/invoices/{id}/xml',
  'GET /api/v1/billing/invoices/{id}/ubl',
  'GET /api/v1/billing/invoices/{id}/deliveries',
  'GET /api/v1/billing/invoice-deliveries',
  // Remote intervention: whether TOTP concerns it (it never does), and what was done on its machines.
  'GET /api/v1/auth/totp',
  'GET /api/v1/devices/{id}/commands',
  'GET /api/v1/clients/{id}/remote-actions',
  'GET /api/v1/tickets/{id}/remote-sessions',
  // Patch management: its devices' compliance, pending updates, effective policy and install results.
  'GET /api/v1/patches/compliance',
  'GET /api/v1/devices/{id}/patches',
  'GET /api/v1/devices/{id}/patch-policy',
  'GET /api/v1/devices/{id}/patch-installs',
  // Issue 18: the files of its own tickets (the attachments a ticket form sends).
  'GET /api/v1/tickets/{id}/attachments',
  'POST /api/v1/tickets/{id}/attachments',
  'GET /api/v1/tickets/{id}/attachments/{attachmentId}',
]);
/** Routes without a session: they carry their own credential (or none is needed to read them). */
const PUBLIC = new Set([
  'POST /api/v1/auth/login',
  'POST /api/v1/enroll',
  // Forgotten password: the request names an e-mail address (always the same answer), the confirmation carries the mailed token.
  'POST /api/v1/auth/password-reset',
  'POST /api/v1/auth/password-reset/confirm',
]);
/** What a technician may not do: the admin's. (An issued invoice is changed by nobody: PUT/PATCH/DELETE answer 409 to all.) */
const ADMIN_ONLY = new Set([
  'GET /api/v1/users',
  'POST /api/v1/users',
  'POST /api/v1/users/{id}/disable',
  'POST /api/v1/users/{id}/enable',
  'PUT /api/v1/users/{id}/role',
  'PUT /api/v1/billing/settings',
  'PUT /api/v1/billing/clients/{id}/contract',
  'POST /api/v1/billing/clients/{id}/contract/notice',
  'POST /api/v1/billing/clients/{id}/grids',
  'POST /api/v1/billing/clients/{id}/revision',
  'POST /api/v1/billing/invoices/generate',
  'POST /api/v1/billing/invoices/{id}/credit-notes',
  'POST /api/v1/billing/invoices/{id}/payments',
  'POST /api/v1/billing/disputes/{id}/settle',
  'POST /api/v1/billing/ecb-rates',
  'POST /api/v1/billing/syntec',
  'POST /api/v1/billing/invoices/{id}/send',
  'PUT /api/v1/billing/settings/e-invoicing',
  // Remote intervention: second factors, permissions, the signing key, approvals, the audit log.
  'POST /api/v1/users/{id}/totp/reset',
  'GET /api/v1/users/{id}/remote-permissions',
  'PUT /api/v1/users/{id}/remote-permissions',
  'POST /api/v1/remote/key/rotate',
  'POST /api/v1/script-versions/{id}/approve',
  'GET /api/v1/audit',
  'GET /api/v1/audit/verify',
  // Agent self-update: the rollout, per-client pins and a retry make machines run new agent code.
  'PUT /api/v1/agent-rollout',
  'PUT /api/v1/clients/{id}/agent-pin',
  'POST /api/v1/devices/{id}/agent-update',
  // Issue 18: the provider's logo, a client's ticket-publishing setting, a notice's preview.
  'PUT /api/v1/billing/settings/logo',
  'DELETE /api/v1/billing/settings/logo',
  'PUT /api/v1/clients/{id}/settings',
  'GET /api/v1/billing/clients/{id}/contract/notice-preview',
]);
/** What acts on a client's machines: a technician needs the `remote` permission on that client (the world's `tech` has none). */
const REMOTE_ACTS = new Set([
  'POST /api/v1/commands',
  'POST /api/v1/commands/{id}/cancel',
  'POST /api/v1/tickets/{id}/remote-sessions',
  'POST /api/v1/remote-sessions/{id}/end',
  'POST /api/v1/remote-sessions/{id}/confirm',
  'POST /api/v1/remote-sessions/{id}/discard',
  // Patch policies and approvals decide what gets installed on the client's machines.
  'PUT /api/v1/patch-policies/{scope}/{id}',
  'POST /api/v1/devices/{id}/patches/approve',
]);
const key = (r: Route) => `${r.method} ${r.path}`;

beforeAll(async () => {
  routes = await routeTable(w.url);
  client = await signIn(w.url, w.emails.acme, w.password);
  tech = await signIn(w.url, w.emails.tech, w.password);
});
afterAll(() => tally.flush());

describe('roles (route table × methods × roles)', () => {
  it('refuses every route but login and enrollment to an anonymous caller', async () => {
    for (const route of routes.filter((r) => !PUBLIC.has(key(r)))) {
      for (const path of pathsFor(route, w.acme)!) {
        const res = await call(w.url, route.method, path, SAFE.has(route.method) ? {} : { body: bodyFor(route, w.acme, w.month) });
        tally.add(REFUSED.has(res.status), `anonymous ${route.method} ${path} → ${res.status}`);
      }
    }
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('refuses a client user every route outside the portal, even with its own ids', async () => {
    for (const route of routes.filter((r) => !PORTAL.has(key(r)) && !PUBLIC.has(key(r)))) {
      for (const path of pathsFor(route, w.acme)!) {
        const res = await client.call(route.method, path, SAFE.has(route.method) ? {} : { body: bodyFor(route, w.acme, w.month) });
        tally.add(REFUSED.has(res.status), `client ${route.method} ${path} → ${res.status} ${res.text.slice(0, 160)}`);
      }
    }
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('refuses a technician the admin’s routes', async () => {
    for (const route of routes.filter((r) => ADMIN_ONLY.has(key(r)))) {
      for (const path of pathsFor(route, w.acme)!) {
        const res = await tech.call(route.method, path, SAFE.has(route.method) ? {} : { body: bodyFor(route, w.acme, w.month) });
        tally.add(res.status === 403 || res.status === 400, `technician ${route.method} ${path} → ${res.status} ${res.text.slice(0, 160)}`);
      }
    }
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('refuses a technician without the remote permission everything that acts on a client’s machines', async () => {
    for (const route of routes.filter((r) => REMOTE_ACTS.has(key(r)))) {
      for (const ids of [w.acme, w.globex]) {
        for (const path of pathsFor(route, ids)!) {
          const res = await tech.call(route.method, path, { body: bodyFor(route, ids, w.month) });
          tally.add(
            res.status === 403 && res.body?.error?.code === 'VIGIE_E_REMOTE_PERMISSION_REQUIRED',
            `technician without permission ${route.method} ${path} → ${res.status} ${res.text.slice(0, 160)}`,
          );
        }
      }
    }
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('lists only routes that exist (a renamed route cannot slip out of these lists)', () => {
    const known = new Set(routes.map(key));
    expect([...PORTAL, ...ADMIN_ONLY, ...PUBLIC, ...REMOTE_ACTS].filter((k) => !known.has(k))).toEqual([]);
  });
});
