import type { Kysely } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/**
 * Patch management (issue 17): policies per client, site and device; approvals of updates by a
 * technician (for one version: a newer candidate needs a new approval); each package's outcome as
 * the agent reported it.
 */
const STATEMENTS = [
  `CREATE TABLE patch_policies (
     scope TEXT NOT NULL CHECK (scope IN ('client', 'site', 'device')),
     scope_id INTEGER NOT NULL,
     body TEXT NOT NULL,
     version INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     PRIMARY KEY (scope, scope_id))`,
  `CREATE TABLE patch_approvals (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     arch TEXT NOT NULL DEFAULT '',
     version TEXT NOT NULL,
     approved_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     approved_at INTEGER NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('approved', 'queued', 'installed', 'failed', 'withdrawn')),
     command_id TEXT,
     note TEXT,
     updated_at INTEGER NOT NULL)`,
  `CREATE UNIQUE INDEX patch_approvals_open ON patch_approvals (device_id, name, arch, version) WHERE state IN ('approved', 'queued')`,
  `CREATE TABLE patch_install_results (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     command_id TEXT NOT NULL,
     device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     arch TEXT NOT NULL DEFAULT '',
     version TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('installed', 'failed')),
     attempts INTEGER NOT NULL,
     error TEXT,
     reason TEXT,
     finished_at INTEGER NOT NULL)`,
  `CREATE INDEX patch_install_results_device ON patch_install_results (device_id, finished_at)`,
];

export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, STATEMENTS);
}
