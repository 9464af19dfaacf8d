import { type Kysely, sql } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/**
 * Agentless devices tell the truth (issue 18, point 4): each one knows the device whose agent polls
 * it (its watcher), so that its state comes from that agent's polls, not from a heartbeat it never sends.
 */
export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, ['ALTER TABLE devices ADD COLUMN watcher_id INTEGER REFERENCES devices(id) ON DELETE SET NULL']);
  if (engine === 'postgres') return; // backfills below: no PostgreSQL store predates this migration
  await sql`UPDATE devices SET watcher_id = json_extract(site_data, '$.reporterDeviceId')
            WHERE kind = 'agentless' AND site_data IS NOT NULL AND json_valid(site_data)
              AND json_extract(site_data, '$.reporterDeviceId') IN (SELECT id FROM devices)`.execute(db);
  // The last poll it answered is when it was last seen.
  await sql`UPDATE devices SET last_seen_at = (SELECT max(observed_at) FROM check_state r WHERE r.device_id = devices.id AND r."check" = 'snmp-reachable' AND r.status = 'ok')
            WHERE kind = 'agentless' AND EXISTS (SELECT 1 FROM check_state r WHERE r.device_id = devices.id AND r."check" = 'snmp-reachable' AND r.status = 'ok')`.execute(
    db,
  );
}
