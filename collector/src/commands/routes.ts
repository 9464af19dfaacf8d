import { Type } from '@sinclair/typebox';
import {
  CreateRunBody,
  type CreateRunBody as CreateRunBodyT,
  CreateScriptBody,
  type CreateScriptBody as CreateScriptBodyT,
  DeviceSelectionBody,
  NewScriptVersionBody,
  type NewScriptVersionBody as NewScriptVersionBodyT,
  VigieError,
} from '@vigie/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { refreshAuditHeadOf } from '../audit/repository.js';
import { assertClientVisible, isStaff, requireRole, requireUser } from '../auth/guard.js';
import type { TotpService } from '../auth/totp/totp-service.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { CommandNotifier, CommandService } from './command-service.js';
import { rotateSigningKey } from './key-rotation.js';
import type { ScriptsRepository } from './scripts-repository.js';
import type { DeviceSelections } from './selections.js';
import type { SigningKeys } from './signing-keys.js';

const tags = ['remote'];
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const CommandParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }) });
const HistoryQuery = Type.Object({
  clientId: Type.Optional(Type.Integer({ minimum: 1 })),
  deviceId: Type.Optional(Type.Integer({ minimum: 1 })),
  runId: Type.Optional(Type.Integer({ minimum: 1 })),
  state: Type.Optional(Type.String({ maxLength: 20 })),
  action: Type.Optional(Type.String({ maxLength: 40 })),
  userId: Type.Optional(Type.Integer({ minimum: 1 })),
  from: Type.Optional(Type.Integer({ minimum: 0 })),
  to: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});
type History = {
  clientId?: number;
  deviceId?: number;
  runId?: number;
  state?: string;
  action?: string;
  userId?: number;
  from?: number;
  to?: number;
  limit?: number;
};

export interface CommandRoutesDeps {
  db: RelationalStore;
  keys: SigningKeys;
  scripts: ScriptsRepository;
  commands: CommandService;
  totp: TotpService;
  selections: DeviceSelections;
  notify: CommandNotifier & { keysRotated(): void };
}

/** What a client user sees of a command: what was done, by whom, when, and how it ended — not the parameters. */
function forClient<T extends { args: unknown }>(c: T): Omit<T, 'args'> {
  const { args: _args, ...rest } = c;
  return rest;
}

