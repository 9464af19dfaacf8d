import type { LocalDate } from '@vigie/shared';
import { IdParams, InvoiceDetail, PaymentBody } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { admin, type BillingPluginDeps, tags, today } from '../route-guards.js';
import type { PaymentMethod } from './service.js';

/** Payments (contract 5.1): an admin records one on an invoice, answered with the invoice's new balance. */
export async function paymentRoutes(app: FastifyInstance, { invoicing }: BillingPluginDeps): Promise<void> {
  const { payments, views } = invoicing;
  app.post(
    '/api/v1/billing/invoices/:id/payments',
    { schema: { tags, params: IdParams, body: PaymentBody, response: { 201: InvoiceDetail } } },
    async (
      req: FastifyRequest<{ Params: { id: number }; Body: { paidOn: LocalDate; amountCents: number; method: PaymentMethod; reference?: string } }>,
      reply,
    ) => {
      const user = admin(req);
      await payments.addPayment(req.params.id, req.body, user);
      reply.code(201);
      return views.get(req.params.id, today());
    },
  );
}
