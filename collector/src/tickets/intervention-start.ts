import { addDays, fromParis, type LocalDate } from '@vigie/shared';
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';

/**
 * When an intervention began, as far as the SLA is concerned (contract 2.6.2: the commitment is to
 * intervene): its recorded start, or — recorded with a date alone — the last instant of that Paris
 * day, so that a date never claims more than it proves.
 */
export function interventionStart(startedAt: number | null | undefined, date: LocalDate): number {
  return startedAt ?? fromParis(addDays(date, 1), 0, 0) - 1;
}

/**
 * A recorded intervention takes the ticket in charge: the ticket's intervention start becomes the
 * earliest of its status change and its interventions (inside the caller's transaction). One
 * conditional statement: concurrent writers keep the earliest on either engine.
 */
export async function takeInChargeIn(trx: Kysely<DB>, ticketId: number, start: number): Promise<void> {
  await trx
    .updateTable('tickets')
    .set({ intervention_started_at: start })
    .where('id', '=', ticketId)
    .where((eb) => eb.or([eb('intervention_started_at', 'is', null), eb('intervention_started_at', '>', start)]))
    .execute();
}
