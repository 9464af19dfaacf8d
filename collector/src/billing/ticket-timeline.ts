import { type InterventionKind, type InterventionMode, VigieError } from '@vigie/shared';
import type { Kysely } from 'kysely';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';
import { takeInChargeIn } from '../tickets/intervention-start.js';

/** The ticket billing work is recorded on, as billing reads it. */
export interface BilledTicket {
  id: number;
  client_id: number;
  kind: InterventionKind;
  mode: InterventionMode;
  title: string;
}

/**
 * What billing reads and writes of tickets: the ticket its work is for, the timeline events that
 * say that work (an intervention, a programme's change, an order), the ticket taken in charge.
 * Each takes the caller's transaction `tx`, so that the event and the work commit together.
 */
export class TicketTimeline {
  constructor(private readonly db: RelationalStore) {}

  /** The ticket, of `clientId` when given. */
  async ticketOf(ticketId: number, clientId?: number, ex: Kysely<DB> = this.db.kysely): Promise<BilledTicket> {
    const t = await ex.selectFrom('tickets').select(['id', 'client_id', 'kind', 'mode', 'title']).where('id', '=', ticketId).executeTakeFirst();
    if (!t || (clientId !== undefined && t.client_id !== clientId)) throw new VigieError('NOT_FOUND', 'No such ticket for this client');
    return t as BilledTicket;
  }

  async record(
    tx: Kysely<DB>,
    ticketId: number,
    at: number,
    author: string,
    authorId: number | null,
    type: string,
    body: Record<string, unknown>,
  ): Promise<void> {
    await tx
      .insertInto('ticket_events')
      .values({ ticket_id: ticketId, at, author_id: authorId, author, type, body: JSON.stringify(body) })
      .execute();
    await tx.updateTable('tickets').set({ updated_at: at }).where('id', '=', ticketId).execute();
  }

  /** A recorded intervention takes the ticket in charge (its SLA clock's intervention start). */
  async takeInCharge(tx: Kysely<DB>, ticketId: number, start: number): Promise<void> {
    await takeInChargeIn(tx, ticketId, start);
  }
}
