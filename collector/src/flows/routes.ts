import { monthPeriod, parisDate, VigieError } from '@vigie/shared';
import { FlowQuery, FlowReportQuery, FlowView, IdParams } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertClientVisible, requireUser } from '../auth/guard.js';
import { parseTime } from '../devices/query-params.js';
import type { TenantsRepository } from '../tenants/repository.js';
import { type FlowReportData, renderFlowReport } from './report.js';
import type { FlowService } from './service.js';

export function registerFlowRoutes(app: FastifyInstance, deps: { flows: FlowService; tenants: TenantsRepository }): void {
  const { flows, tenants } = deps;

  app.get(
    '/api/v1/sites/:id/flows',
    {
      schema: {
        tags: ['network'],
        description: 'Network flows of a site (site role): merged top talkers and applications, volume series, interfaces with peaks and saturation.',
        params: IdParams,
        querystring: FlowQuery,
        response: { 200: FlowView },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { from: string; to?: string } }>) => {
      const user = requireUser(req);
      const site = await tenants.getSite(req.params.id);
      if (!site) throw new VigieError('NOT_FOUND');
      assertClientVisible(user, site.client_id);
      return flows.view(req.params.id, parseTime(req.query.from), req.query.to ? parseTime(req.query.to) : Date.now());
    },
  );

  app.get(
    '/api/v1/clients/:id/flow-report',
    {
      schema: {
        tags: ['network'],
        description: "The client's monthly network flow report (PDF), per site.",
        params: IdParams,
        querystring: FlowReportQuery,
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { month: string; lang?: 'fr' | 'en' } }>, reply) => {
      const user = requireUser(req);
      assertClientVisible(user, req.params.id);
      const pdf = await renderFlowReport(await flowReportData(deps, req.params.id, req.query.month), req.query.lang ?? 'fr');
      reply.type('application/pdf').header('content-disposition', `inline; filename="flux-${req.query.month}.pdf"`);
      return pdf;
    },
  );
}

/** What the monthly flow report of a client shows, per site. */
export async function flowReportData(deps: { flows: FlowService; tenants: TenantsRepository }, clientId: number, month: string): Promise<FlowReportData> {
  const client = await deps.tenants.getClient(clientId);
  if (!client) throw new VigieError('NOT_FOUND');
  const { from, to } = monthPeriod(month);
  const sites = [];
  for (const s of await deps.tenants.listSites(clientId)) {
    sites.push({ name: s.name, view: await deps.flows.view(s.id, from, to), daily: await deps.flows.daily(s.id, from, to, parisDate) });
  }
  return { clientName: client.name, month, generatedOn: parisDate(Date.now()), sites };
}
