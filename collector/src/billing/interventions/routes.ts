import { Type } from '@sinclair/typebox';
import { type LocalDate, VigieError } from '@vigie/shared';
import { IdParams, InterventionBody, InterventionList, InterventionQuery, InterventionRow } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clientScope, requireUser } from '../../auth/guard.js';
import { type BillingPluginDeps, scopeOf, staff, tags } from '../route-guards.js';
import type { InterventionInput } from './service.js';

/** Interventions (contract 2.6): staff record them on a ticket and correct them until invoiced; a client sees its own. */
export async function interventionRoutes(app: FastifyInstance, { billing }: BillingPluginDeps): Promise<void> {
  const { interventions } = billing;
  app.post(
    '/api/v1/tickets/:id/interventions',
    { schema: { tags, params: IdParams, body: InterventionBody, response: { 201: InterventionRow } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: InterventionInput }>, reply) => {
      const user = staff(req);
      const row = await interventions.recordIntervention(req.params.id, req.body, user);
      reply.code(201);
      return row;
    },
  );
  app.get(
    '/api/v1/tickets/:id/interventions',
    { schema: { tags, params: IdParams, response: { 200: InterventionList } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireUser(req);
      const rows = await interventions.interventions({ ticketId: req.params.id });
      const clientId = clientScope(user);
      if (clientId !== undefined && rows.some((r) => r.client_id !== clientId)) throw new VigieError('NOT_FOUND');
      return { interventions: rows };
    },
  );
  app.get(
    '/api/v1/billing/interventions',
    { schema: { tags, querystring: InterventionQuery, response: { 200: InterventionList } } },
    async (req: FastifyRequest<{ Querystring: { clientId?: number; from?: LocalDate; to?: LocalDate; limit: number } }>) => {
      const clientId = scopeOf(req, req.query.clientId);
      return { interventions: await interventions.interventions({ ...req.query, ...(clientId !== undefined ? { clientId } : {}) }) };
    },
  );
  app.patch(
    '/api/v1/billing/interventions/:id',
    { schema: { tags, params: IdParams, body: InterventionBody, response: { 200: InterventionRow } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: InterventionInput }>) => {
      const user = staff(req);
      return interventions.updateIntervention(req.params.id, req.body, user);
    },
  );
  app.delete(
    '/api/v1/billing/interventions/:id',
    { schema: { tags, params: IdParams, response: { 204: Type.Null() } } },
    async (req: FastifyRequest<{ Params: { id: number } }>, reply) => {
      const user = staff(req);
      await interventions.deleteIntervention(req.params.id, user);
      reply.code(204);
    },
  );
}
