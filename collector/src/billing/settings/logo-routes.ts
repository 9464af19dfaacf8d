import { refusal, VigieError } from '@vigie/shared';
import { LOGO_MAX_BYTES, SellerSettings } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorOf, requireRole } from '../../auth/guard.js';
import { sniffType } from '../../tickets/attachments.js';
import type { BillingPluginDeps } from '../route-guards.js';
import { clearLogo, readLogo, writeLogo } from './logo.js';

const LOGO_TYPES = new Set(['image/png', 'image/jpeg']);

/** The provider's logo, printed on its monthly reports: a PNG or JPEG of 512 KiB at most, read from its bytes. */
export async function billingLogoRoutes(app: FastifyInstance, { db, billing }: BillingPluginDeps): Promise<void> {
  const { settings } = billing;
  // Raw bytes, for the upload only: its own encapsulation context, so that no other route parses them.
  app.register(async function billingLogoUpload(scope) {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: LOGO_MAX_BYTES }, (_req, body, done) => done(null, body));
    scope.put(
      '/api/v1/billing/settings/logo',
      {
        bodyLimit: LOGO_MAX_BYTES,
        schema: {
          tags: ['billing'],
          description: 'The provider’s logo for reports (PNG or JPEG, 512 KiB at most). Admin only.',
          response: { 200: SellerSettings },
        },
      },
      async (req: FastifyRequest, reply) => {
        const user = requireRole(req, 'admin');
        const data = req.body;
        if (!Buffer.isBuffer(data)) throw new VigieError('VALIDATION', 'Send the image as application/octet-stream');
        if (data.length > LOGO_MAX_BYTES)
          throw refusal('PAYLOAD_TOO_LARGE', 'logo_too_large', 'The logo holds at most 512 KiB', { maxKiB: LOGO_MAX_BYTES / 1024 });
        const type = sniffType(data);
        if (!type || !LOGO_TYPES.has(type)) throw refusal('VALIDATION', 'logo_type', 'The logo must be a PNG or JPEG picture');
        if (!(await writeLogo(db, data, type, actorOf(user))))
          throw refusal('VALIDATION', 'seller_siren_required', 'Enter the provider’s identity first', {}, '/seller/siren');
        reply.code(200);
        return settings.getSettings();
      },
    );
  });
  app.get('/api/v1/billing/settings/logo', { schema: { tags: ['billing'] } }, async (req, reply) => {
    requireRole(req, 'admin', 'technician');
    const logo = await readLogo(db);
    if (!logo) throw new VigieError('NOT_FOUND');
    reply.type(logo.type).header('cache-control', 'no-store');
    return logo.data;
  });
  app.delete('/api/v1/billing/settings/logo', { schema: { tags: ['billing'], response: { 200: SellerSettings } } }, async (req) => {
    const user = requireRole(req, 'admin');
    await clearLogo(db, actorOf(user));
    return settings.getSettings();
  });
}
