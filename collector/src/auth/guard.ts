import { VigieError } from '@vigie/shared';
import type { FastifyRequest } from 'fastify';
import type { Role } from '../store/schema.js';
import type { SessionUser } from './repository.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: SessionUser | null;
    session: { idHash: string; csrfToken: string } | null;
  }
}

export function requireUser(req: FastifyRequest): SessionUser {
  if (!req.user) throw new VigieError('UNAUTHENTICATED');
  return req.user;
}

export function requireRole(req: FastifyRequest, ...roles: Role[]): SessionUser {
  const user = requireUser(req);
  if (!roles.includes(user.role)) throw new VigieError('FORBIDDEN');
  return user;
}

/** Staff (admin, technician) see every client; a client user only its own. */
export function isStaff(user: SessionUser): boolean {
  return user.role === 'admin' || user.role === 'technician';
}

/** The client a query must be restricted to, or undefined for staff. */
export function clientScope(user: SessionUser): number | undefined {
  return isStaff(user) ? undefined : (user.clientId ?? -1);
}

/** Refuses access to another client's object, as "not found" so its existence does not leak. */
export function assertClientVisible(user: SessionUser, clientId: number): void {
  if (!isStaff(user) && user.clientId !== clientId) throw new VigieError('NOT_FOUND');
}

export function actorOf(user: SessionUser): string {
  return `user:${user.id}`;
}
