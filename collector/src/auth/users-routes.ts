import { refusal, VigieError } from '@vigie/shared';
import { AssignableUsers, Created, CreateUserBody, IdParams, RoleBody, RoleChanged, UserDisabled, UserList } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../audit/repository.js';
import type { SessionEndReason } from '../cluster/bus.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { Role } from '../store/schema.js';
import type { TenantsRepository } from '../tenants/repository.js';
import { actorOf, requireRole } from './guard.js';
import { hashPassword } from './passwords.js';
import type { AuthRepository } from './repository.js';

export interface CreateUserInput {
  email: string;
  name: string;
  role: Role;
  clientId?: number | undefined;
  password: string;
  locale?: 'fr' | 'en' | undefined;
}

/** A client user is bound to exactly one existing client; staff to none. */
async function checkClientBinding(tenants: TenantsRepository, role: Role, clientId: number | undefined): Promise<void> {
  if (role === 'client') {
    if (!clientId) throw refusal('VALIDATION', 'client_user_needs_client', 'A client user needs a clientId', {}, '/clientId');
    if (!(await tenants.getClient(clientId))) throw refusal('NOT_FOUND', 'client_not_found', 'No such client', {}, '/clientId');
  } else if (clientId) throw refusal('VALIDATION', 'staff_has_no_client', 'Only client users are bound to a client', {}, '/clientId');
}

/** Shared by the API and the CLI. */
export async function createUser(auth: AuthRepository, tenants: TenantsRepository, input: CreateUserInput): Promise<number> {
  await checkClientBinding(tenants, input.role, input.clientId);
  if (input.password.length < 12) throw refusal('VALIDATION', 'password_too_short', 'Password must have at least 12 characters', { min: 12 }, '/password');
  if (await auth.findUserByEmail(input.email)) throw refusal('CONFLICT', 'email_taken', 'A user with this e-mail exists', {}, '/email');
  return auth.createUser({
    email: input.email,
    name: input.name,
    role: input.role,
    clientId: input.role === 'client' ? (input.clientId ?? null) : null,
    passwordHash: await hashPassword(input.password),
    locale: input.locale ?? 'fr',
  });
}

export interface UserRouteHooks {
  /** Closes the disabled user's live sockets in every collector process. */
  onDisabled: (userId: number) => void;
  /** Closes the live sockets of a user whose sessions ended, in every collector process. */
  sessionsEnded: (e: { userId: number; reason: SessionEndReason }) => void;
}

export function registerUserRoutes(app: FastifyInstance, db: RelationalStore, auth: AuthRepository, tenants: TenantsRepository, hooks: UserRouteHooks): void {
  const { onDisabled } = hooks;
  app.get('/api/v1/users', { schema: { tags: ['users'], response: { 200: UserList } } }, async (req) => {
    requireRole(req, 'admin');
    return { users: await auth.listUsers() };
  });

  // Staff may assign tickets to one another: names only, no e-mail or role details.
  app.get('/api/v1/users/assignable', { schema: { tags: ['users'], response: { 200: AssignableUsers } } }, async (req) => {
    requireRole(req, 'admin', 'technician');
    const users = await auth.listUsers();
    return { users: users.filter((u) => (u.role === 'admin' || u.role === 'technician') && u.disabled_at === null).map((u) => ({ id: u.id, name: u.name })) };
  });

  app.post(
    '/api/v1/users',
    { schema: { tags: ['users'], body: CreateUserBody, response: { 201: Created } } },
    async (req: FastifyRequest<{ Body: CreateUserInput }>, reply) => {
      const admin = requireRole(req, 'admin');
      const id = await createUser(auth, tenants, req.body);
      await audit(db, actorOf(admin), 'user.create', `user:${id}`, { email: req.body.email, role: req.body.role, clientId: req.body.clientId ?? null });
      reply.code(201);
      return { id };
    },
  );

  // A user is disabled, never deleted: tickets, interventions and the audit trail keep its name.
  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `/api/v1/users/:id/${action}`,
      {
        schema: {
          tags: ['users'],
          description: disabled
            ? 'Disables a user: it can no longer sign in, and its sessions and live sockets are closed. Admin only.'
            : 'Enables a disabled user again. Admin only.',
          params: IdParams,
          response: { 200: UserDisabled },
        },
      },
      async (req: FastifyRequest<{ Params: { id: number } }>) => {
        const admin = requireRole(req, 'admin');
        if (disabled && req.params.id === admin.id) throw refusal('CONFLICT', 'own_account', 'You cannot disable your own account');
        if (!(await auth.setDisabled(req.params.id, disabled))) throw new VigieError('NOT_FOUND');
        if (disabled) onDisabled(req.params.id);
        await audit(db, actorOf(admin), `user.${action}`, `user:${req.params.id}`);
        const user = (await auth.listUsers()).find((u) => u.id === req.params.id)!;
        return { id: user.id, disabledAt: user.disabled_at };
      },
    );
  }

  // What a user may see follows its role: a change closes its sessions and live sockets at once.
  app.put(
    '/api/v1/users/:id/role',
    {
      schema: {
        tags: ['users'],
        description: 'Changes a user’s role (and client, for a client user); its sessions and live sockets are closed. Admin only, never one’s own.',
        params: IdParams,
        body: RoleBody,
        response: { 200: RoleChanged },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { role: Role; clientId?: number } }>) => {
      const admin = requireRole(req, 'admin');
      if (req.params.id === admin.id) throw refusal('CONFLICT', 'own_account', 'You cannot change your own role');
      const before = (await auth.listUsers()).find((u) => u.id === req.params.id);
      if (!before) throw new VigieError('NOT_FOUND');
      await checkClientBinding(tenants, req.body.role, req.body.clientId);
      const clientId = req.body.role === 'client' ? (req.body.clientId ?? null) : null;
      await auth.setRole(req.params.id, req.body.role, clientId);
      hooks.sessionsEnded({ userId: req.params.id, reason: 'role-changed' });
      await audit(db, actorOf(admin), 'user.role', `user:${req.params.id}`, {
        from: { role: before.role, clientId: before.client_id },
        to: { role: req.body.role, clientId },
      });
      return { id: req.params.id, role: req.body.role, clientId };
    },
  );
}
