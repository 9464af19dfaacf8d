import type { FastifyInstance } from 'fastify';
import { contractRoutes } from './contracts/routes.js';
import { creditNoteRoutes } from './credit-notes/routes.js';
import { disputeRoutes } from './disputes/routes.js';
import { interventionRoutes } from './interventions/routes.js';
import { invoiceRoutes } from './invoices/routes.js';
import { paymentRoutes } from './payments/routes.js';
import { priceIndexRoutes } from './price-indices/routes.js';
import { recurringRoutes } from './recurring/routes.js';
import { recyclingRoutes } from './recycling/routes.js';
import type { BillingPluginDeps } from './route-guards.js';
import { billingLogoRoutes } from './settings/logo-routes.js';
import { billingSettingsRoutes } from './settings/routes.js';
import { supplyRoutes } from './supplies/routes.js';

export type { BillingPluginDeps } from './route-guards.js';

/**
 * Billing's HTTP API: one Fastify plugin per resource, each registering its own routes with their
 * schemas and role and tenant checks (billing changes are audited by the audit hook, whatever the
 * plugin). The app registers each; the e-invoicing plugin (`facturx/routes.ts`) is registered
 * apart, once the invoice mailer exists.
 */
export const BILLING_PLUGINS: readonly ((app: FastifyInstance, deps: BillingPluginDeps) => Promise<void>)[] = [
  billingSettingsRoutes,
  billingLogoRoutes,
  contractRoutes,
  priceIndexRoutes,
  interventionRoutes,
  recurringRoutes,
  supplyRoutes,
  recyclingRoutes,
  invoiceRoutes,
  creditNoteRoutes,
  paymentRoutes,
  disputeRoutes,
];
