import { Type } from '@sinclair/typebox';
import { ConfirmRemoteSessionBody, StartRemoteSessionBody, VigieError } from '@vigie/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertClientVisible, requireRole, requireUser } from '../auth/guard.js';
import type { RemoteSessions } from './remote-sessions.js';

const tags = ['remote'];
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/** Remote sessions from a ticket: start, end (draft intervention with its quote), confirm or discard. */
export function registerRemoteSessionRoutes(app: FastifyInstance, deps: { sessions: RemoteSessions }): void {
  const { sessions } = deps;
  const staff = (req: FastifyRequest) => requireRole(req, 'admin', 'technician');

  app.get('/api/v1/tickets/:id/remote-sessions', { schema: { tags, params: IdParams } }, async (req: FastifyRequest<{ Params: { id: number } }>) => {
    const user = requireUser(req);
    const t = await sessions.ofTicketWithClient(req.params.id);
    if (!t) throw new VigieError('NOT_FOUND');
    assertClientVisible(user, t.clientId);
    return { sessions: t.sessions };
  });
  app.post(
    '/api/v1/tickets/:id/remote-sessions',
    { schema: { tags, params: IdParams, body: StartRemoteSessionBody } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { deviceId: number } }>, reply) => {
      const s = await sessions.start(staff(req), req.params.id, req.body.deviceId);
      reply.code(201);
      return s;
    },
  );
  app.post('/api/v1/remote-sessions/:id/end', { schema: { tags, params: IdParams } }, async (req: FastifyRequest<{ Params: { id: number } }>) =>
    sessions.end(staff(req), req.params.id),
  );
  app.post(
    '/api/v1/remote-sessions/:id/confirm',
    { schema: { tags, params: IdParams, body: ConfirmRemoteSessionBody } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { notes?: string } }>) => sessions.confirm(staff(req), req.params.id, req.body.notes),
  );
  app.post('/api/v1/remote-sessions/:id/discard', { schema: { tags, params: IdParams } }, async (req: FastifyRequest<{ Params: { id: number } }>) =>
    sessions.discard(staff(req), req.params.id),
  );
}
