import { type Kysely, sql } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/**
 * What the device list searches besides names and serials: the addresses and the software names
 * of each device's latest inventory, flattened to text (one row per device, replaced when a new
 * inventory arrives). Derived data: rebuilt here from the snapshots already stored.
 */
export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, [
    `CREATE TABLE device_search (
    device_id INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
    ips TEXT NOT NULL,
    software TEXT NOT NULL)`,
  ]);
  if (engine === 'postgres') {
    // The search is a substring match (LIKE '%…%'): trigram indexes serve it on PostgreSQL (pg_trgm
    // ships with the server and is a trusted extension). No backfill: no PostgreSQL store predates this.
    await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
    await sql`CREATE INDEX device_search_ips ON device_search USING gin (ips gin_trgm_ops)`.execute(db);
    await sql`CREATE INDEX device_search_software ON device_search USING gin (software gin_trgm_ops)`.execute(db);
    return;
  }
  await sql
    .raw(
      `INSERT INTO device_search (device_id, ips, software) ${DEVICE_SEARCH_SELECT} WHERE s.id IN (SELECT max(id) FROM inventory_snapshots GROUP BY device_id)`,
    )
    .execute(db);
}

/** The search row of a snapshot `s`: its IPv4/IPv6 addresses and software names, newline-separated. */
export const DEVICE_SEARCH_SELECT = `SELECT s.device_id,
  coalesce((SELECT group_concat(ip.value, char(10)) FROM json_each(s.data, '$.network') n, json_each(n.value, '$.ipv4') ip), '') || char(10) ||
  coalesce((SELECT group_concat(ip.value, char(10)) FROM json_each(s.data, '$.network') n, json_each(n.value, '$.ipv6') ip), ''),
  coalesce((SELECT group_concat(json_extract(sw.value, '$.name'), char(10)) FROM json_each(s.data, '$.software') sw), '')
  FROM inventory_snapshots s`;
