import type { LocalDate } from '@vigie/shared';
import { DisputeBody, IdParams, InvoiceDetail, SettleBody } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { admin, type BillingPluginDeps, invoiceVisible, tags, today } from '../route-guards.js';

/** Disputes (contract 5.1): the client (or staff, for a letter) opens one on an invoice it sees; an admin settles it. */
export async function disputeRoutes(app: FastifyInstance, { invoicing }: BillingPluginDeps): Promise<void> {
  const { disputes, views } = invoicing;
  app.post(
    '/api/v1/billing/invoices/:id/disputes',
    { schema: { tags, params: IdParams, body: DisputeBody, response: { 201: InvoiceDetail } } },
    async (
      req: FastifyRequest<{ Params: { id: number }; Body: { reason: string; openedOn?: LocalDate; notifiedVia?: 'portal' | 'email' | 'letter' } }>,
      reply,
    ) => {
      const { user } = await invoiceVisible(req, invoicing, req.params.id);
      await disputes.openDispute(req.params.id, req.body, user);
      reply.code(201);
      return views.get(req.params.id, today());
    },
  );
  app.post(
    '/api/v1/billing/disputes/:id/settle',
    { schema: { tags, params: IdParams, body: SettleBody, response: { 200: InvoiceDetail } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { settledOn?: LocalDate; settlement: string; creditExclCents?: number } }>) => {
      const user = admin(req);
      const invoiceId = await disputes.settleDispute(req.params.id, req.body, user);
      return views.get(invoiceId, today());
    },
  );
}
