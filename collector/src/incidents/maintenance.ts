import type { SqliteHandle } from '../store/database.js';

/**
 * The maintenance window open at `now` for a device, its site or its client (the latest ending
 * one), or undefined. Incidents opened during one are recorded without a ticket (rules); security
 * updates are installed during one (patches).
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
       ORDER BY ends_at DESC LIMIT 1`,
    )
    .get(now, now, d.id, d.site_id, d.client_id) as { id: number; ends_at: number } | undefined;
}
