import { Type } from '@sinclair/typebox';
import { type LocalDate, refusal } from '@vigie/shared';
import { Finance, FinanceQuery, GenerateInvoicesBody, GenerateInvoicesResult, IdParams, InvoiceDetail, InvoiceList, InvoiceQuery } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireUser } from '../../auth/guard.js';
import { AsOf, admin, type BillingPluginDeps, invoiceVisible, scopeOf, staff, tags, today, visibleClient } from '../route-guards.js';

/**
 * Invoices (contract 5.1): an admin issues the month's; staff and the client (its own, this year
 * and last) read them and their PDF; nobody changes one. And the client's financial follow-up (3).
 */
export async function invoiceRoutes(app: FastifyInstance, { invoicing }: BillingPluginDeps): Promise<void> {
  const { issuing, views, finance } = invoicing;
  app.post(
    '/api/v1/billing/invoices/generate',
    { schema: { tags, body: GenerateInvoicesBody, response: { 200: GenerateInvoicesResult } } },
    async (req: FastifyRequest<{ Body: { month: string; clientId?: number } }>) => {
      const user = admin(req);
      if (req.body.clientId === undefined) return { results: await issuing.generateAll(req.body.month) };
      return { results: [await issuing.generateOne(req.body.clientId, req.body.month, Date.now(), user)] };
    },
  );
  app.get(
    '/api/v1/billing/invoices',
    { schema: { tags, querystring: InvoiceQuery, response: { 200: InvoiceList } } },
    async (req: FastifyRequest<{ Querystring: { clientId?: number; year?: number; asOf?: LocalDate } }>) => {
      const user = requireUser(req);
      const clientId = scopeOf(req, req.query.clientId);
      const asOf = req.query.asOf ?? today();
      // Contract 3: the client's space shows the invoices of the current and previous year.
      const fromYear = user.role === 'client' ? Number(today().slice(0, 4)) - 1 : undefined;
      return {
        invoices: await views.list(
          { ...(clientId !== undefined ? { clientId } : {}), ...(req.query.year ? { year: req.query.year } : {}), ...(fromYear ? { fromYear } : {}) },
          asOf,
        ),
      };
    },
  );
  app.get(
    '/api/v1/billing/invoices/:id',
    { schema: { tags, params: IdParams, querystring: AsOf, response: { 200: InvoiceDetail } } },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { asOf?: LocalDate } }>) => {
      await invoiceVisible(req, invoicing, req.params.id);
      return views.get(req.params.id, req.query.asOf ?? today());
    },
  );
  app.get(
    '/api/v1/billing/invoices/:id/pdf',
    { schema: { tags, params: IdParams, querystring: Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('fr'), Type.Literal('en')])) }) } },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { lang?: 'fr' | 'en' } }>, reply) => {
      const { inv } = await invoiceVisible(req, invoicing, req.params.id);
      const pdf = await issuing.pdf(req.params.id, req.query.lang ?? 'fr');
      reply.type('application/pdf').header('content-disposition', `inline; filename="${inv.number}${req.query.lang === 'en' ? '-en' : ''}.pdf"`);
      return pdf;
    },
  );
  for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
    app.route({
      method,
      url: '/api/v1/billing/invoices/:id',
      schema: { tags, params: IdParams },
      handler: async (req: FastifyRequest<{ Params: { id: number } }>) => {
        staff(req);
        await invoiceVisible(req, invoicing, req.params.id);
        throw refusal('CONFLICT', 'invoice_immutable', 'An issued invoice is never changed nor deleted: correct it with a credit note (POST …/credit-notes)');
      },
    });
  }
  app.get(
    '/api/v1/billing/clients/:id/finance',
    { schema: { tags, params: IdParams, querystring: FinanceQuery, response: { 200: Finance } } },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { months: number; asOf?: LocalDate } }>) => {
      visibleClient(req, req.params.id);
      return { months: await finance.finance(req.params.id, req.query.asOf ?? today(), req.query.months) };
    },
  );
}
