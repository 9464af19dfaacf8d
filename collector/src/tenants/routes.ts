import { Type } from '@sinclair/typebox';
import { VigieError } from '@vigie/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../audit/repository.js';
import { actorOf, assertClientVisible, clientScope, requireRole, requireUser } from '../auth/guard.js';
import type { Database } from '../store/database.js';
import type { TenantsRepository } from './repository.js';

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const NameBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
type Id = { Params: { id: number } };

export function registerTenantRoutes(app: FastifyInstance, db: Database, tenants: TenantsRepository): void {
  app.get('/api/v1/clients', { schema: { tags: ['tenants'] } }, async (req) => {
    const user = requireUser(req);
    return { clients: await tenants.listClients(clientScope(user)) };
  });

  app.post('/api/v1/clients', { schema: { tags: ['tenants'], body: NameBody } }, async (req: FastifyRequest<{ Body: { name: string } }>, reply) => {
    const user = requireRole(req, 'admin');
    if (await tenants.findClientByName(req.body.name)) throw new VigieError('CONFLICT', 'A client with this name exists');
    const id = await tenants.createClient(req.body.name);
    await audit(db, actorOf(user), 'client.create', `client:${id}`, { name: req.body.name });
    reply.code(201);
    return { id, name: req.body.name };
  });

  app.get('/api/v1/clients/:id/sites', { schema: { tags: ['tenants'], params: IdParams } }, async (req: FastifyRequest<Id>) => {
    const user = requireUser(req);
    assertClientVisible(user, req.params.id);
    if (!(await tenants.getClient(req.params.id))) throw new VigieError('NOT_FOUND');
    return { sites: await tenants.listSites(req.params.id) };
  });

  app.post(
    '/api/v1/clients/:id/sites',
    { schema: { tags: ['tenants'], params: IdParams, body: NameBody } },
    async (req: FastifyRequest<Id & { Body: { name: string } }>, reply) => {
      const user = requireRole(req, 'admin', 'technician');
      if (!(await tenants.getClient(req.params.id))) throw new VigieError('NOT_FOUND');
      if (await tenants.findSite(req.params.id, req.body.name)) throw new VigieError('CONFLICT', 'A site with this name exists for this client');
      const id = await tenants.createSite(req.params.id, req.body.name);
      await audit(db, actorOf(user), 'site.create', `site:${id}`, { clientId: req.params.id, name: req.body.name });
      reply.code(201);
      return { id, clientId: req.params.id, name: req.body.name };
    },
  );
}
