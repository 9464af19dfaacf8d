import { Type } from '@sinclair/typebox';
import { VigieError } from '@vigie/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertClientVisible, clientScope, requireUser } from '../auth/guard.js';
import type { TicketStatus } from '../store/schema.js';
import { TICKET_STATUSES } from './lifecycle.js';
import type { NewTicket, TicketEventInput, TicketService } from './service.js';

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const Status = Type.Union(TICKET_STATUSES.map((s) => Type.Literal(s)));
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const strict = { additionalProperties: false } as const;

const CreateTicket = Type.Object(
  {
    clientId: Type.Optional(Type.Integer({ minimum: 1 })),
    title: Text(300),
    description: Type.String({ maxLength: 50_000 }),
    channel: Type.Optional(Type.Union([Type.Literal('portal'), Type.Literal('email'), Type.Literal('phone')])),
    kind: Type.Optional(Type.Union([Type.Literal('urgent'), Type.Literal('programmed')])),
    mode: Type.Optional(Type.Union([Type.Literal('remote'), Type.Literal('on_site')])),
    priority: Type.Optional(Type.Union([Type.Literal('low'), Type.Literal('normal'), Type.Literal('high'), Type.Literal('critical')])),
    deviceIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 100 })),
    receivedAt: Type.Optional(Type.Integer({ minimum: 0 })),
    plannedDate: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
  },
  strict,
);

const Event = Type.Union([
  Type.Object({ type: Type.Literal('comment'), text: Text(50_000) }, strict),
  Type.Object({ type: Type.Literal('status'), status: Status, note: Type.Optional(Type.String({ maxLength: 5000 })) }, strict),
  Type.Object({ type: Type.Literal('assign'), assigneeId: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]) }, strict),
  Type.Object(
    { type: Type.Literal('time'), minutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }), note: Type.Optional(Type.String({ maxLength: 5000 })) },
    strict,
  ),
]);

export function registerTicketRoutes(app: FastifyInstance, tickets: TicketService, onChange: (ticketId: number) => void = () => {}): void {
  const visible = async (req: FastifyRequest, id: number) => {
    const user = requireUser(req);
    const clientId = await tickets.clientOf(id);
    if (clientId === undefined) throw new VigieError('NOT_FOUND');
    assertClientVisible(user, clientId);
    return user;
  };

  app.get(
    '/api/v1/tickets',
    {
      schema: {
        tags: ['tickets'],
        querystring: Type.Object({
          clientId: Type.Optional(Type.Integer({ minimum: 1 })),
          status: Type.Optional(Status),
          deviceId: Type.Optional(Type.Integer({ minimum: 1, description: 'Tickets about this device (named on the ticket, or opened by its incidents)' })),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          offset: Type.Integer({ minimum: 0, default: 0 }),
        }),
      },
    },
    async (req: FastifyRequest<{ Querystring: { clientId?: number; status?: TicketStatus; deviceId?: number; limit: number; offset: number } }>) => {
      const user = requireUser(req);
      const scope = clientScope(user);
      if (scope !== undefined && req.query.clientId !== undefined && req.query.clientId !== scope) return { tickets: [] };
      return { tickets: await tickets.list({ ...req.query, clientId: scope ?? req.query.clientId }) };
    },
  );

  app.post('/api/v1/tickets', { schema: { tags: ['tickets'], body: CreateTicket } }, async (req: FastifyRequest<{ Body: NewTicket }>, reply) => {
    const user = requireUser(req);
    const id = await tickets.create(req.body, { user });
    onChange(id);
    reply.code(201);
    return tickets.get(id);
  });

  app.get('/api/v1/tickets/:id', { schema: { tags: ['tickets'], params: IdParams } }, async (req: FastifyRequest<{ Params: { id: number } }>) => {
    await visible(req, req.params.id);
    return tickets.get(req.params.id);
  });

  app.post(
    '/api/v1/tickets/:id/events',
    { schema: { tags: ['tickets'], params: IdParams, body: Event } },
    async (req: FastifyRequest<{ Params: { id: number }; Body: TicketEventInput }>, reply) => {
      const user = await visible(req, req.params.id);
      await tickets.addEvent(req.params.id, req.body, { user });
      onChange(req.params.id);
      reply.code(201);
      return tickets.get(req.params.id);
    },
  );
}
