import { type InterventionKind, type InterventionMode, VigieError } from '@vigie/shared';
import type { Database } from '../store/database.js';
import { takeInCharge } from '../tickets/intervention-start.js';

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
 * Synchronous: inside the caller's transaction, so that the event and the work commit together.
 */
export class TicketTimeline {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  /** The ticket, of `clientId` when given. */
  ticket(ticketId: number, clientId?: number): BilledTicket {
    const t = this.sql.prepare('SELECT id, client_id, kind, mode, title FROM tickets WHERE id = ?').get(ticketId) as BilledTicket | undefined;
    if (!t || (clientId !== undefined && t.client_id !== clientId)) throw new VigieError('NOT_FOUND', 'No such ticket for this client');
    return t;
  }

  event(ticketId: number, at: number, author: string, authorId: number | null, type: string, body: Record<string, unknown>): void {
    this.sql
      .prepare('INSERT INTO ticket_events (ticket_id, at, author_id, author, type, body) VALUES (?, ?, ?, ?, ?, ?)')
      .run(ticketId, at, authorId, author, type, JSON.stringify(body));
    this.sql.prepare('UPDATE tickets SET updated_at = ? WHERE id = ?').run(at, ticketId);
  }

  /** A recorded intervention takes the ticket in charge (its SLA clock's intervention start). */
  takeInCharge(ticketId: number, start: number): void {
    takeInCharge(this.sql, ticketId, start);
  }
}
