import { type InterventionKind, type InterventionMode, VigieError } from '@vigie/shared';
import type { SqliteHandle } from '../store/database.js';

/** The ticket billing work is recorded on, as billing reads it. */
export interface BilledTicket {
  id: number;
  client_id: number;
  kind: InterventionKind;
  mode: InterventionMode;
  title: string;
}

/** The ticket, of `clientId` when given (synchronous: inside the caller's transaction). */
export function ticketOf(sql: SqliteHandle, ticketId: number, clientId?: number): BilledTicket {
  const t = sql.prepare('SELECT id, client_id, kind, mode, title FROM tickets WHERE id = ?').get(ticketId) as BilledTicket | undefined;
  if (!t || (clientId !== undefined && t.client_id !== clientId)) throw new VigieError('NOT_FOUND', 'No such ticket for this client');
  return t;
}

/** A billing event on the ticket's timeline (an intervention, a programme's change, an order), in the caller's transaction. */
export function timelineEvent(
  sql: SqliteHandle,
  ticketId: number,
  at: number,
  author: string,
  authorId: number | null,
  type: string,
  body: Record<string, unknown>,
): void {
  sql
    .prepare('INSERT INTO ticket_events (ticket_id, at, author_id, author, type, body) VALUES (?, ?, ?, ?, ?, ?)')
    .run(ticketId, at, authorId, author, type, JSON.stringify(body));
  sql.prepare('UPDATE tickets SET updated_at = ? WHERE id = ?').run(at, ticketId);
}
