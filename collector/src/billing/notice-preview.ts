import { Type } from '@sinclair/typebox';
import { type LocalDate, parisDate } from '@vigie/shared';
import { IdParams, LocalDateText, NoticeView } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireRole } from '../auth/guard.js';
import { noticeEndDate } from './contract-terms.js';
import type { BillingService } from './service.js';

/**
 * What recording a notice would do, without recording it (contract 6): the end date the collector
 * would set. The dashboard says it in its confirmation before the notice, which binds, is recorded.
 */
export function registerNoticePreview(app: FastifyInstance, billing: BillingService): void {
  app.get(
    '/api/v1/billing/clients/:id/contract/notice-preview',
    {
      schema: {
        tags: ['billing'],
        params: IdParams,
        querystring: Type.Object({
          receivedOn: LocalDateText,
          from: Type.Union([Type.Literal('client'), Type.Literal('provider')]),
          endDate: Type.Optional(LocalDateText),
        }),
        response: { 200: NoticeView },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { receivedOn: LocalDate; from: 'client' | 'provider'; endDate?: LocalDate } }>) => {
      requireRole(req, 'admin');
      const c = await billing.getContract(req.params.id, parisDate(Date.now()));
      return { receivedOn: req.query.receivedOn, from: req.query.from, endDate: noticeEndDate(req.query.receivedOn, c.noticeMonths, req.query.endDate) };
    },
  );
}
