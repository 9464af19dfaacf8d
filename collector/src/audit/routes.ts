import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireRole } from '../auth/guard.js';
import type { RelationalStore } from '../store/relational-store.js';
import { type AuditFilter, audit, listAudit } from './repository.js';
import { verifyAuditLog } from './verify.js';

const Query = Type.Object({
  clientId: Type.Optional(Type.Integer({ minimum: 1 })),
  action: Type.Optional(Type.String({ maxLength: 64 })),
  actor: Type.Optional(Type.String({ maxLength: 64 })),
  beforeId: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});

/** Billing mutations that change money rules or the provider's identity: audited whatever their handler does. */
const BILLING_PREFIX = '/api/v1/billing/';
const NOT_A_CHANGE = new Set(['/api/v1/billing/quote']);

export function registerAuditRoutes(app: FastifyInstance, deps: { db: RelationalStore; headFile: string }): void {
  const { db } = deps;

  // Every successful change to billing (settings, contracts, grids, rates, interventions, invoices,
  // payments…) is in the hash-chained log, with who did it and on what. Written before the answer
  // leaves (onSend, not onResponse): a client told "done" then reading the log finds the entry (on
  // PostgreSQL, an onResponse write was regularly still pending when the next request read it).
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.method === 'GET' || req.method === 'HEAD' || reply.statusCode >= 400 || !req.user) return payload;
    const route = req.routeOptions.url ?? '';
    if (!route.startsWith(BILLING_PREFIX) || NOT_A_CHANGE.has(route)) return payload;
    const params = (req.params ?? {}) as Record<string, unknown>;
    const action = `billing.${req.method.toLowerCase()} ${route.slice(BILLING_PREFIX.length)}`;
    try {
      await audit(db, `user:${req.user!.id}`, action, route, { params }, { result: String(reply.statusCode) });
    } catch (err) {
      req.log.error({ err, route }, 'audit entry for a billing change could not be written');
    }
    return payload;
  });

  app.get('/api/v1/audit', { schema: { tags: ['audit'], querystring: Query } }, async (req: FastifyRequest<{ Querystring: AuditFilter }>) => {
    requireRole(req, 'admin');
    return { entries: await listAudit(db, req.query) };
  });

  app.get('/api/v1/audit/verify', { schema: { tags: ['audit'], description: 'Recomputes the whole hash chain. Admin only.' } }, async (req) => {
    requireRole(req, 'admin');
    return verifyAuditLog(db, deps.headFile);
  });
}
