import { refusal, VigieError } from '@vigie/shared';
import {
  ClientBody,
  ClientList,
  ClientSettings,
  CreatedClient,
  CreatedSite,
  IdParams,
  SiteBody,
  SiteList,
  type ClientSettings as TClientSettings,
} from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../audit/repository.js';
import { actorOf, assertClientVisible, clientScope, requireRole, requireUser } from '../auth/guard.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { TenantsRepository } from './repository.js';

type Id = { Params: { id: number } };
const tags = ['tenants'];

export function registerTenantRoutes(app: FastifyInstance, db: RelationalStore, tenants: TenantsRepository): void {
  app.get('/api/v1/clients', { schema: { tags, response: { 200: ClientList } } }, async (req) => {
    const user = requireUser(req);
    return { clients: await tenants.listClients(clientScope(user)) };
  });

  app.post(
    '/api/v1/clients',
    { schema: { tags, body: ClientBody, response: { 201: CreatedClient } } },
    async (req: FastifyRequest<{ Body: { name: string } }>, reply) => {
      const user = requireRole(req, 'admin');
      const name = req.body.name.trim();
      if (await tenants.findClientByName(name)) throw refusal('CONFLICT', 'client_name_taken', 'A client with this name exists', { name }, '/name');
      const id = await tenants.createClient(name);
      await audit(db, actorOf(user), 'client.create', `client:${id}`, { name });
      reply.code(201);
      return { id, name };
    },
  );

  app.get('/api/v1/clients/:id/sites', { schema: { tags, params: IdParams, response: { 200: SiteList } } }, async (req: FastifyRequest<Id>) => {
    const user = requireUser(req);
    assertClientVisible(user, req.params.id);
    if (!(await tenants.getClient(req.params.id))) throw new VigieError('NOT_FOUND');
    return { sites: await tenants.listSites(req.params.id) };
  });

  app.post(
    '/api/v1/clients/:id/sites',
    { schema: { tags, params: IdParams, body: SiteBody, response: { 201: CreatedSite } } },
    async (req: FastifyRequest<Id & { Body: { name: string } }>, reply) => {
      const user = requireRole(req, 'admin', 'technician');
      const name = req.body.name.trim();
      if (!(await tenants.getClient(req.params.id))) throw new VigieError('NOT_FOUND');
      if (await tenants.findSite(req.params.id, name))
        throw refusal('CONFLICT', 'site_name_taken', 'A site with this name exists for this client', { name }, '/name');
      const id = await tenants.createSite(req.params.id, name);
      await audit(db, actorOf(user), 'site.create', `site:${id}`, { clientId: req.params.id, name });
      reply.code(201);
      return { id, clientId: req.params.id, name };
    },
  );

  // How a client's tickets are shared with it (staff read it, an admin changes it).
  app.get('/api/v1/clients/:id/settings', { schema: { tags, params: IdParams, response: { 200: ClientSettings } } }, async (req: FastifyRequest<Id>) => {
    requireRole(req, 'admin', 'technician');
    const s = await tenants.settings(req.params.id);
    if (!s) throw new VigieError('NOT_FOUND');
    return s;
  });
  app.put(
    '/api/v1/clients/:id/settings',
    { schema: { tags, params: IdParams, body: ClientSettings, response: { 200: ClientSettings } } },
    async (req: FastifyRequest<Id & { Body: TClientSettings }>) => {
      const user = requireRole(req, 'admin');
      const before = await tenants.settings(req.params.id);
      if (!before) throw new VigieError('NOT_FOUND');
      await tenants.putSettings(req.params.id, req.body);
      await audit(db, actorOf(user), 'client.settings', `client:${req.params.id}`, { from: before, to: req.body });
      return (await tenants.settings(req.params.id))!;
    },
  );
}
