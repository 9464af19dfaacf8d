import { Type } from '@sinclair/typebox';
import type { LocalDate } from '@vigie/shared';
import {
  ContractBody,
  ContractView,
  Created,
  GridBody,
  IdParams,
  LocalDateText,
  NoticeBody,
  NoticeView,
  Quote,
  QuoteBody,
  RevisionApplied,
  RevisionProposal,
  RevisionQuery,
} from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { noticeEndDate } from '../contract-terms.js';
import { AsOf, admin, assertElectronicAddress, type BillingPluginDeps, staff, tags, today, visibleClient } from '../route-guards.js';
import type { ContractInput } from './service.js';

type NoticeInput = { receivedOn: LocalDate; from: 'client' | 'provider'; endDate?: LocalDate };

/** A client's contract (art. 6), its notice, its grids (amendments, art. 7; revisions, art. 5.2) and quotes under the grid in force. */
export async function contractRoutes(app: FastifyInstance, { billing }: BillingPluginDeps): Promise<void> {
  const { contracts } = billing;
  app.get(
    '/api/v1/billing/clients/:id/contract',
    { schema: { tags, params: IdParams, querystring: AsOf, response: { 200: ContractView } } },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { asOf?: string } }>) => {
      visibleClient(req, req.params.id);
      return contracts.getContract(req.params.id, req.query.asOf ?? today());
    },
  );
  app.put(
    '/api/v1/billing/clients/:id/contract',
    { schema: { tags, params: IdParams, body: ContractBody, response: { 200: ContractView } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: ContractInput }>) => {
      const user = admin(req);
      assertElectronicAddress(req.body.buyer);
      await contracts.putContract(req.params.id, req.body, user);
      return contracts.getContract(req.params.id, today());
    },
  );
  app.post(
    '/api/v1/billing/clients/:id/contract/notice',
    { schema: { tags, params: IdParams, body: NoticeBody, response: { 200: NoticeView } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: NoticeInput }>) => {
      admin(req);
      return contracts.notice(req.params.id, req.body);
    },
  );
  // What recording a notice would do, without recording it (contract 6): the end date the collector
  // would set. The dashboard says it in its confirmation before the notice, which binds, is recorded.
  app.get(
    '/api/v1/billing/clients/:id/contract/notice-preview',
    {
      schema: {
        tags,
        params: IdParams,
        querystring: Type.Object({
          receivedOn: LocalDateText,
          from: Type.Union([Type.Literal('client'), Type.Literal('provider')]),
          endDate: Type.Optional(LocalDateText),
        }),
        response: { 200: NoticeView },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: NoticeInput }>) => {
      admin(req);
      const c = await contracts.getContract(req.params.id, today());
      return { receivedOn: req.query.receivedOn, from: req.query.from, endDate: noticeEndDate(req.query.receivedOn, c.noticeMonths, req.query.endDate) };
    },
  );
  app.post(
    '/api/v1/billing/clients/:id/grids',
    { schema: { tags, params: IdParams, body: GridBody, response: { 201: Created } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { validFrom: LocalDate; grid: unknown } }>, reply) => {
      const user = admin(req);
      const id = await contracts.amendGrid(req.params.id, req.body.validFrom, req.body.grid, user);
      reply.code(201);
      return { id };
    },
  );
  app.get(
    '/api/v1/billing/clients/:id/revision',
    { schema: { tags, params: IdParams, querystring: RevisionQuery, response: { 200: RevisionProposal } } },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { validFrom: LocalDate } }>) => {
      staff(req);
      return contracts.revisionProposal(req.params.id, req.query.validFrom);
    },
  );
  app.post(
    '/api/v1/billing/clients/:id/revision',
    { schema: { tags, params: IdParams, body: GridBody, response: { 201: RevisionApplied } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { validFrom: LocalDate; grid: unknown } }>, reply) => {
      const user = admin(req);
      const id = await contracts.applyRevision(req.params.id, req.body.validFrom, req.body.grid, user);
      reply.code(201);
      return { id, contract: await contracts.getContract(req.params.id, req.body.validFrom) };
    },
  );
  app.post(
    '/api/v1/billing/quote',
    { schema: { tags, body: QuoteBody, response: { 200: Quote } } },
    async (
      req: FastifyRequest<{ Body: { clientId: number; kind: 'programmed' | 'urgent'; mode: 'on_site' | 'remote'; minutes: number; date: LocalDate } }>,
    ) => {
      visibleClient(req, req.body.clientId);
      const { unit, count, unitPriceCents, amountCents, rule } = await contracts.quote(
        req.body.clientId,
        req.body.kind,
        req.body.mode,
        req.body.minutes,
        req.body.date,
      );
      return { unit, count, unitPriceCents, amountCents, rule };
    },
  );
}
