import { EnrollRequest, EnrollResponse, VigieError } from '@vigie/shared';
import { CreateTokenBody, IdParams, NewToken, Ok, TokenList } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../audit/repository.js';
import { actorOf, requireRole } from '../auth/guard.js';
import { enrollKeys, type LoginLimiter } from '../auth/login-limiter.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { TenantsRepository } from '../tenants/repository.js';
import type { EnrollmentService } from './service.js';

export function registerEnrollRoutes(
  app: FastifyInstance,
  db: RelationalStore,
  enrollment: EnrollmentService,
  tenants: TenantsRepository,
  limiter: LoginLimiter,
  /** Called once a device is enrolled and committed (the site role may pass to it). */
  onEnrolled: (deviceId: number, siteId: number) => Promise<void>,
): void {
  app.post(
    '/api/v1/enroll',
    { schema: { tags: ['agents'], body: EnrollRequest, response: { 201: EnrollResponse } } },
    async (req: FastifyRequest<{ Body: EnrollRequest }>, reply) => {
      // Failed enrollments count like failed logins, asked before and counted after the check. Not
      // counted before it, as sign-in is: a token has 192 random bits, so the few guesses a burst
      // gets past the count cost nothing, whereas counting enrollments in flight refused a site's
      // legitimate mass deployment behind one address (more than the limit enrolling at once).
      const keys = enrollKeys(req.ip, limiter.limits);
      if (await limiter.blocked(keys)) throw new VigieError('LOGIN_RATE_LIMITED', 'Too many failed enrollments, try again later');
      try {
        const { siteId, ...res } = await enrollment.enroll(req.body, req.ip);
        // The credentials go back at once; telling the site's other agents runs beside, logged if it fails.
        onEnrolled(res.deviceId, siteId).catch((err: unknown) =>
          req.log.error(
            { err, deviceId: res.deviceId },
            'enrollment: the site’s other agents could not be told that the site role moved to this device (they learn it at their next connection)',
          ),
        );
        reply.code(201);
        return res;
      } catch (err) {
        if (err instanceof VigieError && err.code.startsWith('VIGIE_E_ENROLL_TOKEN')) await limiter.fail(keys);
        throw err;
      }
    },
  );

  app.post(
    '/api/v1/sites/:id/enrollment-tokens',
    { schema: { tags: ['agents'], params: IdParams, body: CreateTokenBody, response: { 201: NewToken } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { label?: string; maxUses?: number; ttlHours?: number } }>, reply) => {
      const user = requireRole(req, 'admin', 'technician');
      if (!(await tenants.getSite(req.params.id))) throw new VigieError('NOT_FOUND');
      const t = await enrollment.createToken(req.params.id, {
        label: req.body.label,
        maxUses: req.body.maxUses,
        ttlMs: req.body.ttlHours ? req.body.ttlHours * 3600_000 : undefined,
        createdBy: user.id,
      });
      await audit(db, actorOf(user), 'enrollment-token.create', `enrollment-token:${t.id}`, { siteId: t.siteId, maxUses: t.maxUses, expiresAt: t.expiresAt });
      reply.code(201);
      return t;
    },
  );

  app.get(
    '/api/v1/sites/:id/enrollment-tokens',
    { schema: { tags: ['agents'], params: IdParams, response: { 200: TokenList } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      requireRole(req, 'admin', 'technician');
      if (!(await tenants.getSite(req.params.id))) throw new VigieError('NOT_FOUND');
      return { tokens: await enrollment.listTokens(req.params.id) };
    },
  );

  app.post(
    '/api/v1/enrollment-tokens/:id/revoke',
    { schema: { tags: ['agents'], params: IdParams, response: { 200: Ok } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireRole(req, 'admin', 'technician');
      if (!(await enrollment.getToken(req.params.id))) throw new VigieError('NOT_FOUND');
      await enrollment.revokeToken(req.params.id);
      await audit(db, actorOf(user), 'enrollment-token.revoke', `enrollment-token:${req.params.id}`);
      return { ok: true };
    },
  );
}
