import type { Kysely } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/**
 * The real peak of each hour of flows (issue 18, point 11): its busiest per-minute bucket, kept when
 * the hour is rolled up — the minute detail goes after 30 days, and an hourly average is about 60
 * times lower than a one-minute burst on a bursty link.
 */
export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, [
    'ALTER TABLE flow_hourly ADD COLUMN peak_at INTEGER',
    'ALTER TABLE flow_hourly ADD COLUMN peak_bytes INTEGER',
    'ALTER TABLE flow_hourly ADD COLUMN peak_packets INTEGER',
    'ALTER TABLE flow_hourly ADD COLUMN peak_ms INTEGER',
  ]);
}
