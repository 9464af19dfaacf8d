import { Type } from '@sinclair/typebox';
import { ErrorCodes, PinBody, type RolloutBody as Rollout, RolloutBody, VigieError } from '@vigie/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireRole } from '../auth/guard.js';
import type { TotpService } from '../auth/totp/totp-service.js';
import type { AgentAuthResult } from '../ingest/agent-auth.js';
import type { Releases } from './releases.js';
import type { RolloutService } from './rollout.js';

/**
 * The agent self-update's routes: the executable, for an authenticated agent only (the channel it
 * already trusts); releases and the fleet's versions for staff; the rollout and pins for admins
 * with a fresh step-up (they make every machine run new code).
 */
export function registerUpdateRoutes(
  app: FastifyInstance,
  deps: {
    releases: Releases;
    rollout: RolloutService;
    totp: TotpService;
    /** The agent's channel credential checked (the ingest domain's). */
    authenticate: (header: string | undefined) => Promise<AgentAuthResult>;
  },
): void {
  const { releases, rollout, totp, authenticate } = deps;

  app.get(
    '/api/v1/agent/releases/:version/:platform',
    { schema: { hide: true, params: Type.Object({ version: Type.String({ maxLength: 64 }), platform: Type.String({ maxLength: 32 }) }) } },
    async (req: FastifyRequest<{ Params: { version: string; platform: string } }>, reply: FastifyReply) => {
      const auth = await authenticate(req.headers.authorization);
      if (!auth.ok) {
        const e = ErrorCodes[auth.key];
        return reply.code(e.status).send({ error: { code: e.code, message: e.message } });
      }
      const r = await releases.get(req.params.version, req.params.platform);
      if (!r) throw new VigieError('UPDATE_NO_RELEASE');
      await releases.recordDownload(r, auth.agent);
      const f = releases.stream(r);
      reply.header('content-type', 'application/octet-stream').header('content-length', String(f.size));
      return reply.send(f.stream);
    },
  );

  app.get('/api/v1/agent-releases', { schema: { tags: ['updates'] } }, async (req) => {
    requireRole(req, 'admin', 'technician');
    return { releases: await releases.list() };
  });

  app.get(
    '/api/v1/agent-versions',
    { schema: { tags: ['updates'], description: 'Agent versions across the fleet, the rollout and each agent’s last update.' } },
    async (req) => {
      requireRole(req, 'admin', 'technician');
      return rollout.fleet();
    },
  );

  app.get('/api/v1/agent-rollout', { schema: { tags: ['updates'] } }, async (req) => {
    requireRole(req, 'admin', 'technician');
    return rollout.get();
  });

  app.put('/api/v1/agent-rollout', { schema: { tags: ['updates'], body: RolloutBody } }, async (req: FastifyRequest<{ Body: Rollout }>) => {
    const user = requireRole(req, 'admin');
    await totp.assertSteppedUp(req.session?.idHash);
    return rollout.set(user, req.body);
  });

  app.post(
    '/api/v1/devices/:id/agent-update',
    { schema: { tags: ['updates'], params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), description: 'Try the update to the target version again.' } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireRole(req, 'admin');
      await totp.assertSteppedUp(req.session?.idHash);
      return rollout.retry(user, req.params.id);
    },
  );

  app.put(
    '/api/v1/clients/:id/agent-pin',
    { schema: { tags: ['updates'], params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), body: PinBody } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { version: string | null } }>) => {
      const user = requireRole(req, 'admin');
      await totp.assertSteppedUp(req.session?.idHash);
      await rollout.pin(user, req.params.id, req.body.version);
      return { clientId: req.params.id, version: req.body.version };
    },
  );
}
