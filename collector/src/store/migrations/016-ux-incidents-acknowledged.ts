import type { Kysely } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/** An incident a technician acknowledged (issue 18, point 3): when, and who. */
export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, [
    'ALTER TABLE incidents ADD COLUMN acknowledged_at INTEGER',
    'ALTER TABLE incidents ADD COLUMN acknowledged_by INTEGER REFERENCES users(id) ON DELETE SET NULL',
  ]);
}
