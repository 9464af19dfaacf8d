import { SellerSettings, SellerSettingsBody } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorOf } from '../../auth/guard.js';
import type { BankDetails, LegalIdentity } from '../invoice-document.js';
import { admin, assertElectronicAddress, type BillingPluginDeps, staff, tags } from '../route-guards.js';

/** The provider's identity printed on invoices: staff read it, an admin changes it. */
export async function billingSettingsRoutes(app: FastifyInstance, { billing }: BillingPluginDeps): Promise<void> {
  const { settings } = billing;
  app.get('/api/v1/billing/settings', { schema: { tags, response: { 200: SellerSettings } } }, async (req) => {
    staff(req);
    return settings.getSettings();
  });
  app.put(
    '/api/v1/billing/settings',
    { schema: { tags, body: SellerSettingsBody, response: { 200: SellerSettings } } },
    async (req: FastifyRequest<{ Body: { seller: LegalIdentity; bank?: BankDetails | null } }>) => {
      const user = admin(req);
      assertElectronicAddress(req.body.seller);
      await settings.putSettings(req.body.seller, req.body.bank ?? null, Date.now(), actorOf(user));
      return settings.getSettings();
    },
  );
}
