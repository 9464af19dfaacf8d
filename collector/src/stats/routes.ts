import { Type } from '@sinclair/typebox';
import { Availability } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertClientVisible, requireUser } from '../auth/guard.js';
import type { MetricStore, RetentionPolicy } from '../store/metric-store.js';
import type { RelationalStore } from '../store/relational-store.js';
import { StatsRepository } from './repository.js';
import { AvailabilityService } from './service.js';

export interface StatsRouteDeps {
  db: RelationalStore;
  metrics: MetricStore;
  retention: RetentionPolicy;
}

export function registerStatsRoutes(app: FastifyInstance, deps: StatsRouteDeps): void {
  const availability = new AvailabilityService(new StatsRepository(deps.db), deps.metrics, deps.retention);

  app.get(
    '/api/v1/clients/:id/availability',
    {
      schema: {
        tags: ['stats'],
        description: "Share of the month's buckets in which each device of the client reported its uptime (any metric if it has none).",
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        querystring: Type.Object({ month: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM, in Europe/Paris' }) }),
        response: { 200: Availability },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { month: string } }>) => {
      const user = requireUser(req);
      assertClientVisible(user, req.params.id);
      return availability.monthly(req.params.id, req.query.month, Date.now());
    },
  );
}