export function registerCommandRoutes(app: FastifyInstance, deps: CommandRoutesDeps): void {
  const { db, keys, scripts, commands, totp, selections } = deps;
  const staff = (req: FastifyRequest) => requireRole(req, 'admin', 'technician');

  // ---- provider key -----------------------------------------------------------------------------
  app.get(
    '/api/v1/remote/key',
    { schema: { tags, description: 'The provider’s public command-signing keys (never a private key). Staff only.' } },
    async (req) => {
      staff(req);
      return { current: keys.current(), keys: keys.all() };
    },
  );
  app.post(
    '/api/v1/remote/key/rotate',
    { schema: { tags, description: 'A new signing key, announced to every agent in an envelope signed by the old one. Admin, with a fresh step-up.' } },
    async (req) => {
      const admin = requireRole(req, 'admin');
      await totp.assertSteppedUp(req.session?.idHash);
      const r = await rotateSigningKey(db, keys, { userId: admin.id, name: admin.name });
      await refreshAuditHeadOf(db);
      deps.notify.keysRotated();
      deps.notify.queued(r.agents);
      return { previous: r.previous, next: r.next, agents: r.agents.length };
    },
  );

  // ---- script library ---------------------------------------------------------------------------
  app.get('/api/v1/scripts', { schema: { tags } }, async (req) => {
    staff(req);
    return { scripts: await scripts.listed() };
  });
  app.post('/api/v1/scripts', { schema: { tags, body: CreateScriptBody } }, async (req: FastifyRequest<{ Body: CreateScriptBodyT }>, reply) => {
    const user = staff(req);
    const v = await scripts.create(req.body, user);
    await refreshAuditHeadOf(db);
    reply.code(201);
    return v;
  });
  app.post(
    '/api/v1/scripts/:id/versions',
    { schema: { tags, params: IdParams, body: NewScriptVersionBody } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: NewScriptVersionBodyT }>, reply) => {
      const user = staff(req);
      const v = await scripts.addVersion(req.params.id, req.body, user);
      await refreshAuditHeadOf(db);
      reply.code(201);
      return v;
    },
  );
  app.post(
    '/api/v1/script-versions/:id/approve',
    { schema: { tags, params: IdParams, description: 'An admin approves a version (with a fresh step-up): it may then run on agents.' } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const admin = requireRole(req, 'admin');
      await totp.assertSteppedUp(req.session?.idHash);
      const v = await scripts.approve(req.params.id, admin);
      await refreshAuditHeadOf(db);
      return v;
    },
  );

  // ---- saved selections -------------------------------------------------------------------------
  app.get('/api/v1/device-selections', { schema: { tags } }, async (req) => {
    staff(req);
    return { selections: await selections.list() };
  });
  app.post(
    '/api/v1/device-selections',
    { schema: { tags, body: DeviceSelectionBody } },
    async (req: FastifyRequest<{ Body: { name: string; deviceIds: number[] } }>, reply) => {
      const user = staff(req);
      const id = await selections.create(user, req.body.name, req.body.deviceIds);
      await refreshAuditHeadOf(db);
      reply.code(201);
      return { id };
    },
  );

  // ---- commands ---------------------------------------------------------------------------------
  app.post(
    '/api/v1/commands',
    {
      schema: {
        tags,
        body: CreateRunBody,
        description:
          'Runs a library script or a built-in action on a device, site, client or saved selection. Needs the `remote` permission on every client concerned; scripts and reboots need a step-up (fresh TOTP within 5 minutes, this session).',
      },
    },
    async (req: FastifyRequest<{ Body: CreateRunBodyT }>, reply) => {
      const user = staff(req);
      const r = await commands.createRun(user, req.session?.idHash, req.body);
      reply.code(201);
      return r;
    },
  );
  app.get('/api/v1/commands', { schema: { tags, querystring: HistoryQuery } }, async (req: FastifyRequest<{ Querystring: History }>) => {
    staff(req);
    return { commands: await commands.history(req.query) };
  });
  app.get('/api/v1/commands/:id', { schema: { tags, params: CommandParams } }, async (req: FastifyRequest<{ Params: { id: string } }>) => {
    staff(req);
    const c = await commands.find(req.params.id);
    if (!c) throw new VigieError('NOT_FOUND');
    return c;
  });
  app.post('/api/v1/commands/:id/cancel', { schema: { tags, params: CommandParams } }, async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const user = staff(req);
    await commands.cancel(user, req.params.id);
    return commands.find(req.params.id);
  });

  // A device's remote actions: staff, and the device's own client (nothing of another client's).
  app.get('/api/v1/devices/:id/commands', { schema: { tags, params: IdParams } }, async (req: FastifyRequest<{ Params: { id: number } }>) => {
    const user = requireUser(req);
    const clientId = await commands.clientOfDevice(req.params.id);
    if (clientId === undefined) throw new VigieError('NOT_FOUND');
    assertClientVisible(user, clientId);
    const list = await commands.history({ deviceId: req.params.id });
    return { commands: isStaff(user) ? list : list.map(forClient) };
  });
  // The client portal's "actions à distance": every remote action on the client's machines.
  app.get(
    '/api/v1/clients/:id/remote-actions',
    {
      schema: {
        tags,
        params: IdParams,
        querystring: Type.Object({ from: Type.Optional(Type.Integer({ minimum: 0 })), to: Type.Optional(Type.Integer({ minimum: 0 })) }),
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { from?: number; to?: number } }>) => {
      const user = requireUser(req);
      if (!(await commands.clientExists(req.params.id))) throw new VigieError('NOT_FOUND');
      assertClientVisible(user, req.params.id);
      const list = (await commands.history({ clientId: req.params.id, from: req.query.from, to: req.query.to, limit: 1000 })).filter(
        (c) => c.action !== 'key-rotate',
      );
      return { commands: isStaff(user) ? list : list.map(forClient) };
    },
  );
}
