import type { Kysely } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/**
 * Pending updates per device (issue 17): the last list each agent reported, and every pending
 * update as a row dated when it was first seen, kept (with when it stopped being pending) so that
 * "pending for more than N days" and the state at a month's end can be computed; restart-pending
 * periods likewise.
 */
const STATEMENTS = [
  `CREATE TABLE device_patch_status (
     device_id INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
     source TEXT NOT NULL,
     collected_at INTEGER NOT NULL,
     received_at INTEGER NOT NULL,
     reboot_pending INTEGER CHECK (reboot_pending IN (0, 1)),
     truncated INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1)),
     first_reported_at INTEGER NOT NULL)`,
  `CREATE TABLE device_patches (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     arch TEXT NOT NULL DEFAULT '',
     installed_version TEXT,
     candidate_version TEXT NOT NULL,
     security INTEGER NOT NULL CHECK (security IN (0, 1)),
     reboot_required INTEGER NOT NULL CHECK (reboot_required IN (0, 1)),
     title TEXT,
     origin TEXT,
     update_id TEXT,
     first_seen_at INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL,
     resolved_at INTEGER)`,
  // One open row per package and architecture; resolved rows are the history.
  `CREATE UNIQUE INDEX device_patches_open ON device_patches (device_id, name, arch) WHERE resolved_at IS NULL`,
  `CREATE INDEX device_patches_device ON device_patches (device_id, resolved_at)`,
  `CREATE TABLE device_reboot_pending (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
     since INTEGER NOT NULL,
     until INTEGER)`,
  `CREATE UNIQUE INDEX device_reboot_pending_open ON device_reboot_pending (device_id) WHERE until IS NULL`,
];

export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, STATEMENTS);
}
