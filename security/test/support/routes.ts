import { call, ok } from './http.js';
import { HARMLESS_SCRIPT, LOG_FETCH } from './remote-world.js';
import type { TenantIds } from './world.js';

export interface Route {
  method: string;
  /** OpenAPI form: `/api/v1/tickets/{id}`. */
  path: string;
}

/** The collector's route table, from its own OpenAPI document (every route it registered). */
export async function routeTable(url: string): Promise<Route[]> {
  const doc = ok<{ paths: Record<string, Record<string, unknown>> }>(await call(url, 'GET', '/api/v1/openapi.json'), 'openapi');
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path })));
}

export const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Which of a client's objects each `{id}` of a route names, by the segment before it. A route whose
 * id is not here makes the matrix fail: whoever adds a route says whose object its id is.
 */
const ID_KINDS: [RegExp, keyof TenantIds | 'global'][] = [
  [/^\/api\/v1\/users\/\{id\}/, 'user'],
  [/^\/api\/v1\/(billing\/)?clients\/\{id\}/, 'client'],
  [/^\/api\/v1\/sites\/\{id\}/, 'site'],
  [/^\/api\/v1\/enrollment-tokens\/\{id\}/, 'enrollmentToken'],
  [/^\/api\/v1\/devices\/\{id\}/, 'device'],
  [/^\/api\/v1\/tickets\/\{id\}/, 'ticket'],
  [/^\/api\/v1\/billing\/interventions\/\{id\}/, 'intervention'],
  [/^\/api\/v1\/billing\/recurring\/\{id\}/, 'recurring'],
  [/^\/api\/v1\/billing\/orders\/\{id\}/, 'order'],
  [/^\/api\/v1\/billing\/pickups\/\{id\}/, 'pickup'],
  [/^\/api\/v1\/billing\/invoices\/\{id\}/, 'invoice'],
  [/^\/api\/v1\/billing\/disputes\/\{id\}/, 'dispute'],
  [/^\/api\/v1\/reports\/jobs\/\{id\}/, 'reportJob'],
  [/^\/api\/v1\/reports\/\{id\}/, 'report'],
  [/^\/api\/v1\/commands\/\{id\}/, 'command'],
  [/^\/api\/v1\/remote-sessions\/\{id\}/, 'remoteSession'],
  [/^\/api\/v1\/incidents\/\{id\}/, 'incident'],
  // The script library is the provider's (staff only): the attacks name its real script and the
  // version no admin approved (an approval let through would show).
  [/^\/api\/v1\/scripts\/\{id\}/, 'script'],
  [/^\/api\/v1\/script-versions\/\{id\}/, 'scriptVersion'],
  // Provider-wide objects: no client owns them (staff only).
  [/^\/api\/v1\/(rules|maintenance-windows)\/\{id\}/, 'global'],
];

/** The concrete paths that name `ids`' objects (a policy route once per scope). Undefined when the route's ids are unknown. */
export function pathsFor(route: Route, ids: TenantIds): string[] | undefined {
  if (!route.path.includes('{')) return [route.path];
  if (route.path.startsWith('/api/v1/policies/{scope}/{id}') || route.path.startsWith('/api/v1/patch-policies/{scope}/{id}'))
    return (['client', 'site', 'device'] as const).map((scope) => route.path.replace('{scope}', scope).replace('{id}', String(ids[scope])));
  const kind = ID_KINDS.find(([re]) => re.test(route.path))?.[1];
  if (!kind) return undefined;
  const id = kind === 'global' ? 1 : ids[kind];
  return [
    route.path
      .replace('{id}', String(id))
      .replace('{occurrenceId}', String(ids.occurrence))
      .replace('{attachmentId}', String(ids.attachment))
      .replace('{month}', ids.reportMonth),
  ];
}

/**
 * A valid body for the routes that change something, so that an attack reaches the route's own
 * checks (an invalid body stops at validation, before them). Other routes get `{}`.
 */
