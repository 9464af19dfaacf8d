import { Type } from '@sinclair/typebox';
import { VigieError } from '@vigie/shared';
import { ChangeAnswer, ChangeRequestBody, IdParams, ScheduleBody, ScheduleDetail, ScheduleList } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type BillingPluginDeps, ClientQuery, Id, scopeOf, staff, tags, visibleClient } from '../route-guards.js';
import type { ChangeRequest, ScheduleInput } from './service.js';

/** Recurring programmes (contract 2.6.1): staff create them; the client sees its own and asks for changes. */
export async function recurringRoutes(app: FastifyInstance, { billing }: BillingPluginDeps): Promise<void> {
  const { recurring } = billing;
  const scheduleVisible = async (req: FastifyRequest, id: number) => {
    const clientId = await recurring.scheduleClient(id);
    if (clientId === undefined) throw new VigieError('NOT_FOUND');
    return visibleClient(req, clientId);
  };
  app.post(
    '/api/v1/billing/clients/:id/recurring',
    { schema: { tags, params: IdParams, body: ScheduleBody, response: { 201: ScheduleDetail } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: ScheduleInput }>, reply) => {
      const user = staff(req);
      const id = await recurring.createSchedule(req.params.id, req.body, user);
      reply.code(201);
      return recurring.schedule(id);
    },
  );
  app.get(
    '/api/v1/billing/recurring',
    { schema: { tags, querystring: ClientQuery, response: { 200: ScheduleList } } },
    async (req: FastifyRequest<{ Querystring: { clientId?: number } }>) => ({
      schedules: await recurring.schedules(scopeOf(req, req.query.clientId)),
    }),
  );
  app.get(
    '/api/v1/billing/recurring/:id',
    { schema: { tags, params: IdParams, response: { 200: ScheduleDetail } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      await scheduleVisible(req, req.params.id);
      return recurring.schedule(req.params.id);
    },
  );
  app.post(
    '/api/v1/billing/recurring/:id/occurrences/:occurrenceId/change',
    { schema: { tags, params: Type.Object({ id: Id, occurrenceId: Id }), body: ChangeRequestBody, response: { 200: ChangeAnswer } } },
    async (req: FastifyRequest<{ Params: { id: number; occurrenceId: number }; Body: ChangeRequest & { receivedAt?: number } }>) => {
      const user = await scheduleVisible(req, req.params.id);
      // A client's request is received now, through the portal; staff record a mail's reception time.
      const now = Date.now();
      const receivedAt = user.role === 'client' ? now : (req.body.receivedAt ?? now);
      if (receivedAt > now + 60_000) throw new VigieError('VALIDATION', 'receivedAt is in the future');
      const { receivedAt: _r, ...change } = req.body;
      const r = await recurring.requestChange(req.params.id, req.params.occurrenceId, change, receivedAt, user);
      return { accepted: r.accepted, reason: r.reason, schedule: await recurring.schedule(req.params.id) };
    },
  );
}
