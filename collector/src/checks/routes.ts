import { VigieError } from '@vigie/shared';
import { ChecksQuery, ChecksSummary, DeviceChecks, IdParams } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertClientVisible, requireUser } from '../auth/guard.js';
import type { RelationalStore } from '../store/relational-store.js';
import { type CheckRow, ChecksRepository } from './repository.js';
import { withText } from './texts.js';

const SEVERITY: Record<string, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };

/** The worst of a device's current check states: its health. */
export function worstStatus(statuses: string[]): 'ok' | 'unknown' | 'warning' | 'critical' | null {
  let worst: string | null = null;
  for (const s of statuses) if (worst === null || (SEVERITY[s] ?? 0) > (SEVERITY[worst] ?? 0)) worst = s;
  return worst as 'ok' | 'unknown' | 'warning' | 'critical' | null;
}

export function registerCheckRoutes(app: FastifyInstance, deps: { db: RelationalStore }): void {
  const checks = new ChecksRepository(deps.db);

  app.get(
    '/api/v1/devices/:id/checks',
    {
      schema: {
        tags: ['checks'],
        params: IdParams,
        querystring: ChecksQuery,
        response: { 200: DeviceChecks },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { history: number; check?: string } }>) => {
      const user = requireUser(req);
      const clientId = await checks.clientOfDevice(req.params.id);
      if (clientId === undefined) throw new VigieError('NOT_FOUND');
      assertClientVisible(user, clientId);
      const parse = <T extends CheckRow>(r: T) => withText({ ...r, values: r.values ? (JSON.parse(r.values) as Record<string, unknown>) : null });
      const rows = await checks.ofDevice(req.params.id, req.query.history, req.query.check);
      const current = rows.current.map(parse);
      const history = rows.history.map(parse);
      return { deviceId: req.params.id, health: worstStatus(current.map((c) => c.status)), current, history };
    },
  );

  app.get(
    '/api/v1/clients/:id/checks/summary',
    { schema: { tags: ['checks'], params: IdParams, response: { 200: ChecksSummary } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireUser(req);
      assertClientVisible(user, req.params.id);
      if (!(await checks.clientExists(req.params.id))) throw new VigieError('NOT_FOUND');
      const { findings, health } = await checks.clientSummary(req.params.id);
      const names = ['ok', 'unknown', 'warning', 'critical'];
      return {
        clientId: req.params.id,
        devicesByHealth: Object.fromEntries(health.map((h) => [h.worst === null ? 'no checks' : names[h.worst], h.devices])),
        findings,
      };
    },
  );
}
