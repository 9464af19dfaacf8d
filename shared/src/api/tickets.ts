import { type Static, Type } from '@sinclair/typebox';
import { Id, InterventionKind, InterventionMode, LocalDateText, Ms, Nullable, strict, Text } from './common.js';

export const TICKET_STATUSES = ['new', 'acknowledged', 'in_progress', 'waiting_client', 'resolved', 'closed'] as const;
export const TicketStatus = Type.Union(TICKET_STATUSES.map((s) => Type.Literal(s)));
export type TicketStatus = Static<typeof TicketStatus>;
export const TicketChannel = Type.Union([Type.Literal('portal'), Type.Literal('email'), Type.Literal('phone'), Type.Literal('monitoring')]);
export const TicketPriority = Type.Union([Type.Literal('low'), Type.Literal('normal'), Type.Literal('high'), Type.Literal('critical')]);
export const SlaState = Type.Union([Type.Literal('none'), Type.Literal('met'), Type.Literal('missed'), Type.Literal('running'), Type.Literal('breached')]);

/** Contract 2.6.3: a request from the portal, a mail or the hotline; staff enter the last two. */
export const CreateTicket = Type.Object(
  {
    clientId: Type.Optional(Id),
    title: Text(300),
    description: Type.String({ maxLength: 50_000 }),
    channel: Type.Optional(Type.Union([Type.Literal('portal'), Type.Literal('email'), Type.Literal('phone')])),
    kind: Type.Optional(InterventionKind),
    mode: Type.Optional(InterventionMode),
    priority: Type.Optional(TicketPriority),
    deviceIds: Type.Optional(Type.Array(Id, { maxItems: 100 })),
    receivedAt: Type.Optional(Type.Integer({ minimum: 0 })),
    /** The date the client wishes (programmed: 5 business days ahead at least). */
    plannedDate: Type.Optional(LocalDateText),
  },
  strict,
);
export type CreateTicket = Static<typeof CreateTicket>;

export const TicketEventInput = Type.Union([
  Type.Object({ type: Type.Literal('comment'), text: Text(50_000) }, strict),
  Type.Object({ type: Type.Literal('status'), status: TicketStatus, note: Type.Optional(Type.String({ maxLength: 5000 })) }, strict),
  Type.Object({ type: Type.Literal('assign'), assigneeId: Nullable(Id) }, strict),
  Type.Object(
    { type: Type.Literal('time'), minutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }), note: Type.Optional(Type.String({ maxLength: 5000 })) },
    strict,
  ),
]);
export type TicketEventInput = Static<typeof TicketEventInput>;

export const TicketQuery = Type.Object({
  clientId: Type.Optional(Id),
  status: Type.Optional(TicketStatus),
  deviceId: Type.Optional(Type.Integer({ minimum: 1, description: 'Tickets about this device (named on the ticket, or opened by its incidents)' })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
});

export const TicketSummary = Type.Object({
  id: Type.Integer(),
  clientId: Type.Integer(),
  title: Type.String(),
  description: Type.String(),
  channel: TicketChannel,
  kind: InterventionKind,
  mode: InterventionMode,
  priority: TicketPriority,
  status: TicketStatus,
  assigneeId: Nullable(Type.Integer()),
  receivedAt: Ms,
  slaStartAt: Ms,
  slaDeadlineAt: Nullable(Ms),
  sla: SlaState,
  plannedDate: Nullable(Type.String()),
  interventionStartedAt: Nullable(Ms),
  resolvedAt: Nullable(Ms),
  closedAt: Nullable(Ms),
  /** A monitoring ticket stays internal (false) until a technician publishes it, or its client's setting publishes them all. */
  clientVisible: Type.Boolean(),
  createdAt: Ms,
  updatedAt: Ms,
});
export type TicketSummary = Static<typeof TicketSummary>;

/** One action on a ticket; its body's fields depend on its type (created, comment, status, assign, time, intervention…). */
export const TimelineEvent = Type.Object(
  {
    id: Type.Integer(),
    at: Ms,
    author: Type.String(),
    authorName: Nullable(Type.String()),
    type: Type.String(),
    channel: Type.Optional(Type.String()),
    text: Type.Optional(Type.String()),
    note: Type.Optional(Type.String()),
    from: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
    to: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
    reopened: Type.Optional(Type.Boolean()),
    minutes: Type.Optional(Type.Number()),
    kind: Type.Optional(Type.String()),
    mode: Type.Optional(Type.String()),
    unit: Type.Optional(Type.String()),
    count: Type.Optional(Type.Number()),
    unitPriceCents: Type.Optional(Type.Number()),
    amountCents: Type.Optional(Type.Number()),
    supplier: Type.Optional(Type.String()),
    ticketId: Type.Optional(Type.Integer()),
    name: Type.Optional(Type.String()),
    /** remote_session: started or ended, on which device. */
    change: Type.Optional(Type.String()),
    hostname: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export type TimelineEvent = Static<typeof TimelineEvent>;

export const TicketAttachment = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.String({ description: 'The MIME type found in the file itself' }),
  size: Type.Integer(),
  createdAt: Ms,
  authorName: Nullable(Type.String()),
});
export type TicketAttachment = Static<typeof TicketAttachment>;

export const LinkedTicket = Type.Object({ id: Type.Integer(), title: Type.String(), status: TicketStatus, channel: TicketChannel });
export type LinkedTicket = Static<typeof LinkedTicket>;

export const TicketDetail = Type.Composite([
  TicketSummary,
  Type.Object({
    deviceIds: Type.Array(Type.Integer()),
    timeline: Type.Array(TimelineEvent),
    attachments: Type.Array(TicketAttachment),
    links: Type.Array(LinkedTicket),
  }),
]);
export type TicketDetail = Static<typeof TicketDetail>;

export const TicketList = Type.Object({ tickets: Type.Array(TicketSummary) });
export const LinkTicketBody = Type.Object({ ticketId: Id }, strict);
export const AttachmentQuery = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });

export type TicketChannel = Static<typeof TicketChannel>;
export type TicketPriority = Static<typeof TicketPriority>;
export type SlaState = Static<typeof SlaState>;
export type TicketQuery = Static<typeof TicketQuery>;
export type TicketList = Static<typeof TicketList>;
export type LinkTicketBody = Static<typeof LinkTicketBody>;
export type AttachmentQuery = Static<typeof AttachmentQuery>;
