import type { Kysely } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/**
 * Login limits in the store (issue 13): failed attempts per key (account, address, trusted device),
 * shared by every collector process of a cluster and pruned by age; and the browsers where an
 * account signed in before (a trusted-device cookie's hash), which keep signing in while a spray
 * of failures blocks their address.
 */
export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, [
    'CREATE TABLE login_failures (key TEXT NOT NULL, at INTEGER NOT NULL)',
    'CREATE INDEX login_failures_key_at ON login_failures (key, at)',
    'CREATE INDEX login_failures_at ON login_failures (at)',
    `CREATE TABLE login_devices (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL)`,
    'CREATE INDEX login_devices_user ON login_devices (user_id, created_at)',
  ]);
}
