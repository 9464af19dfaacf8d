/**
 * The e-invoicing API: an invoice's CII XML (the one inside its Factur-X PDF) and its UBL export,
 * its e-mail deliveries and a staff request to send it, the provider's debits option, and the
 * month's payments for e-reporting. Every route checks the role and, for an invoice, its client.
 */
import { Type } from '@sinclair/typebox';
import { VigieError } from '@vigie/shared';
import {
  EInvoicingBody,
  EInvoicingSettings,
  EReporting,
  EReportingQuery,
  IdParams,
  InvoiceDeliveries,
  LatestInvoiceDeliveries,
  SendInvoiceBody,
  SendInvoiceResult,
} from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../../audit/repository.js';
import { actorOf, assertClientVisible, clientScope, requireRole, requireUser } from '../../auth/guard.js';
import type { RelationalStore } from '../../store/relational-store.js';
import type { InvoiceDocument } from '../invoice-document.js';
import type { InvoiceService } from '../invoicing.js';
import { paymentsCsv, paymentsForEReporting } from './e-reporting.js';
import { type InvoiceMailer, invoiceDeliveryView } from './invoice-mail.js';
import { eInvoicingSettings, setVatOnDebits } from './settings.js';
import { invoiceUbl } from './ubl-xml.js';

const Id = Type.Integer({ minimum: 1 });
const tags = ['billing'];

export interface FacturXRouteDeps {
  db: RelationalStore;
  invoices: InvoiceService;
  mailer: InvoiceMailer;
}

/** One Fastify plugin (registered once the mailer exists). */
export async function facturXRoutes(app: FastifyInstance, { db, invoices, mailer }: FacturXRouteDeps): Promise<void> {
  const staff = (req: FastifyRequest) => requireRole(req, 'admin', 'technician');
  const admin = (req: FastifyRequest) => requireRole(req, 'admin');
  /** The invoice if the user may see it: a client user only its own (404 otherwise, as for the PDF). */
  const visibleInvoice = async (req: FastifyRequest, id: number) => {
    const user = requireUser(req);
    const inv = await invoices.row(id);
    if (!inv) throw new VigieError('NOT_FOUND');
    assertClientVisible(user, inv.client_id);
    return { user, inv };
  };

  app.get(
    '/api/v1/billing/invoices/:id/xml',
    { schema: { tags, params: IdParams, description: 'The CII XML (Factur-X EN 16931) embedded in the invoice’s PDF as factur-x.xml.' } },
    async (req: FastifyRequest<{ Params: { id: number } }>, reply) => {
      const { inv } = await visibleInvoice(req, req.params.id);
      reply.type('application/xml; charset=utf-8').header('content-disposition', `attachment; filename="${inv.number}-factur-x.xml"`);
      return invoices.xml(inv.id);
    },
  );
  app.get(
    '/api/v1/billing/invoices/:id/ubl',
    { schema: { tags, params: IdParams, description: 'The same invoice as UBL 2.1 (EN 16931), for platforms that prefer UBL.' } },
    async (req: FastifyRequest<{ Params: { id: number } }>, reply) => {
      const { inv } = await visibleInvoice(req, req.params.id);
      reply.type('application/xml; charset=utf-8').header('content-disposition', `attachment; filename="${inv.number}-ubl.xml"`);
      return invoiceUbl(JSON.parse(inv.document) as InvoiceDocument);
    },
  );

  // ---- e-mail deliveries -------------------------------------------------------------------------
  app.get(
    '/api/v1/billing/invoices/:id/deliveries',
    { schema: { tags, params: IdParams, response: { 200: InvoiceDeliveries } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const { inv } = await visibleInvoice(req, req.params.id);
      return { deliveries: (await mailer.deliveries([inv.id])).map((d) => invoiceDeliveryView(d, mailer.maxAttempts)) };
    },
  );
  app.get(
    '/api/v1/billing/invoice-deliveries',
    {
      schema: {
        tags,
        description: 'The latest e-mail delivery of each invoice (of the user’s client for a client user).',
        querystring: Type.Object({ clientId: Type.Optional(Id) }),
        response: { 200: LatestInvoiceDeliveries },
      },
    },
    async (req: FastifyRequest<{ Querystring: { clientId?: number } }>) => {
      const user = requireUser(req);
      if (req.query.clientId !== undefined) assertClientVisible(user, req.query.clientId);
      const clientId = clientScope(user) ?? req.query.clientId;
      const latest = new Map<number, ReturnType<typeof invoiceDeliveryView> & { invoiceId: number }>();
      for (const d of await mailer.deliveriesOfClient(clientId))
        latest.set(d.invoice_id, { invoiceId: d.invoice_id, ...invoiceDeliveryView(d, mailer.maxAttempts) });
      return { deliveries: [...latest.values()] };
    },
  );
  app.post(
    '/api/v1/billing/invoices/:id/send',
    {
      schema: {
        tags,
        params: IdParams,
        description: 'Mails the invoice to its client’s billing recipients now: its pending, failed or skipped sending, or with `again` one more time.',
        body: SendInvoiceBody,
        response: { 200: SendInvoiceResult },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { again?: boolean } }>) => {
      const user = admin(req);
      const { inv } = await visibleInvoice(req, req.params.id);
      const result = await mailer.send(inv.id, req.body.again === true);
      await audit(db, actorOf(user), req.body.again ? 'invoice.resend' : 'invoice.send', `invoice:${inv.id}`, {
        number: inv.number,
        delivery: result.delivery,
        ...(result.error ? { error: result.error } : {}),
      });
      if (result.delivery === 'already-sent')
        throw new VigieError('CONFLICT', `La facture ${inv.number} a déjà été envoyée : demandez un nouvel envoi (again: true) pour l’envoyer de nouveau`);
      return { ...result, deliveries: (await mailer.deliveries([inv.id])).map((d) => invoiceDeliveryView(d, mailer.maxAttempts)) };
    },
  );

  // ---- provider setting: VAT on debits -----------------------------------------------------------
  app.get('/api/v1/billing/settings/e-invoicing', { schema: { tags, response: { 200: EInvoicingSettings } } }, async (req) => {
    staff(req);
    return eInvoicingSettings(db);
  });
  app.put(
    '/api/v1/billing/settings/e-invoicing',
    { schema: { tags, body: EInvoicingBody, response: { 200: EInvoicingSettings } } },
    async (req: FastifyRequest<{ Body: { vatOnDebits: boolean } }>) => {
      const user = admin(req);
      await setVatOnDebits(db, req.body.vatOnDebits, actorOf(user));
      return eInvoicingSettings(db);
    },
  );

  // ---- e-reporting of payments -------------------------------------------------------------------
  app.get(
    '/api/v1/billing/e-reporting/payments',
    {
      schema: {
        tags,
        description: 'Payments received in a month on services invoiced without the debits option (date, amount, VAT), as JSON or CSV.',
        querystring: EReportingQuery,
        response: { 200: EReporting },
      },
    },
    async (req: FastifyRequest<{ Querystring: { month: string; format?: 'json' | 'csv' } }>, reply) => {
      staff(req);
      const report = await paymentsForEReporting(db, req.query.month);
      if (req.query.format !== 'csv') return report;
      reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="e-reporting-paiements-${req.query.month}.csv"`);
      return paymentsCsv(report);
    },
  );
}
