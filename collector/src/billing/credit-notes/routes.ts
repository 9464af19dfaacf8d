import { CreditNoteBody, IdParams, InvoiceDetail } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { admin, type BillingPluginDeps, tags, today } from '../route-guards.js';
import type { CreditInput } from './service.js';

/** Credit notes (contract 5.1): an admin corrects an issued invoice, answered with the credit note as issued. */
export async function creditNoteRoutes(app: FastifyInstance, { invoicing }: BillingPluginDeps): Promise<void> {
  const { creditNotes, views } = invoicing;
  app.post(
    '/api/v1/billing/invoices/:id/credit-notes',
    { schema: { tags, params: IdParams, body: CreditNoteBody, response: { 201: InvoiceDetail } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: CreditInput }>, reply) => {
      const user = admin(req);
      const cn = await creditNotes.creditNote(req.params.id, req.body, user);
      reply.code(201);
      return views.get(cn.id, today());
    },
  );
}
