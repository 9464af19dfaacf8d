import { Type } from '@sinclair/typebox';
import { type LocalDate, parisDate, refusal, VigieError } from '@vigie/shared';
import {
  BsdBody,
  Cancelled,
  ChangeAnswer,
  ChangeRequestBody,
  ContractBody,
  ContractView,
  Created,
  CreditNoteBody,
  DeliveryBody,
  DisputeBody,
  EcbRateBody,
  EcbRates,
  Finance,
  FinanceQuery,
  GenerateInvoicesBody,
  GenerateInvoicesResult,
  GridBody,
  IdParams,
  InterventionBody,
  InterventionList,
  InterventionQuery,
  InterventionRow,
  InvoiceDetail,
  InvoiceList,
  InvoiceQuery,
  LocalDateText,
  NoticeBody,
  NoticeView,
  Order,
  OrderBody,
  OrderList,
  PaymentBody,
  Pickup,
  PickupBody,
  PickupList,
  Quote,
  QuoteBody,
  RevisionApplied,
  RevisionProposal,
  RevisionQuery,
  ScheduleBody,
  ScheduleDetail,
  ScheduleList,
  SellerSettings,
  SellerSettingsBody,
  SettleBody,
  SuppliedItemList,
  SyntecBody,
  SyntecIndices,
} from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertClientVisible, clientScope, requireRole, requireUser } from '../auth/guard.js';
import type { SessionUser } from '../auth/repository.js';
import { electronicAddressProblem } from './facturx/mentions.js';
import type { LegalIdentity } from './invoice-document.js';
import type { InvoiceService, PaymentMethod } from './invoicing.js';
import type { BillingService, ChangeRequest, ContractInput, DeliveryInput, InterventionInput, OrderInput, PickupInput, ScheduleInput } from './service.js';

const Id = Type.Integer({ minimum: 1 });
const Date_ = LocalDateText;
const AsOf = Type.Object({ asOf: Type.Optional(Date_) });
/** An electronic address must start with its party's SIREN (BR-FR-21): said in the user's words before anything is saved. */
const assertElectronicAddress = (who: LegalIdentity) => {
  const problem = electronicAddressProblem(who);
  if (problem) throw refusal('VALIDATION', 'electronic_address', problem, {}, '/electronicAddress');
};
const today = () => parisDate(Date.now());

