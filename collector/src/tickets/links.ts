import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';

/**
 * A client's own request and the automatic ticket of the same problem are linked: the technicians
 * work one and close both, the client reads in its ticket that the provider already saw it.
 */
export async function linkTickets(trx: Kysely<DB>, a: number, b: number, userId: number | null, now: number): Promise<boolean> {
  const [low, high] = a < b ? [a, b] : [b, a];
  const r = await trx
    .insertInto('ticket_links')
    .values({ ticket_id: low, linked_id: high, created_by: userId, created_at: now })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The open monitoring tickets about these devices (the automatic tickets of their current problems). */
export async function openMonitoringTickets(trx: Kysely<DB>, clientId: number, deviceIds: number[]): Promise<number[]> {
  if (deviceIds.length === 0) return [];
  const rows = await trx
    .selectFrom('tickets as t')
    .innerJoin('ticket_devices as td', 'td.ticket_id', 't.id')
    .select('t.id')
    .distinct()
    .where('t.client_id', '=', clientId)
    .where('t.channel', '=', 'monitoring')
    .where('t.status', 'not in', ['resolved', 'closed'])
    .where('td.device_id', 'in', deviceIds)
    .execute();
  return rows.map((r) => r.id);
}

/** The tickets linked to one, both ways; a client user only sees those shared with it. */
export async function linkedTickets(db: Kysely<DB>, ticketId: number, onlyClientVisible: boolean) {
  let q = db
    .selectFrom('tickets as t')
    .select(['t.id', 't.title', 't.status', 't.channel'])
    .where((eb) =>
      eb.or([
        eb('t.id', 'in', eb.selectFrom('ticket_links').select('linked_id').where('ticket_id', '=', ticketId)),
        eb('t.id', 'in', eb.selectFrom('ticket_links').select('ticket_id').where('linked_id', '=', ticketId)),
      ]),
    );
  if (onlyClientVisible) q = q.where('t.client_visible', '=', 1);
  return q.orderBy('t.id').execute();
}
