import { Type } from '@sinclair/typebox';
import { VigieError } from '@vigie/shared';
import {
  AttachmentQuery,
  CreateTicket,
  IdParams,
  LinkTicketBody,
  TicketAttachment,
  TicketDetail,
  TicketEventInput,
  TicketList,
  TicketQuery,
} from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../audit/repository.js';
import { actorOf, assertClientVisible, clientScope, isStaff, requireRole, requireUser } from '../auth/guard.js';
import type { SessionUser } from '../auth/repository.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { TicketStatus } from '../store/schema.js';
import { ATTACHMENT_MAX_BYTES, TicketAttachments } from './attachments.js';
import type { TicketEventInput as EventInput, NewTicket, TicketService } from './service.js';

const tags = ['tickets'];
const AttachmentParams = Type.Object({ id: Type.Integer({ minimum: 1 }), attachmentId: Type.Integer({ minimum: 1 }) });

export function registerTicketRoutes(app: FastifyInstance, tickets: TicketService, db: RelationalStore, onChange: (ticketId: number) => void = () => {}): void {
  const attachments = new TicketAttachments(db);
  /** The ticket if this user may see it: its client's, and for a client user only once it is shared. */
  const visible = async (req: FastifyRequest, id: number): Promise<SessionUser> => {
    const user = requireUser(req);
    const v = await tickets.visibility(id);
    if (v === undefined) throw new VigieError('NOT_FOUND');
    assertClientVisible(user, v.clientId);
    if (!isStaff(user) && !v.clientVisible) throw new VigieError('NOT_FOUND');
    return user;
  };
  const detail = async (id: number, user: SessionUser) => {
    const t = (await tickets.get(id))!;
    return { ...t, attachments: await attachments.list(id), links: await tickets.links(id, !isStaff(user)) };
  };

  app.get(
    '/api/v1/tickets',
    { schema: { tags, querystring: TicketQuery, response: { 200: TicketList } } },
    async (req: FastifyRequest<{ Querystring: { clientId?: number; status?: TicketStatus; deviceId?: number; limit: number; offset: number } }>) => {
      const user = requireUser(req);
      const scope = clientScope(user);
      if (scope !== undefined && req.query.clientId !== undefined && req.query.clientId !== scope) return { tickets: [] };
      return { tickets: await tickets.list({ ...req.query, clientId: scope ?? req.query.clientId, clientVisibleOnly: !isStaff(user) }) };
    },
  );

  app.post(
    '/api/v1/tickets',
    { schema: { tags, body: CreateTicket, response: { 201: TicketDetail } } },
    async (req: FastifyRequest<{ Body: NewTicket }>, reply) => {
      const user = requireUser(req);
      const id = await tickets.create(req.body, { user });
      onChange(id);
      reply.code(201);
      return detail(id, user);
    },
  );

  app.get(
    '/api/v1/tickets/:id',
    { schema: { tags, params: IdParams, response: { 200: TicketDetail } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = await visible(req, req.params.id);
      return detail(req.params.id, user);
    },
  );

  app.post(
    '/api/v1/tickets/:id/events',
    { schema: { tags, params: IdParams, body: TicketEventInput, response: { 201: TicketDetail } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: EventInput }>, reply) => {
      const user = await visible(req, req.params.id);
      await tickets.addEvent(req.params.id, req.body, { user });
      onChange(req.params.id);
      reply.code(201);
      return detail(req.params.id, user);
    },
  );

  // An internal monitoring ticket shared with the client: its users see it and are told from now on.
  app.post(
    '/api/v1/tickets/:id/publish',
    { schema: { tags, params: IdParams, response: { 200: TicketDetail } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireRole(req, 'admin', 'technician');
      await visible(req, req.params.id);
      if (await tickets.publish(req.params.id, { user })) await audit(db, actorOf(user), 'ticket.publish', `ticket:${req.params.id}`);
      return detail(req.params.id, user);
    },
  );

  app.post(
    '/api/v1/tickets/:id/links',
    { schema: { tags, params: IdParams, body: LinkTicketBody, response: { 200: TicketDetail } } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { ticketId: number } }>) => {
      const user = requireRole(req, 'admin', 'technician');
      await visible(req, req.params.id);
      await tickets.link(req.params.id, req.body.ticketId, { user });
      await audit(db, actorOf(user), 'ticket.link', `ticket:${req.params.id}`, { ticketId: req.body.ticketId });
      return detail(req.params.id, user);
    },
  );

  // Attachments: the file as the body (its type is read from its bytes, never from its name), its name in the query.
  app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: ATTACHMENT_MAX_BYTES }, (_req, body, done) => done(null, body));
    scope.post(
      '/api/v1/tickets/:id/attachments',
      {
        bodyLimit: ATTACHMENT_MAX_BYTES,
        schema: { tags, params: IdParams, querystring: AttachmentQuery, response: { 201: TicketAttachment } },
      },
      async (req: FastifyRequest<{ Params: { id: number }; Querystring: { name: string } }>, reply) => {
        const user = await visible(req, req.params.id);
        if (!Buffer.isBuffer(req.body)) throw new VigieError('VALIDATION', 'Send the file as application/octet-stream');
        const id = await attachments.add(req.params.id, req.query.name, req.body, user.id);
        await audit(db, actorOf(user), 'ticket.attachment', `ticket:${req.params.id}`, { attachmentId: id, size: req.body.length });
        onChange(req.params.id);
        reply.code(201);
        return (await attachments.list(req.params.id)).find((a) => a.id === id);
      },
    );
  });

  app.get(
    '/api/v1/tickets/:id/attachments/:attachmentId',
    { schema: { tags, params: AttachmentParams } },
    async (req: FastifyRequest<{ Params: { id: number; attachmentId: number } }>, reply) => {
      await visible(req, req.params.id);
      const a = await attachments.get(req.params.id, req.params.attachmentId);
      if (!a) throw new VigieError('NOT_FOUND');
      // Always a download, never rendered by the browser in the dashboard's origin.
      reply.type(a.type).header('content-disposition', `attachment; filename="${encodeURIComponent(a.name)}"; filename*=UTF-8''${encodeURIComponent(a.name)}`);
      return a.data;
    },
  );

  app.get(
    '/api/v1/tickets/:id/attachments',
    { schema: { tags, params: IdParams, response: { 200: Type.Object({ attachments: Type.Array(TicketAttachment) }) } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      await visible(req, req.params.id);
      return { attachments: await attachments.list(req.params.id) };
    },
  );
}
