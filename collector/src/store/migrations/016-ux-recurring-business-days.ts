import { businessDayOnOrAfter, parisDate } from '@vigie/shared';
import { type Kysely, sql } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/**
 * Recurring interventions on business days (issue 18, point 6): an occurrence due on a Saturday, a
 * Sunday or a public holiday takes place the next business day, and keeps the date it moved from.
 * Future occurrences already planned on such a day move now (those a client or an adjustment set stay).
 */
export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, ['ALTER TABLE recurring_occurrences ADD COLUMN moved_from TEXT']);
  const today = parisDate(Date.now());
  const rows = await sql<{ id: number; date: string }>`SELECT id, date FROM recurring_occurrences
    WHERE status = 'scheduled' AND changed_by IS NULL AND date >= ${today}`.execute(db);
  for (const r of rows.rows) {
    const moved = businessDayOnOrAfter(r.date);
    if (moved !== r.date) await sql`UPDATE recurring_occurrences SET date = ${moved}, moved_from = ${r.date} WHERE id = ${r.id}`.execute(db);
  }
}
