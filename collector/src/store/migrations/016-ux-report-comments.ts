import { type Kysely, sql } from 'kysely';

/** A technician's word for a client's month, printed on the summary page of its report (issue 18, point 11). */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE report_comments (
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    month TEXT NOT NULL,
    text TEXT NOT NULL,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, month))`.execute(db);
}
