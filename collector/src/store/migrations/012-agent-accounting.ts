import type { Kysely } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/**
 * Issue 14: what each agent produced and lost, so that every frame is accounted for at the
 * collector (produced = stored + pending + dropped): frames committed, and the agent's own
 * cumulative loss counters from its spool reports.
 */
const STATEMENTS = [
  'ALTER TABLE agents ADD COLUMN frames_stored INTEGER NOT NULL DEFAULT 0',
  'ALTER TABLE agents ADD COLUMN spool_next_seq INTEGER',
  'ALTER TABLE agents ADD COLUMN spool_dropped_frames INTEGER NOT NULL DEFAULT 0',
  'ALTER TABLE agents ADD COLUMN spool_unspooled_frames INTEGER NOT NULL DEFAULT 0',
  'ALTER TABLE agents ADD COLUMN spool_in_doubt_frames INTEGER NOT NULL DEFAULT 0',
  'ALTER TABLE agents ADD COLUMN spool_pending_frames INTEGER NOT NULL DEFAULT 0',
  'ALTER TABLE agents ADD COLUMN spool_last_drop_id INTEGER NOT NULL DEFAULT 0',
  'ALTER TABLE agents ADD COLUMN spool_reported_at INTEGER',
];

export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, STATEMENTS);
}
