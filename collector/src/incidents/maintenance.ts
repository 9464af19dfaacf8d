import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';

/**
 * The maintenance window open at `now` for a device, its site or its client (the latest ending
 * one), or undefined. Incidents opened during one are recorded without a ticket (rules); security
 * updates are installed during one (patches). Takes a store's Kysely or a transaction, on either engine.
 */
export async function openMaintenanceWindow(
  db: Kysely<DB>,
  d: { id: number; site_id: number; client_id: number },
  now: number,
): Promise<{ id: number; ends_at: number } | undefined> {
  return (
    db
      .selectFrom('maintenance_windows')
      .select(['id', 'ends_at'])
      .where('starts_at', '<=', now)
      .where('ends_at', '>', now)
      .where((eb) =>
        eb.or([
          eb.and([eb('scope', '=', 'device'), eb('scope_id', '=', d.id)]),
          eb.and([eb('scope', '=', 'site'), eb('scope_id', '=', d.site_id)]),
          eb.and([eb('scope', '=', 'client'), eb('scope_id', '=', d.client_id)]),
        ]),
      )
      // Total order: two windows ending together give the same answer on both engines.
      .orderBy('ends_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()
  );
}
