import { Overview } from '@vigie/shared/api';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/guard.js';
import type { RelationalStore } from '../store/relational-store.js';
import { needsAttention } from './attention.js';
import { OverviewRepository } from './repository.js';

/** SLA deadlines within this window show on the overview (an urgent request is due within 1 or 2 business days). */
export const SLA_WARNING_MS = 48 * 3600_000;
/** Items of the "needs attention" list. */
const ATTENTION_MAX = 200;

/** `GET /api/v1/overview`: the technicians' home — what needs attention first, then every client at a glance. */
export function registerOverviewRoutes(app: FastifyInstance, deps: { db: RelationalStore; offlineAfterMs: number }): void {
  const repo = new OverviewRepository(deps.db);
  app.get('/api/v1/overview', { schema: { tags: ['overview'], response: { 200: Overview } } }, async (req) => {
    requireRole(req, 'admin', 'technician');
    const now = Date.now();
    return {
      generatedAt: now,
      clients: await repo.clients(now - deps.offlineAfterMs),
      attention: await needsAttention(deps.db, ATTENTION_MAX),
      slaAtRisk: await repo.slaAtRisk(now + SLA_WARNING_MS, 50),
    };
  });
}
