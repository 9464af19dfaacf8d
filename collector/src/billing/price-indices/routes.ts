import type { LocalDate } from '@vigie/shared';
import { EcbRateBody, EcbRates, SyntecBody, SyntecIndices } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { admin, type BillingPluginDeps, staff, tags } from '../route-guards.js';

/** ECB rates (late penalties, 5.1) and Syntec indices (revision, 5.2): staff read them, an admin enters them. */
export async function priceIndexRoutes(app: FastifyInstance, { billing }: BillingPluginDeps): Promise<void> {
  const { priceIndices } = billing;
  app.get('/api/v1/billing/ecb-rates', { schema: { tags, response: { 200: EcbRates } } }, async (req) => {
    staff(req);
    return { rates: await priceIndices.ecbRates() };
  });
  app.post(
    '/api/v1/billing/ecb-rates',
    { schema: { tags, body: EcbRateBody, response: { 201: EcbRates } } },
    async (req: FastifyRequest<{ Body: { from: LocalDate; rateBp: number } }>, reply) => {
      const user = admin(req);
      await priceIndices.addEcbRate(req.body.from, req.body.rateBp, user);
      reply.code(201);
      return { rates: await priceIndices.ecbRates() };
    },
  );
  app.get('/api/v1/billing/syntec', { schema: { tags, response: { 200: SyntecIndices } } }, async (req) => {
    staff(req);
    return { indices: await priceIndices.syntecIndices() };
  });
  app.post(
    '/api/v1/billing/syntec',
    { schema: { tags, body: SyntecBody, response: { 201: SyntecIndices } } },
    async (req: FastifyRequest<{ Body: { publishedOn: LocalDate; value: number } }>, reply) => {
      const user = admin(req);
      await priceIndices.addSyntecIndex(req.body.publishedOn, req.body.value, user);
      reply.code(201);
      return { indices: await priceIndices.syntecIndices() };
    },
  );
}
