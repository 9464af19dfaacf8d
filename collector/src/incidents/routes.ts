import { refusal, VigieError } from '@vigie/shared';
import { Created, IdParams, IncidentList, IncidentQuery, Ok, RuleBody, RuleList, WindowBody, WindowList } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { refreshAuditHeadOf } from '../audit/repository.js';
import { actorOf, clientScope, requireRole, requireUser } from '../auth/guard.js';
import type { RelationalStore } from '../store/relational-store.js';
import { listIncidents } from './list.js';
import { IncidentsRepository, type RuleInput, type WindowInput } from './repository.js';

/** The parameter each rule type reads (collector/src/rules/engine.ts): a rule whose params are another type's never fires. */
const PARAMS_OF_TYPE: Record<string, string> = { threshold: 'metric', absence: 'minutes', check: 'minStatus', warranty: 'days' };
function assertParamsFitType(b: RuleInput): void {
  const key = PARAMS_OF_TYPE[b.type]!;
  if (!(key in b.params))
    throw refusal('VALIDATION', 'rule_params_type', `A ${b.type} rule takes ${JSON.stringify(key)} in its params`, { type: b.type }, '/params');
}

export function registerIncidentRoutes(app: FastifyInstance, db: RelationalStore): void {
  const repo = new IncidentsRepository(db);
  app.get(
    '/api/v1/incidents',
    { schema: { tags: ['incidents'], querystring: IncidentQuery, response: { 200: IncidentList } } },
    async (req: FastifyRequest<{ Querystring: { status?: string; deviceId?: number; limit: number } }>) => {
      const scope = clientScope(requireUser(req));
      const { status, deviceId, limit } = req.query;
      return { incidents: await listIncidents(db, { clientId: scope, status, deviceId, limit }) };
    },
  );

  app.get('/api/v1/rules', { schema: { tags: ['rules'], response: { 200: RuleList } } }, async (req) => {
    requireRole(req, 'admin', 'technician');
    return { rules: await repo.rules() };
  });

  app.post(
    '/api/v1/rules',
    { schema: { tags: ['rules'], body: RuleBody, response: { 201: Created } } },
    async (req: FastifyRequest<{ Body: RuleInput }>, reply) => {
      const user = requireRole(req, 'admin', 'technician');
      const b = req.body;
      assertParamsFitType(b);
      const id = await repo.createRule(b, actorOf(user));
      await refreshAuditHeadOf(db);
      reply.code(201);
      return { id };
    },
  );

  app.put(
    '/api/v1/rules/:id',
    { schema: { tags: ['rules'], params: IdParams, body: RuleBody, response: { 200: Created } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: RuleInput }>) => {
      const user = requireRole(req, 'admin', 'technician');
      const b = req.body;
      assertParamsFitType(b);
      await repo.updateRule(req.params.id, b, actorOf(user));
      await refreshAuditHeadOf(db);
      return { id: req.params.id };
    },
  );

  app.get('/api/v1/maintenance-windows', { schema: { tags: ['rules'], response: { 200: WindowList } } }, async (req) => {
    requireRole(req, 'admin', 'technician');
    return { windows: await repo.windows() };
  });

  app.post(
    '/api/v1/maintenance-windows',
    { schema: { tags: ['rules'], body: WindowBody, response: { 201: Created } } },
    async (req: FastifyRequest<{ Body: WindowInput }>, reply) => {
      const user = requireRole(req, 'admin', 'technician');
      const b = req.body;
      if (b.endsAt <= b.startsAt) throw new VigieError('VALIDATION', 'endsAt must be after startsAt');
      const id = await repo.createWindow(b, user.id, actorOf(user));
      await refreshAuditHeadOf(db);
      reply.code(201);
      return { id };
    },
  );

  app.delete(
    '/api/v1/maintenance-windows/:id',
    { schema: { tags: ['rules'], params: IdParams, response: { 200: Ok } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireRole(req, 'admin', 'technician');
      await repo.deleteWindow(req.params.id, actorOf(user));
      await refreshAuditHeadOf(db);
      return { ok: true };
    },
  );
}
