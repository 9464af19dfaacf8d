import { type Static, Type } from '@sinclair/typebox';
import { TicketDetail } from './tickets.js';

/** A message the collector pushes on `GET /api/v1/live`: what changed, for whom (collector/src/live/live-channel.ts). */
export const LiveMessage = Type.Object({ type: Type.String({ description: 'hello, ticket, incident, device…' }), data: Type.Unknown() });
export type LiveMessage = Static<typeof LiveMessage>;
/** `ticket` messages: the change and the ticket with its last timeline event. */
export const LiveTicketData = Type.Object({ change: Type.String(), ticket: TicketDetail });
export type LiveTicketData = Static<typeof LiveTicketData>;
