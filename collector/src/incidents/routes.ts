import { Type } from '@sinclair/typebox';
import { VigieError } from '@vigie/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../audit/repository.js';
import { actorOf, clientScope, requireRole, requireUser } from '../auth/guard.js';
import type { Database } from '../store/database.js';
import { IncidentsRepository, type RuleInput, type WindowInput } from './repository.js';

const strict = { additionalProperties: false } as const;
const RuleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    type: Type.Union([Type.Literal('threshold'), Type.Literal('absence'), Type.Literal('check'), Type.Literal('warranty')]),
    severity: Type.Union([Type.Literal('warning'), Type.Literal('critical')]),
    enabled: Type.Optional(Type.Boolean()),
    params: Type.Union([
      Type.Object(
        {
          metric: Type.String({ pattern: '^[a-z][a-z0-9_.]{0,63}$' }),
          op: Type.Union([Type.Literal('>'), Type.Literal('<')]),
          value: Type.Number(),
          forSec: Type.Integer({ minimum: 0, maximum: 86400 }),
          recoverValue: Type.Optional(Type.Number()),
        },
        strict,
      ),
      Type.Object({ minutes: Type.Integer({ minimum: 1, maximum: 10080 }) }, strict),
      Type.Object(
        {
          check: Type.Optional(Type.String({ maxLength: 64 })),
          codes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
          minStatus: Type.Union([Type.Literal('unknown'), Type.Literal('warning'), Type.Literal('critical')]),
        },
        strict,
      ),
      // Warranty: supplied items whose warranty ends within this many days.
      Type.Object({ days: Type.Integer({ minimum: 1, maximum: 3650 }) }, strict),
    ]),
  },
  strict,
);
const Window = Type.Object(
  {
    scope: Type.Union([Type.Literal('client'), Type.Literal('site'), Type.Literal('device')]),
    scopeId: Type.Integer({ minimum: 1 }),
    startsAt: Type.Integer({ minimum: 0 }),
    endsAt: Type.Integer({ minimum: 0 }),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
  },
  strict,
);

/** The parameter each rule type reads (collector/src/rules/engine.ts): a rule whose params are another type's never fires. */
const PARAMS_OF_TYPE: Record<string, string> = { threshold: 'metric', absence: 'minutes', check: 'minStatus', warranty: 'days' };
function assertParamsFitType(b: RuleInput): void {
  const key = PARAMS_OF_TYPE[b.type]!;
  if (!(key in b.params)) throw new VigieError('VALIDATION', `A ${b.type} rule takes ${JSON.stringify(key)} in its params`);
}

export function registerIncidentRoutes(app: FastifyInstance, db: Database): void {
  const repo = new IncidentsRepository(db);
  app.get(
    '/api/v1/incidents',
    {
      schema: {
        tags: ['incidents'],
        querystring: Type.Object({
          status: Type.Optional(Type.String({ maxLength: 20 })),
          deviceId: Type.Optional(Type.Integer({ minimum: 1 })),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
        }),
      },
    },
    async (req: FastifyRequest<{ Querystring: { status?: string; deviceId?: number; limit: number } }>) => {
      const scope = clientScope(requireUser(req));
      const { status, deviceId, limit } = req.query;
      return {
        incidents: await repo.incidents({
          ...(scope !== undefined ? { clientId: scope } : {}),
          ...(status ? { status } : {}),
          ...(deviceId !== undefined ? { deviceId } : {}),
          limit,
        }),
      };
    },
  );

  app.get('/api/v1/rules', { schema: { tags: ['rules'] } }, async (req) => {
    requireRole(req, 'admin', 'technician');
    return { rules: await repo.rules() };
  });

  app.post('/api/v1/rules', { schema: { tags: ['rules'], body: RuleBody } }, async (req: FastifyRequest<{ Body: RuleInput }>, reply) => {
    const user = requireRole(req, 'admin', 'technician');
    const b = req.body;
    assertParamsFitType(b);
    const id = await repo.createRule(b);
    await audit(db, actorOf(user), 'rule.create', `rule:${id}`, { name: b.name });
    reply.code(201);
    return { id };
  });

  app.put(
    '/api/v1/rules/:id',
    { schema: { tags: ['rules'], params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), body: RuleBody } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: RuleInput }>) => {
      const user = requireRole(req, 'admin', 'technician');
      const b = req.body;
      assertParamsFitType(b);
      await repo.updateRule(req.params.id, b);
      await audit(db, actorOf(user), 'rule.update', `rule:${req.params.id}`, { name: b.name, enabled: b.enabled !== false });
      return { id: req.params.id };
    },
  );

  app.get('/api/v1/maintenance-windows', { schema: { tags: ['rules'] } }, async (req) => {
    requireRole(req, 'admin', 'technician');
    return { windows: await repo.windows() };
  });

  app.post('/api/v1/maintenance-windows', { schema: { tags: ['rules'], body: Window } }, async (req: FastifyRequest<{ Body: WindowInput }>, reply) => {
    const user = requireRole(req, 'admin', 'technician');
    const b = req.body;
    if (b.endsAt <= b.startsAt) throw new VigieError('VALIDATION', 'endsAt must be after startsAt');
    const id = await repo.createWindow(b, user.id);
    await audit(db, actorOf(user), 'maintenance.create', `${b.scope}:${b.scopeId}`, { startsAt: b.startsAt, endsAt: b.endsAt });
    reply.code(201);
    return { id };
  });

  app.delete(
    '/api/v1/maintenance-windows/:id',
    { schema: { tags: ['rules'], params: Type.Object({ id: Type.Integer({ minimum: 1 }) }) } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireRole(req, 'admin', 'technician');
      await repo.deleteWindow(req.params.id);
      await audit(db, actorOf(user), 'maintenance.delete', `maintenance:${req.params.id}`);
      return { ok: true };
    },
  );
}
