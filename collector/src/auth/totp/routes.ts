import { Type } from '@sinclair/typebox';
import { RemotePermissionsBody, TotpCodeBody, VigieError } from '@vigie/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { refreshAuditHead } from '../../audit/repository.js';
import type { RemotePermissions } from '../../commands/permissions.js';
import type { Database } from '../../store/database.js';
import { requireRole, requireUser } from '../guard.js';
import type { TotpService } from './totp-service.js';

const tags = ['auth'];
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
/** What a user who must enrol may still reach: who am I, sign out, and enrolment itself. */
const ENROLMENT_PATHS = ['/api/v1/auth/'];

export function registerTotpRoutes(app: FastifyInstance, deps: { db: Database; totp: TotpService; permissions: RemotePermissions }): void {
  const { db, totp, permissions } = deps;

  // Mandatory second factor: an admin, or anyone allowed to act on a client's machines, reaches
  // nothing but enrolment until TOTP is set up. There is no credential that skips it.
  app.addHook('preHandler', async (req) => {
    const user = req.user;
    if (!user) return;
    const path = req.url.split('?')[0] ?? '';
    if (!path.startsWith('/api/') || ENROLMENT_PATHS.some((p) => path.startsWith(p))) return;
    if (totp.required(user) && !totp.enabled(user.id))
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
      refreshAuditHead(db);
      return { recoveryCodes };
    },
  );
  app.post(
    '/api/v1/auth/step-up',
    { schema: { tags, body: TotpCodeBody, description: 'A fresh code: scripts and reboots are allowed from this session for 5 minutes.' } },
    async (req: FastifyRequest<{ Body: { code: string } }>) => {
      const user = requireRole(req, 'admin', 'technician');
      if (!req.session) throw new VigieError('UNAUTHENTICATED');
      try {
        return { stepUpUntil: await totp.stepUp(user, req.session.idHash, req.body.code) };
      } finally {
        refreshAuditHead(db);
      }
    },
  );
  app.post('/api/v1/users/:id/totp/reset', { schema: { tags: ['users'], params: IdParams } }, async (req: FastifyRequest<{ Params: { id: number } }>) => {
    const admin = requireRole(req, 'admin');
    totp.assertSteppedUp(req.session?.idHash);
    if (!db.sqlite.prepare('SELECT 1 FROM users WHERE id = ?').get(req.params.id)) throw new VigieError('NOT_FOUND');
    await totp.reset(admin.id, req.params.id);
    refreshAuditHead(db);
    return { ok: true };
  });

  app.get(
    '/api/v1/users/:id/remote-permissions',
    { schema: { tags: ['users'], params: IdParams } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      requireRole(req, 'admin');
      return { clientIds: permissions.clientsOf(req.params.id) };
    },
  );
  app.put(
    '/api/v1/users/:id/remote-permissions',
    { schema: { tags: ['users'], params: IdParams, body: RemotePermissionsBody, description: 'The clients a technician may act on remotely. Admin only.' } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { clientIds: number[] } }>) => {
      const admin = requireRole(req, 'admin');
      const clientIds = await permissions.set(admin, req.params.id, req.body.clientIds);
      refreshAuditHead(db);
      return { clientIds };
    },
  );
}
