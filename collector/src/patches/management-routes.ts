import { Type } from '@sinclair/typebox';
import { type ApprovePatchesBody as Approve, ApprovePatchesBody, PatchPolicy, type PatchPolicy as Policy, VigieError } from '@vigie/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertClientVisible, isStaff, requireRole, requireUser } from '../auth/guard.js';
import type { TotpService } from '../auth/totp/totp-service.js';
import type { RemotePermissions } from '../commands/permissions.js';
import type { PatchInstalls } from './installs.js';
import type { PatchPolicies, PatchScope } from './policy.js';
import type { PatchRepository } from './repository.js';

const ScopeParams = Type.Object({
  scope: Type.Union([Type.Literal('client'), Type.Literal('site'), Type.Literal('device')]),
  id: Type.Integer({ minimum: 1 }),
});
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
type ScopeReq = { Params: { scope: PatchScope; id: number } };

/**
 * Patch policies (staff; changing one needs the remote permission on that client), a device's
 * effective policy and install history (its client's users too), and approvals (remote permission
 * and a fresh TOTP step-up: they make machines install software).
 */
export function registerPatchManagementRoutes(
  app: FastifyInstance,
  deps: { patches: PatchRepository; policies: PatchPolicies; installs: PatchInstalls; permissions: RemotePermissions; totp: TotpService },
): void {
  const { patches, policies, installs, permissions, totp } = deps;
  const clientOf = (scope: PatchScope, id: number) => patches.clientOf(scope, id);

  app.get('/api/v1/patch-policies/:scope/:id', { schema: { tags: ['patches'], params: ScopeParams } }, async (req: FastifyRequest<ScopeReq>) => {
    requireRole(req, 'admin', 'technician');
    if ((await clientOf(req.params.scope, req.params.id)) === undefined) throw new VigieError('NOT_FOUND');
    const p = await policies.get(req.params.scope, req.params.id);
    return { scope: req.params.scope, id: req.params.id, policy: p?.policy ?? {}, version: p?.version ?? 0, updatedAt: p?.updatedAt ?? null };
  });

  app.put(
    '/api/v1/patch-policies/:scope/:id',
    { schema: { tags: ['patches'], params: ScopeParams, body: PatchPolicy } },
    async (req: FastifyRequest<ScopeReq & { Body: Policy }>) => {
      const user = requireRole(req, 'admin', 'technician');
      const clientId = await clientOf(req.params.scope, req.params.id);
      if (clientId === undefined) throw new VigieError('NOT_FOUND');
      permissions.assertCanAct(user, [clientId]);
      const version = await policies.put(req.params.scope, req.params.id, req.body, user, clientId);
      return { scope: req.params.scope, id: req.params.id, version };
    },
  );

  app.get('/api/v1/devices/:id/patch-policy', { schema: { tags: ['patches'], params: IdParams } }, async (req: FastifyRequest<{ Params: { id: number } }>) => {
    const user = requireUser(req);
    const clientId = await clientOf('device', req.params.id);
    if (clientId === undefined) throw new VigieError('NOT_FOUND');
    assertClientVisible(user, clientId);
    return { deviceId: req.params.id, policy: await policies.effective(req.params.id), canApprove: isStaff(user) && permissions.canAct(user, clientId) };
  });

  app.get(
    '/api/v1/devices/:id/patch-installs',
    { schema: { tags: ['patches'], params: IdParams } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireUser(req);
      const clientId = await clientOf('device', req.params.id);
      if (clientId === undefined) throw new VigieError('NOT_FOUND');
      assertClientVisible(user, clientId);
      return { deviceId: req.params.id, ...(await patches.installHistory(req.params.id)) };
    },
  );

  app.post(
    '/api/v1/devices/:id/patches/approve',
    { schema: { tags: ['patches'], params: IdParams, body: ApprovePatchesBody } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: Approve }>) => {
      const user = requireRole(req, 'admin', 'technician');
      const clientId = await clientOf('device', req.params.id);
      if (clientId === undefined) throw new VigieError('NOT_FOUND');
      permissions.assertCanAct(user, [clientId]);
      await totp.assertSteppedUp(req.session?.idHash);
      return installs.approve(user, req.params.id, req.body.packages);
    },
  );
}
