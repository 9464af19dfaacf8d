import { freshTotpCode } from '@vigie/collector';
import { monthOf, parisDate, shiftMonth } from '@vigie/shared';
import { TEST_PRICE_GRID as GRID } from '@vigie/testkit';
import { type Collector, PASSWORD } from './processes.js';

/** The month the month-end job invoices today: last month, in Paris (the collector's own rule, shared's calendar). */
export const invoicedMonth = () => shiftMonth(monthOf(parisDate(Date.now())), -1);

const SELLER = { name: 'Sibio Infogérance', address: ['12 rue des Lilas', '69003 Lyon'], siren: '812345678', vatNumber: 'FR45812345678' };

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

async function signIn(url: string, email: string, totp?: string): Promise<Call> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, ...(totp ? { totp } : {}) }),
  });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return async (method, path, body) => {
    const headers: Record<string, string> = { cookie, 'x-csrf-token': csrfToken };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
}

async function expectStatus<T = unknown>(what: string, status: number, reply: Promise<{ status: number; body: unknown }>): Promise<T> {
  const r = await reply;
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as T;
}

/**
 * Something for the month-end job to invoice, set up over the REST API as the provider would: the
 * seller's identity (an admin, who enrols TOTP at first sign-in), a contract for the collector's
 * client under the test contract's grid (testkit's TEST_PRICE_GRID), and last month a 2-hour
 * urgent remote intervention by the technician (2 × 110 € = 220 € HT) on a ticket of that client.
 * The month-end job then issues one invoice.
 */
export async function billableLastMonth(c: Collector, adminEmail: string): Promise<{ month: string; totalExclCents: number }> {
  const first = await signIn(c.url, adminEmail);
  const { secret } = await expectStatus<{ secret: string }>('TOTP set-up', 200, first('POST', '/api/v1/auth/totp/setup'));
  await expectStatus('TOTP confirmation', 200, first('POST', '/api/v1/auth/totp/confirm', { code: await freshTotpCode(secret) }));
  const admin = first;
  await expectStatus('seller settings', 200, admin('PUT', '/api/v1/billing/settings', { seller: SELLER }));
  await expectStatus(
    'contract',
    200,
    admin('PUT', `/api/v1/billing/clients/${c.clientId}/contract`, {
      startDate: '2025-01-01',
      // S0, the Syntec index at signature (the collector knows none for 2025).
      syntecIndex: 305.4,
      syntecIndexDate: '2024-12-01',
      buyer: { name: 'Client des pannes SARL', address: ['1 place Bellecour', '69002 Lyon'] },
      grid: GRID,
    }),
  );
  const tech = await signIn(c.url, 'tech@faults.test');
  const ticket = await expectStatus<{ id: number }>(
    'ticket',
    201,
    tech('POST', '/api/v1/tickets', { clientId: c.clientId, title: 'Serveur de fichiers lent', description: 'Demande par e-mail', channel: 'email' }),
  );
  const month = invoicedMonth();
  await expectStatus(
    'intervention',
    201,
    tech('POST', `/api/v1/tickets/${ticket.id}/interventions`, { date: `${month}-10`, minutes: 120, kind: 'urgent', mode: 'remote' }),
  );
  return { month, totalExclCents: 22_000 };
}
