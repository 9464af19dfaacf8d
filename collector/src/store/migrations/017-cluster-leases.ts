import { type Kysely, sql } from 'kysely';

/**
 * Jobs that run once in the cluster (month-end invoicing, rules, patch and rollout schedules, clean-up)
 * run on the collector holding their lease: one row per lease, its holder and until when it holds it
 * (issue 15). Plain columns and types that SQLite and PostgreSQL both take.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE cluster_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    acquired_at BIGINT NOT NULL)`.execute(db);
}
