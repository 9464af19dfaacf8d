import type { Kysely } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/**
 * Signed agent self-update (issue 17): the releases the collector offers (each executable kept in
 * the data folder, its SHA-256 and size recorded when added), the rollout (target version, rings:
 * a named canary set, then a percentage, then everyone; pausable) and per-client pins.
 */
const STATEMENTS = [
  `CREATE TABLE agent_releases (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     version TEXT NOT NULL,
     platform TEXT NOT NULL,
     sha256 TEXT NOT NULL,
     size INTEGER NOT NULL,
     file TEXT NOT NULL,
     notes TEXT,
     created_at INTEGER NOT NULL,
     created_by TEXT NOT NULL,
     UNIQUE (version, platform))`,
  `CREATE TABLE agent_rollout (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     target_version TEXT,
     stage TEXT NOT NULL CHECK (stage IN ('canary', 'percent', 'all')),
     percent INTEGER NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
     paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
     grace_sec INTEGER NOT NULL,
     manifest_ttl_sec INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL)`,
  `CREATE TABLE agent_rollout_canary (device_id INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE)`,
  `CREATE TABLE agent_version_pins (
     client_id INTEGER PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
     version TEXT NOT NULL,
     pinned_at INTEGER NOT NULL,
     pinned_by INTEGER REFERENCES users(id) ON DELETE SET NULL)`,
];

export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, STATEMENTS);
}
