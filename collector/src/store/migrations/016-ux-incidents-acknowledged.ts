import { type Kysely, sql } from 'kysely';

/** An incident a technician acknowledged (issue 18, point 3): when, and who. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE incidents ADD COLUMN acknowledged_at INTEGER`.execute(db);
  await sql`ALTER TABLE incidents ADD COLUMN acknowledged_by INTEGER REFERENCES users(id) ON DELETE SET NULL`.execute(db);
}