export function registerBillingRoutes(app: FastifyInstance, billing: BillingService, invoices: InvoiceService): void {
  const staff = (req: FastifyRequest) => requireRole(req, 'admin', 'technician');
  const admin = (req: FastifyRequest) => requireRole(req, 'admin');
  const visibleClient = (req: FastifyRequest, clientId: number): SessionUser => {
    const user = requireUser(req);
    assertClientVisible(user, clientId);
    return user;
  };
  /** The client a listing is restricted to: a client user's own, or the one staff asked for. */
  const scopeOf = (req: FastifyRequest, asked: number | undefined): number | undefined => {
    const user = requireUser(req);
    const scope = clientScope(user);
    if (scope !== undefined && asked !== undefined && asked !== scope) throw new VigieError('NOT_FOUND');
    return scope ?? asked;
  };
  const ClientQuery = Type.Object({ clientId: Type.Optional(Id) });
  const tags = ['billing'];

  // ---- settings, contracts, grids, rates ---------------------------------------------------------
  app.get('/api/v1/billing/settings', { schema: { tags, response: { 200: SellerSettings } } }, async (req) => {
    staff(req);
    return billing.getSettings();
  });
  app.put(
    '/api/v1/billing/settings',
    { schema: { tags, body: SellerSettingsBody, response: { 200: SellerSettings } } },
    async (req: FastifyRequest<{ Body: { seller: ContractInput['buyer']; bank?: { iban: string; bic: string } | null } }>) => {
      admin(req);
      assertElectronicAddress(req.body.seller);
      await billing.putSettings(req.body.seller, req.body.bank ?? null);
      return billing.getSettings();
    },
  );

  app.get(
    '/api/v1/billing/clients/:id/contract',
    { schema: { tags, params: IdParams, querystring: AsOf, response: { 200: ContractView } } },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { asOf?: string } }>) => {
      visibleClient(req, req.params.id);
      return billing.getContract(req.params.id, req.query.asOf ?? today());
    },
  );
  app.put(
    '/api/v1/billing/clients/:id/contract',
    {
      schema: {
        tags,
        params: IdParams,
        body: ContractBody,
        response: { 200: ContractView },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Body: ContractInput }>) => {
      const user = admin(req);
      assertElectronicAddress(req.body.buyer);
      await billing.putContract(req.params.id, req.body, user);
      return billing.getContract(req.params.id, today());
    },
  );
  app.post(
    '/api/v1/billing/clients/:id/contract/notice',
    {
      schema: {
        tags,
        params: IdParams,
        body: NoticeBody,
        response: { 200: NoticeView },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { receivedOn: LocalDate; from: 'client' | 'provider'; endDate?: LocalDate } }>) => {
      admin(req);
      return billing.notice(req.params.id, req.body);
    },
  );
  app.post(
    '/api/v1/billing/clients/:id/grids',
    { schema: { tags, params: IdParams, body: GridBody, response: { 201: Created } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { validFrom: LocalDate; grid: unknown } }>, reply) => {
      const user = admin(req);
      const id = await billing.amendGrid(req.params.id, req.body.validFrom, req.body.grid, user);
      reply.code(201);
      return { id };
    },
  );
  app.get(
    '/api/v1/billing/clients/:id/revision',
    { schema: { tags, params: IdParams, querystring: RevisionQuery, response: { 200: RevisionProposal } } },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { validFrom: LocalDate } }>) => {
      staff(req);
      return billing.revisionProposal(req.params.id, req.query.validFrom);
    },
  );
  app.post(
    '/api/v1/billing/clients/:id/revision',
    { schema: { tags, params: IdParams, body: GridBody, response: { 201: RevisionApplied } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { validFrom: LocalDate; grid: unknown } }>, reply) => {
      const user = admin(req);
      const id = await billing.applyRevision(req.params.id, req.body.validFrom, req.body.grid, user);
      reply.code(201);
      return { id, contract: await billing.getContract(req.params.id, req.body.validFrom) };
    },
  );
  app.get('/api/v1/billing/ecb-rates', { schema: { tags, response: { 200: EcbRates } } }, async (req) => {
    staff(req);
    return { rates: await billing.ecbRates() };
  });
  app.post(
    '/api/v1/billing/ecb-rates',
    { schema: { tags, body: EcbRateBody, response: { 201: EcbRates } } },
    async (req: FastifyRequest<{ Body: { from: LocalDate; rateBp: number } }>, reply) => {
      const user = admin(req);
      await billing.addEcbRate(req.body.from, req.body.rateBp, user);
      reply.code(201);
      return { rates: await billing.ecbRates() };
    },
  );
  app.get('/api/v1/billing/syntec', { schema: { tags, response: { 200: SyntecIndices } } }, async (req) => {
    staff(req);
    return { indices: await billing.syntecIndices() };
  });
  app.post(
    '/api/v1/billing/syntec',
    { schema: { tags, body: SyntecBody, response: { 201: SyntecIndices } } },
    async (req: FastifyRequest<{ Body: { publishedOn: LocalDate; value: number } }>, reply) => {
      const user = admin(req);
      await billing.addSyntecIndex(req.body.publishedOn, req.body.value, user);
      reply.code(201);
      return { indices: await billing.syntecIndices() };
    },
  );

  // ---- quote and interventions (2.6) -------------------------------------------------------------
  app.post(
    '/api/v1/billing/quote',
    {
      schema: { tags, body: QuoteBody, response: { 200: Quote } },
    },
    async (
      req: FastifyRequest<{ Body: { clientId: number; kind: 'programmed' | 'urgent'; mode: 'on_site' | 'remote'; minutes: number; date: LocalDate } }>,
    ) => {
      visibleClient(req, req.body.clientId);
      const { unit, count, unitPriceCents, amountCents, rule } = await billing.quote(
        req.body.clientId,
        req.body.kind,
        req.body.mode,
        req.body.minutes,
        req.body.date,
      );
      return { unit, count, unitPriceCents, amountCents, rule };
    },
  );
  app.post(
    '/api/v1/tickets/:id/interventions',
    { schema: { tags, params: IdParams, body: InterventionBody, response: { 201: InterventionRow } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: InterventionInput }>, reply) => {
      const user = staff(req);
      const row = await billing.recordIntervention(req.params.id, req.body, user);
      reply.code(201);
      return row;
    },
  );
  app.get(
    '/api/v1/tickets/:id/interventions',
    { schema: { tags, params: IdParams, response: { 200: InterventionList } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireUser(req);
      const rows = await billing.interventions({ ticketId: req.params.id });
      const clientId = clientScope(user);
      if (clientId !== undefined && rows.some((r) => r.client_id !== clientId)) throw new VigieError('NOT_FOUND');
      return { interventions: rows };
    },
  );
  app.get(
    '/api/v1/billing/interventions',
    {
      schema: {
        tags,
        querystring: InterventionQuery,
        response: { 200: InterventionList },
      },
    },
    async (req: FastifyRequest<{ Querystring: { clientId?: number; from?: LocalDate; to?: LocalDate; limit: number } }>) => {
      const clientId = scopeOf(req, req.query.clientId);
      return { interventions: await billing.interventions({ ...req.query, ...(clientId !== undefined ? { clientId } : {}) }) };
    },
  );
  app.patch(
    '/api/v1/billing/interventions/:id',
    { schema: { tags, params: IdParams, body: InterventionBody, response: { 200: InterventionRow } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: InterventionInput }>) => {
      const user = staff(req);
      return billing.updateIntervention(req.params.id, req.body, user);
    },
  );
  app.delete(
    '/api/v1/billing/interventions/:id',
    { schema: { tags, params: IdParams, response: { 204: Type.Null() } } },
    async (req: FastifyRequest<{ Params: { id: number } }>, reply) => {
      const user = staff(req);
      await billing.deleteIntervention(req.params.id, user);
      reply.code(204);
    },
  );

  // ---- recurring programmes (2.6.1) --------------------------------------------------------------
  app.post(
    '/api/v1/billing/clients/:id/recurring',
    {
      schema: {
        tags,
        params: IdParams,
        body: ScheduleBody,
        response: { 201: ScheduleDetail },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Body: ScheduleInput }>, reply) => {
      const user = staff(req);
      const id = await billing.createSchedule(req.params.id, req.body, user);
      reply.code(201);
      return billing.schedule(id);
    },
  );
  app.get(
    '/api/v1/billing/recurring',
    { schema: { tags, querystring: ClientQuery, response: { 200: ScheduleList } } },
    async (req: FastifyRequest<{ Querystring: { clientId?: number } }>) => ({
      schedules: await billing.schedules(scopeOf(req, req.query.clientId)),
    }),
  );
  const scheduleVisible = async (req: FastifyRequest, id: number) => {
    const clientId = await billing.scheduleClient(id);
    if (clientId === undefined) throw new VigieError('NOT_FOUND');
    return visibleClient(req, clientId);
  };
  app.get(
    '/api/v1/billing/recurring/:id',
    { schema: { tags, params: IdParams, response: { 200: ScheduleDetail } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      await scheduleVisible(req, req.params.id);
      return billing.schedule(req.params.id);
    },
  );
  app.post(
    '/api/v1/billing/recurring/:id/occurrences/:occurrenceId/change',
    {
      schema: {
        tags,
        params: Type.Object({ id: Id, occurrenceId: Id }),
        body: ChangeRequestBody,
        response: { 200: ChangeAnswer },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number; occurrenceId: number }; Body: ChangeRequest & { receivedAt?: number } }>) => {
      const user = await scheduleVisible(req, req.params.id);
      // A client's request is received now, through the portal; staff record a mail's reception time.
      const now = Date.now();
      const receivedAt = user.role === 'client' ? now : (req.body.receivedAt ?? now);
      if (receivedAt > now + 60_000) throw new VigieError('VALIDATION', 'receivedAt is in the future');
      const { receivedAt: _r, ...change } = req.body;
      const r = await billing.requestChange(req.params.id, req.params.occurrenceId, change, receivedAt, user);
      return { accepted: r.accepted, reason: r.reason, schedule: await billing.schedule(req.params.id) };
    },
  );

  // ---- supply orders (2.4), supplied items (3), DEEE pickups (2.5) -------------------------------
  app.post(
    '/api/v1/billing/clients/:id/orders',
    {
      schema: {
        tags,
        params: IdParams,
        body: OrderBody,
        response: { 201: Order },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Body: OrderInput }>, reply) => {
      const user = staff(req);
      const id = await billing.createOrder(req.params.id, req.body, user);
      reply.code(201);
      return (await billing.orders(req.params.id)).find((o) => o.id === id);
    },
  );
  app.get(
    '/api/v1/billing/orders',
    { schema: { tags, querystring: ClientQuery, response: { 200: OrderList } } },
    async (req: FastifyRequest<{ Querystring: { clientId?: number } }>) => ({
      orders: await billing.orders(scopeOf(req, req.query.clientId)),
    }),
  );
  app.post(
    '/api/v1/billing/orders/:id/deliver',
    {
      schema: {
        tags,
        params: IdParams,
        body: DeliveryBody,
        response: { 200: SuppliedItemList },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Body: DeliveryInput }>) => {
      staff(req);
      await billing.deliverOrder(req.params.id, req.body);
      const clientId = (await billing.orderClient(req.params.id))!;
      return { items: (await billing.suppliedItems(clientId)).filter((i) => i.order_id === req.params.id) };
    },
  );
  app.post(
    '/api/v1/billing/orders/:id/cancel',
    { schema: { tags, params: IdParams, response: { 200: Cancelled } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      staff(req);
      await billing.cancelOrder(req.params.id);
      return { cancelled: true };
    },
  );
  app.get(
    '/api/v1/billing/supplied-items',
    { schema: { tags, querystring: ClientQuery, response: { 200: SuppliedItemList } } },
    async (req: FastifyRequest<{ Querystring: { clientId?: number } }>) => ({
      items: await billing.suppliedItems(scopeOf(req, req.query.clientId)),
    }),
  );
  app.post(
    '/api/v1/billing/clients/:id/pickups',
    {
      schema: {
        tags,
        params: IdParams,
        body: PickupBody,
        response: { 201: Pickup },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Body: PickupInput }>, reply) => {
      const user = staff(req);
      const id = await billing.createPickup(req.params.id, req.body, user);
      reply.code(201);
      return ((await billing.pickups(req.params.id)) as { id: number }[]).find((p) => p.id === id);
    },
  );
  app.get(
    '/api/v1/billing/pickups',
    { schema: { tags, querystring: ClientQuery, response: { 200: PickupList } } },
    async (req: FastifyRequest<{ Querystring: { clientId?: number } }>) => ({
      pickups: await billing.pickups(scopeOf(req, req.query.clientId)),
    }),
  );
  app.put(
    '/api/v1/billing/pickups/:id/bsd',
    { schema: { tags, params: IdParams, body: BsdBody, response: { 200: Pickup } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { reference: string } }>) => {
      staff(req);
      await billing.setBsd(req.params.id, req.body.reference);
      const clientId = (await billing.pickupClient(req.params.id))!;
      return ((await billing.pickups(clientId)) as { id: number }[]).find((p) => p.id === req.params.id);
    },
  );

  // ---- invoices (5.1) ---------------------------------------------------------------------------
  const invoiceVisible = async (req: FastifyRequest, id: number) => {
    const inv = await invoices.row(id);
    if (!inv) throw new VigieError('NOT_FOUND');
    return { user: visibleClient(req, inv.client_id), inv };
  };
  app.post(
    '/api/v1/billing/invoices/generate',
    { schema: { tags, body: GenerateInvoicesBody, response: { 200: GenerateInvoicesResult } } },
    async (req: FastifyRequest<{ Body: { month: string; clientId?: number } }>) => {
      const user = admin(req);
      if (req.body.clientId === undefined) return { results: await invoices.generateAll(req.body.month) };
      const inv = await invoices.generate(req.body.clientId, req.body.month, Date.now(), user);
      return { results: [{ clientId: req.body.clientId, ...(inv ? { number: inv.number, id: inv.id } : {}) }] };
    },
  );
  app.get(
    '/api/v1/billing/invoices',
    {
      schema: {
        tags,
        querystring: InvoiceQuery,
        response: { 200: InvoiceList },
      },
    },
    async (req: FastifyRequest<{ Querystring: { clientId?: number; year?: number; asOf?: LocalDate } }>) => {
      const user = requireUser(req);
      const clientId = scopeOf(req, req.query.clientId);
      const asOf = req.query.asOf ?? today();
      // Contract 3: the client's space shows the invoices of the current and previous year.
      const fromYear = user.role === 'client' ? Number(today().slice(0, 4)) - 1 : undefined;
      return {
        invoices: await invoices.list(
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
      await invoiceVisible(req, req.params.id);
      return invoices.get(req.params.id, req.query.asOf ?? today());
    },
  );
  app.get(
    '/api/v1/billing/invoices/:id/pdf',
    { schema: { tags, params: IdParams, querystring: Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('fr'), Type.Literal('en')])) }) } },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { lang?: 'fr' | 'en' } }>, reply) => {
      const { inv } = await invoiceVisible(req, req.params.id);
      const pdf = await invoices.pdf(req.params.id, req.query.lang ?? 'fr');
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
        await invoiceVisible(req, req.params.id);
        throw refusal('CONFLICT', 'invoice_immutable', 'An issued invoice is never changed nor deleted: correct it with a credit note (POST …/credit-notes)');
      },
    });
  }
  app.post(
    '/api/v1/billing/invoices/:id/credit-notes',
    {
      schema: {
        tags,
        params: IdParams,
        body: CreditNoteBody,
        response: { 201: InvoiceDetail },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { reason: string; amountExclCents?: number; release?: boolean } }>, reply) => {
      const user = admin(req);
      const cn = await invoices.creditNote(req.params.id, req.body, user);
      reply.code(201);
      return invoices.get(cn.id, today());
    },
  );
  app.post(
    '/api/v1/billing/invoices/:id/payments',
    {
      schema: {
        tags,
        params: IdParams,
        body: PaymentBody,
        response: { 201: InvoiceDetail },
      },
    },
    async (
      req: FastifyRequest<{ Params: { id: number }; Body: { paidOn: LocalDate; amountCents: number; method: PaymentMethod; reference?: string } }>,
      reply,
    ) => {
      const user = admin(req);
      await invoices.addPayment(req.params.id, req.body, user);
      reply.code(201);
      return invoices.get(req.params.id, today());
    },
  );
  app.post(
    '/api/v1/billing/invoices/:id/disputes',
    {
      schema: {
        tags,
        params: IdParams,
        body: DisputeBody,
        response: { 201: InvoiceDetail },
      },
    },
    async (
      req: FastifyRequest<{ Params: { id: number }; Body: { reason: string; openedOn?: LocalDate; notifiedVia?: 'portal' | 'email' | 'letter' } }>,
      reply,
    ) => {
      const { user } = await invoiceVisible(req, req.params.id);
      await invoices.openDispute(req.params.id, req.body, user);
      reply.code(201);
      return invoices.get(req.params.id, today());
    },
  );
  app.post(
    '/api/v1/billing/disputes/:id/settle',
    {
      schema: {
        tags,
        params: IdParams,
        body: SettleBody,
        response: { 200: InvoiceDetail },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { settledOn?: LocalDate; settlement: string; creditExclCents?: number } }>) => {
      const user = admin(req);
      const invoiceId = await invoices.settleDispute(req.params.id, req.body, user);
      return invoices.get(invoiceId, today());
    },
  );
  app.get(
    '/api/v1/billing/clients/:id/finance',
    {
      schema: {
        tags,
        params: IdParams,
        querystring: FinanceQuery,
        response: { 200: Finance },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { months: number; asOf?: LocalDate } }>) => {
      visibleClient(req, req.params.id);
      return { months: await invoices.finance(req.params.id, req.query.asOf ?? today(), req.query.months) };
    },
  );
}
