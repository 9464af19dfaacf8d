import type { Kysely } from 'kysely';
import type { SqliteHandle } from '../store/database.js';
import type { DB } from '../store/schema.js';

/**
 * The maintenance window open at `now` for a device, its site or its client (the latest ending
 * one, then the newest), or undefined. Incidents opened during one are recorded without a ticket
 * (rules); security updates are installed during one (patches).
 */
export function openMaintenanceWindowOf(
  db: Kysely<DB>,
  d: { id: number; site_id: number; client_id: number },
  now: number,
): Promise<{ id: number; ends_at: number } | undefined> {
  return db
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
    .orderBy('ends_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * `openMaintenanceWindowOf` for synchronous callers not on Kysely yet (patches/installs.ts, inside
 * its raw transaction); goes when they move.
 */
export function openMaintenanceWindow(
  sqlite: SqliteHandle,
  d: { id: number; site_id: number; client_id: number },
  now: number,
): { id: number; ends_at: number } | undefined {
  return sqlite
    .prepare(
      `SELECT id, ends_at FROM maintenance_windows WHERE starts_at <= ? AND ends_at > ?
         AND ((scope = 'device' AND scope_id = ?) OR (scope = 'site' AND scope_id = ?) OR (scope = 'client' AND scope_id = ?))
       ORDER BY ends_at DESC, id DESC LIMIT 1`,
    )
    .get(now, now, d.id, d.site_id, d.client_id) as { id: number; ends_at: number } | undefined;
}