export function bodyFor(route: Route, ids: TenantIds, month: string): unknown {
  const day = `${month}-10`;
  const key = `${route.method} ${route.path}`;
  const bodies: Record<string, unknown> = {
    'POST /api/v1/tickets/{id}/events': { type: 'comment', text: 'attaque' },
    'POST /api/v1/tickets/{id}/interventions': { date: day, minutes: 30, kind: 'urgent', mode: 'remote' },
    'POST /api/v1/billing/invoices/{id}/disputes': { reason: 'attaque' },
    'POST /api/v1/billing/invoices/{id}/payments': { paidOn: day, amountCents: 100, method: 'transfer' },
    'POST /api/v1/billing/invoices/{id}/credit-notes': { reason: 'attaque', amountCents: 100 },
    'POST /api/v1/billing/recurring/{id}/occurrences/{occurrenceId}/change': { cancel: true },
    'POST /api/v1/billing/clients/{id}/recurring': {
      ticketId: ids.ticket,
      title: 'attaque',
      mode: 'remote',
      period: 'monthly',
      firstDate: day,
      startTime: '09:00',
      reservedMinutes: 30,
    },
    'POST /api/v1/billing/clients/{id}/orders': {
      supplier: 'x',
      reference: 'x',
      orderedOn: day,
      lines: [{ description: 'x', unitPriceCents: 1, quantity: 1 }],
    },
    'POST /api/v1/billing/clients/{id}/pickups': {
      pickedUpOn: day,
      description: 'x',
      weightGrams: 1,
      transportCents: 0,
      handlingCents: 0,
      recyclingRateCentsPerKg: 0,
    },
    'POST /api/v1/billing/orders/{id}/cancel': {},
    'PUT /api/v1/billing/pickups/{id}/bsd': { reference: 'BSD-ATTAQUE' },
    'PATCH /api/v1/billing/interventions/{id}': { minutes: 1 },
    'PUT /api/v1/clients/{id}/report-settings': { recipients: ['attaque@evil.test'], lang: 'fr' },
    'POST /api/v1/reports/{id}/resend': {},
    'POST /api/v1/clients/{id}/sites': { name: 'attaque' },
    'POST /api/v1/sites/{id}/enrollment-tokens': { label: 'attaque' },
    'PUT /api/v1/policies/{scope}/{id}': { metricsIntervalSec: 3600 },
    'PUT /api/v1/patch-policies/{scope}/{id}': { excluded: ['vigie-*'], reboot: 'window' },
    'POST /api/v1/devices/{id}/patches/approve': { packages: [{ name: 'vigie-test-pkg' }] },
    'PUT /api/v1/agent-rollout': { targetVersion: null, stage: 'all', paused: true },
    'PUT /api/v1/clients/{id}/agent-pin': { version: null },
    'PUT /api/v1/users/{id}/role': { role: 'admin' },
    'POST /api/v1/billing/clients/{id}/contract/notice': {},
    'PUT /api/v1/billing/clients/{id}/contract': { startDate: day, buyer: { name: 'x', address: ['x'] }, grid: {} },
    'POST /api/v1/billing/invoices/{id}/send': { again: true },
    'PUT /api/v1/billing/settings/e-invoicing': { vatOnDebits: true },
    // Remote intervention: what a technician would send (a log fetch needs no step-up; the permission decides).
    'POST /api/v1/commands': { target: { kind: 'device', id: ids.device }, action: 'log-fetch', args: LOG_FETCH },
    'POST /api/v1/tickets/{id}/remote-sessions': { deviceId: ids.device },
    'POST /api/v1/remote-sessions/{id}/confirm': { notes: 'attaque' },
    'PUT /api/v1/users/{id}/remote-permissions': { clientIds: [ids.client] },
    'POST /api/v1/scripts': { name: 'attaque', ...HARMLESS_SCRIPT },
    'POST /api/v1/scripts/{id}/versions': { ...HARMLESS_SCRIPT, content: 'id\n' },
    'POST /api/v1/device-selections': { name: 'attaque', deviceIds: [ids.device] },
    'POST /api/v1/auth/step-up': { code: '000000' },
    'POST /api/v1/auth/totp/confirm': { code: '000000' },
    // Issue 18: tickets linked and published, incidents acknowledged, a client's settings, a month's comment.
    'POST /api/v1/tickets/{id}/links': { ticketId: ids.ticket },
    'POST /api/v1/incidents/{id}/acknowledge': {},
    'PUT /api/v1/clients/{id}/settings': { publishMonitoringTickets: true },
    'PUT /api/v1/clients/{id}/reports/{month}/comment': { text: 'attaque' },
  };
  return bodies[key] ?? {};
}

/** Status codes that mean the request did not act: not signed in, not allowed, no such object (for this user), invalid. */
export const REFUSED = new Set([400, 401, 403, 404, 405, 409, 413, 415, 422, 429]);
