import { VigieError } from '@vigie/shared';
import { ChecksQuery, ChecksSummary, DeviceChecks, IdParams } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertClientVisible, requireUser } from '../auth/guard.js';
import type { Database } from '../store/database.js';
import { withText } from './texts.js';

const SEVERITY: Record<string, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };

/** The worst of a device's current check states: its health. */
export function worstStatus(statuses: string[]): 'ok' | 'unknown' | 'warning' | 'critical' | null {
  let worst: string | null = null;
  for (const s of statuses) if (worst === null || (SEVERITY[s] ?? 0) > (SEVERITY[worst] ?? 0)) worst = s;
  return worst as 'ok' | 'unknown' | 'warning' | 'critical' | null;
}

export function registerCheckRoutes(app: FastifyInstance, deps: { db: Database }): void {
  const { db } = deps;
  const clientOfDevice = db.sqlite.prepare('SELECT client_id FROM devices WHERE id = ?');

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
      const dev = clientOfDevice.get(req.params.id) as { client_id: number } | undefined;
      if (!dev) throw new VigieError('NOT_FOUND');
      assertClientVisible(user, dev.client_id);
      type Row = { check: string; target: string; status: string; code: string; message: string; values: string | null; observed_at: number };
      const parse = <T extends Row>(r: T) => withText({ ...r, values: r.values ? (JSON.parse(r.values) as Record<string, unknown>) : null });
      const current = (
        db.sqlite
          .prepare('SELECT "check", target, status, code, message, "values", observed_at, since FROM check_state WHERE device_id = ? ORDER BY "check", target')
          .all(req.params.id) as (Row & { since: number })[]
      ).map(parse);
      const history = (
        db.sqlite
          .prepare(
            `SELECT "check", target, status, code, message, "values", observed_at FROM check_results WHERE device_id = ? ${req.query.check ? 'AND "check" = ?' : ''} ORDER BY observed_at DESC, id DESC LIMIT ?`,
          )
          .all(...(req.query.check ? [req.params.id, req.query.check, req.query.history] : [req.params.id, req.query.history])) as Row[]
      ).map(parse);
      return { deviceId: req.params.id, health: worstStatus(current.map((c) => c.status)), current, history };
    },
  );

  app.get(
    '/api/v1/clients/:id/checks/summary',
    { schema: { tags: ['checks'], params: IdParams, response: { 200: ChecksSummary } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireUser(req);
      assertClientVisible(user, req.params.id);
      if (!db.sqlite.prepare('SELECT 1 FROM clients WHERE id = ?').get(req.params.id)) throw new VigieError('NOT_FOUND');
      // Per check and finding: how many devices are in that state now (e.g. 3 devices with an expiring certificate).
      const findings = db.sqlite
        .prepare(
          `SELECT cs."check" AS "check", cs.code AS code, cs.status AS status, count(DISTINCT cs.device_id) AS devices
         FROM check_state cs JOIN devices d ON d.id = cs.device_id WHERE d.client_id = ? GROUP BY cs."check", cs.code, cs.status ORDER BY cs."check", cs.code`,
        )
        .all(req.params.id);
      const health = db.sqlite
        .prepare(
          `SELECT worst, count(*) AS devices FROM (
           SELECT d.id, max(CASE cs.status WHEN 'critical' THEN 3 WHEN 'warning' THEN 2 WHEN 'unknown' THEN 1 WHEN 'ok' THEN 0 END) AS worst
           FROM devices d LEFT JOIN check_state cs ON cs.device_id = d.id WHERE d.client_id = ? GROUP BY d.id)
         GROUP BY worst`,
        )
        .all(req.params.id) as { worst: number | null; devices: number }[];
      const names = ['ok', 'unknown', 'warning', 'critical'];
      return {
        clientId: req.params.id,
        devicesByHealth: Object.fromEntries(health.map((h) => [h.worst === null ? 'no checks' : names[h.worst], h.devices])),
        findings,
      };
    },
  );
}
