import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facturXRoutes } from '../src/billing/facturx/routes.js';
import { BILLING_PLUGINS } from '../src/billing/routes.js';
import { type Harness, startHarness } from './harness.js';

/**
 * Billing's HTTP API is one Fastify plugin per resource (issue 15), not one function registering
 * every route. Each billing route of a real collector must be registered by the plugin of its
 * resource: a route written straight into the app, or all of them folded back into one plugin,
 * fails here.
 */
const OWNER: Record<string, string> = {
  'GET /api/v1/billing/settings': 'billingSettingsRoutes',
  'PUT /api/v1/billing/settings': 'billingSettingsRoutes',
  // The upload parses raw bytes in a context of its own, inside the logo plugin.
  'PUT /api/v1/billing/settings/logo': 'billingLogoUpload',
  'GET /api/v1/billing/settings/logo': 'billingLogoRoutes',
  'DELETE /api/v1/billing/settings/logo': 'billingLogoRoutes',
  'GET /api/v1/billing/clients/:id/contract': 'contractRoutes',
  'PUT /api/v1/billing/clients/:id/contract': 'contractRoutes',
  'POST /api/v1/billing/clients/:id/contract/notice': 'contractRoutes',
  'GET /api/v1/billing/clients/:id/contract/notice-preview': 'contractRoutes',
  'POST /api/v1/billing/clients/:id/grids': 'contractRoutes',
  'GET /api/v1/billing/clients/:id/revision': 'contractRoutes',
  'POST /api/v1/billing/clients/:id/revision': 'contractRoutes',
  'POST /api/v1/billing/quote': 'contractRoutes',
  'GET /api/v1/billing/ecb-rates': 'priceIndexRoutes',
  'POST /api/v1/billing/ecb-rates': 'priceIndexRoutes',
  'GET /api/v1/billing/syntec': 'priceIndexRoutes',
  'POST /api/v1/billing/syntec': 'priceIndexRoutes',
  'POST /api/v1/tickets/:id/interventions': 'interventionRoutes',
  'GET /api/v1/tickets/:id/interventions': 'interventionRoutes',
  'GET /api/v1/billing/interventions': 'interventionRoutes',
  'PATCH /api/v1/billing/interventions/:id': 'interventionRoutes',
  'DELETE /api/v1/billing/interventions/:id': 'interventionRoutes',
  'POST /api/v1/billing/clients/:id/recurring': 'recurringRoutes',
  'GET /api/v1/billing/recurring': 'recurringRoutes',
  'GET /api/v1/billing/recurring/:id': 'recurringRoutes',
  'POST /api/v1/billing/recurring/:id/occurrences/:occurrenceId/change': 'recurringRoutes',
  'POST /api/v1/billing/clients/:id/orders': 'supplyRoutes',
  'GET /api/v1/billing/orders': 'supplyRoutes',
  'POST /api/v1/billing/orders/:id/deliver': 'supplyRoutes',
  'POST /api/v1/billing/orders/:id/cancel': 'supplyRoutes',
  'GET /api/v1/billing/supplied-items': 'supplyRoutes',
  'POST /api/v1/billing/clients/:id/pickups': 'recyclingRoutes',
  'GET /api/v1/billing/pickups': 'recyclingRoutes',
  'PUT /api/v1/billing/pickups/:id/bsd': 'recyclingRoutes',
  'POST /api/v1/billing/invoices/generate': 'invoiceRoutes',
  'GET /api/v1/billing/invoices': 'invoiceRoutes',
  'GET /api/v1/billing/invoices/:id': 'invoiceRoutes',
  'GET /api/v1/billing/invoices/:id/pdf': 'invoiceRoutes',
  'PUT /api/v1/billing/invoices/:id': 'invoiceRoutes',
  'PATCH /api/v1/billing/invoices/:id': 'invoiceRoutes',
  'DELETE /api/v1/billing/invoices/:id': 'invoiceRoutes',
  'GET /api/v1/billing/clients/:id/finance': 'invoiceRoutes',
  'POST /api/v1/billing/invoices/:id/credit-notes': 'creditNoteRoutes',
  'POST /api/v1/billing/invoices/:id/payments': 'paymentRoutes',
  'POST /api/v1/billing/invoices/:id/disputes': 'disputeRoutes',
  'POST /api/v1/billing/disputes/:id/settle': 'disputeRoutes',
  'GET /api/v1/billing/invoices/:id/xml': 'facturXRoutes',
  'GET /api/v1/billing/invoices/:id/ubl': 'facturXRoutes',
  'GET /api/v1/billing/invoices/:id/deliveries': 'facturXRoutes',
  'GET /api/v1/billing/invoice-deliveries': 'facturXRoutes',
  'POST /api/v1/billing/invoices/:id/send': 'facturXRoutes',
  'GET /api/v1/billing/settings/e-invoicing': 'facturXRoutes',
  'PUT /api/v1/billing/settings/e-invoicing': 'facturXRoutes',
  'GET /api/v1/billing/e-reporting/payments': 'facturXRoutes',
};

let h: Harness;
let bare: FastifyInstance;
/** "METHOD url" → the plugin that registered it, as Fastify saw it. */
const owners = new Map<string, string>();

beforeAll(async () => {
  h = await startHarness({ rulesIntervalMs: 0 });
  // The same plugins, with the same collector's services, in an app of their own that records who registers what.
  bare = Fastify();
  bare.addHook('onRoute', function (route) {
    for (const method of [route.method].flat()) if (method !== 'HEAD') owners.set(`${method} ${route.url}`, this.pluginName);
  });
  const c = h.collector;
  for (const plugin of BILLING_PLUGINS) bare.register(plugin, { db: c.db, billing: c.billing.resources, invoicing: c.invoices.resources });
  bare.register(facturXRoutes, { db: c.db, invoices: c.invoices, mailer: c.invoiceMailer });
  await bare.ready();
});
afterAll(async () => {
  await bare?.close();
  await h?.close();
});

/** The billing routes the collector serves, from its OpenAPI document (every billing route carries the `billing` tag). */
function servedBillingRoutes(): string[] {
  const doc = h.collector.app.swagger() as { paths: Record<string, Record<string, { tags?: string[] }>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method, op]) => method !== 'head' && op.tags?.includes('billing'))
      .map(([method]) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
  );
}

describe('billing routes', () => {
  it('the collector registers each billing plugin, one per resource', () => {
    const tree = h.collector.app.printPlugins();
    for (const name of [...BILLING_PLUGINS.map((p) => p.name), 'facturXRoutes']) expect(tree).toContain(name);
    expect(new Set(BILLING_PLUGINS.map((p) => p.name)).size).toBe(BILLING_PLUGINS.length);
  });

  it('every billing route the collector serves is registered by the plugin of its resource', () => {
    const served = servedBillingRoutes();
    expect(served.length).toBeGreaterThanOrEqual(Object.keys(OWNER).length);
    expect(new Set(served)).toEqual(new Set(Object.keys(OWNER)));
    expect(Object.fromEntries([...owners].filter(([route]) => served.includes(route)))).toEqual(OWNER);
  });

  it('the plugins register no route the collector does not serve', () => {
    const served = new Set(servedBillingRoutes());
    expect([...owners.keys()].filter((r) => !served.has(r))).toEqual([]);
  });
});
