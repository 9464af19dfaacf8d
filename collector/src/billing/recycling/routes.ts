import { BsdBody, IdParams, Pickup, PickupBody, PickupList } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorOf } from '../../auth/guard.js';
import { type BillingPluginDeps, ClientQuery, scopeOf, staff, tags } from '../route-guards.js';
import type { PickupInput } from './service.js';

/** DEEE pickups (contract 2.5): staff record them and their waste tracking form; a client sees its own. */
export async function recyclingRoutes(app: FastifyInstance, { billing }: BillingPluginDeps): Promise<void> {
  const { recycling } = billing;
  app.post(
    '/api/v1/billing/clients/:id/pickups',
    { schema: { tags, params: IdParams, body: PickupBody, response: { 201: Pickup } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: PickupInput }>, reply) => {
      const user = staff(req);
      const id = await recycling.createPickup(req.params.id, req.body, user);
      reply.code(201);
      return (await recycling.pickups(req.params.id)).find((p) => p.id === id);
    },
  );
  app.get(
    '/api/v1/billing/pickups',
    { schema: { tags, querystring: ClientQuery, response: { 200: PickupList } } },
    async (req: FastifyRequest<{ Querystring: { clientId?: number } }>) => ({
      pickups: await recycling.pickups(scopeOf(req, req.query.clientId)),
    }),
  );
  app.put(
    '/api/v1/billing/pickups/:id/bsd',
    { schema: { tags, params: IdParams, body: BsdBody, response: { 200: Pickup } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { reference: string } }>) => {
      const user = staff(req);
      await recycling.setBsd(req.params.id, req.body.reference, actorOf(user));
      const clientId = (await recycling.pickupClient(req.params.id))!;
      return (await recycling.pickups(clientId)).find((p) => p.id === req.params.id);
    },
  );
}
