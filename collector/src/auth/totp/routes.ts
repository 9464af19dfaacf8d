import { Type } from '@sinclair/typebox';
import { RemotePermissionsBody, TotpCodeBody, VigieError } from '@vigie/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { refreshAuditHeadOf } from '../../audit/repository.js';
import type { SessionEndReason } from '../../cluster/bus.js';
import type { RemotePermissions } from '../../commands/permissions.js';
import type { RelationalStore } from '../../store/relational-store.js';
import { requireRole, requireUser } from '../guard.js';
import { accountKeys, type LoginLimiter } from '../login-limiter.js';
import type { TotpService } from './totp-service.js';

const tags = ['auth'];
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
/** What a user who must enrol may still reach: who am I, sign out, and enrolment itself. */
const ENROLMENT_PATHS = ['/api/v1/auth/'];

export interface TotpRouteDeps {
  db: RelationalStore;
  totp: TotpService;
  permissions: RemotePermissions;
  /** A wrong step-up code counts like a wrong password (a stolen session must not guess codes forever). */
  limiter: LoginLimiter;
  /** Closes the live sockets of a user whose sessions ended or who must now enrol, on every collector process. */
  sessionsEnded: (e: { userId: number; reason: SessionEndReason }) => void;
}

export function registerTotpRoutes(app: FastifyInstance, deps: TotpRouteDeps): void {
  const { db, totp, permissions } = deps;

  // Mandatory second factor: an admin, or anyone allowed to act on a client's machines, reaches
  // nothing but enrolment until TOTP is set up. There is no credential that skips it.
  // The route as the router matched it (after it decoded the path), never the raw URL: `/%61pi/v1/users`
  // is `/api/v1/users` to the router, and must not slip past as something else.
  app.addHook('preHandler', async (req) => {
    const user = req.user;
    if (!user) return;
    const route = req.routeOptions.url;
    if (route === undefined || !route.startsWith('/api/') || ENROLMENT_PATHS.some((p) => route.startsWith(p))) return;
    if ((await totp.required(user)) && !(await totp.enabled(user.id)))
      throw new VigieError('TOTP_ENROLMENT_REQUIRED', 'Configurez d’abord la double authentification (application TOTP)');
  });

  app.get('/api/v1/auth/totp', { schema: { tags, description: 'Whether TOTP is on, required, and until when this session is stepped up.' } }, async (req) => {
    const user = requireUser(req);
    return totp.status(user, req.session?.idHash);
  });
  app.post(
    '/api/v1/auth/totp/setup',
    { schema: { tags, description: 'Starts enrolment: a new seed, its otpauth URI and a QR code (SVG data: URL).' } },
    async (req) => {
      const user = requireRole(req, 'admin', 'technician');
      return totp.beginSetup(user);
    },
  );
  app.post(
    '/api/v1/auth/totp/confirm',
    { schema: { tags, body: TotpCodeBody, description: 'Confirms enrolment with a first code; returns ten recovery codes, shown once.' } },
    async (req: FastifyRequest<{ Body: { code: string } }>) => {
      const user = requireRole(req, 'admin', 'technician');
      const recoveryCodes = await totp.confirmSetup(user.id, req.body.code);
      await refreshAuditHeadOf(db);
      return { recoveryCodes };
    },
  );
  app.post(
    '/api/v1/auth/step-up',
    { schema: { tags, body: TotpCodeBody, description: 'A fresh code: scripts and reboots are allowed from this session for 5 minutes.' } },
    async (req: FastifyRequest<{ Body: { code: string } }>) => {
      const user = requireRole(req, 'admin', 'technician');
      if (!req.session) throw new VigieError('UNAUTHENTICATED');
      const keys = accountKeys(user.email, deps.limiter.limits);
      // Counted before the code is checked: a burst of simultaneous guesses gets no more than the limit.
      const counted = await deps.limiter.attempt(keys);
      if (counted.blocked) throw new VigieError('LOGIN_RATE_LIMITED');
      try {
        const stepUpUntil = await totp.stepUp(user, req.session.idHash, req.body.code);
        await counted.release();
        return { stepUpUntil };
      } catch (err) {
        if (!(err instanceof VigieError && err.code === 'VIGIE_E_TOTP_INVALID')) await counted.release();
        throw err;
      } finally {
        await refreshAuditHeadOf(db);
      }
    },
  );
  app.post('/api/v1/users/:id/totp/reset', { schema: { tags: ['users'], params: IdParams } }, async (req: FastifyRequest<{ Params: { id: number } }>) => {
    const admin = requireRole(req, 'admin');
    await totp.assertSteppedUp(req.session?.idHash);
    await totp.reset(admin.id, req.params.id);
    await refreshAuditHeadOf(db);
    deps.sessionsEnded({ userId: req.params.id, reason: 'second-factor-reset' });
    return { ok: true };
  });

  app.get(
    '/api/v1/users/:id/remote-permissions',
    { schema: { tags: ['users'], params: IdParams } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      requireRole(req, 'admin');
      return { clientIds: await permissions.grantedClients(req.params.id) };
    },
  );
  app.put(
    '/api/v1/users/:id/remote-permissions',
    { schema: { tags: ['users'], params: IdParams, body: RemotePermissionsBody, description: 'The clients a technician may act on remotely. Admin only.' } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { clientIds: number[] } }>) => {
      const admin = requireRole(req, 'admin');
      const clientIds = await permissions.set(admin, req.params.id, req.body.clientIds);
      await refreshAuditHeadOf(db);
      // Allowed to act on machines now, without a second factor yet: it hears nothing live until it enrolled.
      if (!(await totp.mayProceed(req.params.id))) deps.sessionsEnded({ userId: req.params.id, reason: 'second-factor-required' });
      return { clientIds };
    },
  );
}
