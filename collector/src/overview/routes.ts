import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/guard.js';
import type { Database } from '../store/database.js';
import { OverviewRepository } from './repository.js';

/** SLA deadlines within this window show on the overview (an urgent request is due within 1 or 2 business days). */
export const SLA_WARNING_MS = 48 * 3600_000;

const Counts = Type.Object({
  total: Type.Integer(),
  ok: Type.Integer(),
  warning: Type.Integer(),
  critical: Type.Integer(),
  offline: Type.Integer(),
});
const OverviewResponse = Type.Object({
  generatedAt: Type.Integer(),
  clients: Type.Array(
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      devices: Counts,
      openIncidents: Type.Integer(),
      criticalIncidents: Type.Integer(),
      openTickets: Type.Integer(),
    }),
  ),
  slaAtRisk: Type.Array(
    Type.Object({
      ticketId: Type.Integer(),
      clientId: Type.Integer(),
      clientName: Type.String(),
      title: Type.String(),
      deadlineAt: Type.Integer(),
      status: Type.String(),
      priority: Type.String(),
    }),
  ),
});

/** `GET /api/v1/overview`: the technicians' home — every client at a glance. */
export function registerOverviewRoutes(app: FastifyInstance, deps: { db: Database; offlineAfterMs: number }): void {
  const repo = new OverviewRepository(deps.db);
  app.get('/api/v1/overview', { schema: { tags: ['overview'], response: { 200: OverviewResponse } } }, async (req) => {
    requireRole(req, 'admin', 'technician');
    const now = Date.now();
    return {
      generatedAt: now,
      clients: await repo.clients(now - deps.offlineAfterMs),
      slaAtRisk: await repo.slaAtRisk(now + SLA_WARNING_MS, 50),
    };
  });
}
