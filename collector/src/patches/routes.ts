import { Type } from '@sinclair/typebox';
import {
  ComplianceQuery,
  ComplianceResponse,
  DEFAULT_PATCH_OVERDUE_DAYS,
  DevicePatchesResponse,
  type ComplianceQuery as Query,
  VigieError,
} from '@vigie/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertClientVisible, isStaff, requireUser } from '../auth/guard.js';
import { summarize } from './compliance.js';
import type { PatchRepository } from './repository.js';

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/**
 * The compliance view: every device's patch state (staff across clients, a client user its own
 * devices; another client's id answers 404), and one device's pending updates with their dates.
 */
export function registerPatchRoutes(app: FastifyInstance, deps: { patches: PatchRepository }): void {
  const { patches } = deps;

  app.get(
    '/api/v1/patches/compliance',
    {
      schema: {
        tags: ['patches'],
        description: 'Devices up to date, with updates pending (for more than `days`: overdue), with a restart pending.',
        querystring: ComplianceQuery,
        response: { 200: ComplianceResponse },
      },
    },
    async (req: FastifyRequest<{ Querystring: Query }>) => {
      const user = requireUser(req);
      const q = req.query;
      if (q.clientId !== undefined) assertClientVisible(user, q.clientId);
      const clientId = isStaff(user) ? q.clientId : (user.clientId ?? -1);
      const days = q.days ?? DEFAULT_PATCH_OVERDUE_DAYS;
      const now = Date.now();
      const all = await patches.complianceNow(now, days, clientId === undefined ? {} : { clientId });
      const devices = all.filter(
        (d) => (q.state === undefined || d.state === q.state) && (q.rebootPending === undefined || (d.rebootPending === true) === q.rebootPending),
      );
      return { days, generatedAt: now, summary: summarize(all), devices };
    },
  );

  app.get(
    '/api/v1/devices/:id/patches',
    { schema: { tags: ['patches'], params: IdParams, response: { 200: DevicePatchesResponse } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireUser(req);
      const clientId = await patches.clientOf('device', req.params.id);
      if (clientId === undefined) throw new VigieError('NOT_FOUND');
      assertClientVisible(user, clientId);
      return patches.devicePatchesNow(req.params.id, Date.now());
    },
  );
}
