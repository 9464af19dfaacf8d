import { Cancelled, DeliveryBody, IdParams, Order, OrderBody, OrderList, SuppliedItemList } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorOf } from '../../auth/guard.js';
import { type BillingPluginDeps, ClientQuery, scopeOf, staff, tags } from '../route-guards.js';
import type { DeliveryInput, OrderInput } from './service.js';

/** Supply orders (contract 2.4) and the supplied items they deliver (contract 3): staff order and deliver; a client sees its own. */
export async function supplyRoutes(app: FastifyInstance, { billing }: BillingPluginDeps): Promise<void> {
  const { supplies } = billing;
  app.post(
    '/api/v1/billing/clients/:id/orders',
    { schema: { tags, params: IdParams, body: OrderBody, response: { 201: Order } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: OrderInput }>, reply) => {
      const user = staff(req);
      const id = await supplies.createOrder(req.params.id, req.body, user);
      reply.code(201);
      return (await supplies.orders(req.params.id)).find((o) => o.id === id);
    },
  );
  app.get(
    '/api/v1/billing/orders',
    { schema: { tags, querystring: ClientQuery, response: { 200: OrderList } } },
    async (req: FastifyRequest<{ Querystring: { clientId?: number } }>) => ({
      orders: await supplies.orders(scopeOf(req, req.query.clientId)),
    }),
  );
  app.post(
    '/api/v1/billing/orders/:id/deliver',
    { schema: { tags, params: IdParams, body: DeliveryBody, response: { 200: SuppliedItemList } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: DeliveryInput }>) => {
      const user = staff(req);
      await supplies.deliverOrder(req.params.id, req.body, actorOf(user));
      const clientId = (await supplies.orderClient(req.params.id))!;
      return { items: (await supplies.suppliedItems(clientId)).filter((i) => i.order_id === req.params.id) };
    },
  );
  app.post(
    '/api/v1/billing/orders/:id/cancel',
    { schema: { tags, params: IdParams, response: { 200: Cancelled } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = staff(req);
      await supplies.cancelOrder(req.params.id, actorOf(user));
      return { cancelled: true };
    },
  );
  app.get(
    '/api/v1/billing/supplied-items',
    { schema: { tags, querystring: ClientQuery, response: { 200: SuppliedItemList } } },
    async (req: FastifyRequest<{ Querystring: { clientId?: number } }>) => ({
      items: await supplies.suppliedItems(scopeOf(req, req.query.clientId)),
    }),
  );
}
