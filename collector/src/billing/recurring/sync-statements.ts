import type { LocalDate } from '@vigie/shared';
import type { Database } from '../../store/database.js';
import type { DoneOccurrence, OccurrenceRow, ScheduleRow } from './repository.js';

/**
 * The recurring statements the interventions service still runs inside its better-sqlite3
 * transactions (an intervention marks its occurrence done, reopens it, and may adjust the
 * programme: `RecurringService.adjustSchedule`), where no `await` fits. SQLite only, like that
 * caller; the same statements, engine-neutral, are `RecurringRepository`'s. Delete this file once
 * the interventions service awaits `RecurringService.repo` and `adjustScheduleIn`.
 */
export class RecurringSyncStatements {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  schedule(scheduleId: number): ScheduleRow | undefined {
    return this.sql.prepare('SELECT * FROM recurring_schedules WHERE id = ?').get(scheduleId) as ScheduleRow | undefined;
  }

  occurrence(occurrenceId: number): OccurrenceRow | undefined {
    return this.sql.prepare('SELECT * FROM recurring_occurrences WHERE id = ?').get(occurrenceId) as OccurrenceRow | undefined;
  }

  occurrenceOfClient(occurrenceId: number, clientId: number): OccurrenceRow | undefined {
    return this.sql
      .prepare('SELECT o.* FROM recurring_occurrences o JOIN recurring_schedules s ON s.id = o.schedule_id WHERE o.id = ? AND s.client_id = ?')
      .get(occurrenceId, clientId) as OccurrenceRow | undefined;
  }

  markDone(occurrenceId: number): void {
    this.sql.prepare("UPDATE recurring_occurrences SET status = 'done' WHERE id = ?").run(occurrenceId);
  }

  /** The occurrence is to be done again only when no intervention on it remains. */
  reopenIfUnworked(occurrenceId: number): void {
    this.sql
      .prepare(
        "UPDATE recurring_occurrences SET status = 'scheduled' WHERE id = ? AND status = 'done' AND NOT EXISTS (SELECT 1 FROM interventions WHERE occurrence_id = ?)",
      )
      .run(occurrenceId, occurrenceId);
  }

  /** The last `count` done occurrences, newest first, with their recorded minutes. */
  lastDone(scheduleId: number, count: number): DoneOccurrence[] {
    return this.sql
      .prepare(
        `SELECT o.id, o.date, o.reserved_minutes, (SELECT COALESCE(SUM(minutes), 0) FROM interventions i WHERE i.occurrence_id = o.id) AS recorded
         FROM recurring_occurrences o WHERE o.schedule_id = ? AND o.status = 'done' ORDER BY o.date DESC, o.slot DESC LIMIT ?`,
      )
      .all(scheduleId, count) as DoneOccurrence[];
  }

  setReservedMinutes(scheduleId: number, minutes: number): void {
    this.sql.prepare('UPDATE recurring_schedules SET reserved_minutes = ? WHERE id = ?').run(minutes, scheduleId);
  }

  /** Shortens the scheduled occurrences after `after` the client did not change; returns how many. */
  shortenAfter(scheduleId: number, after: LocalDate, minutes: number): number {
    return this.sql
      .prepare(
        "UPDATE recurring_occurrences SET reserved_minutes = ?, changed_by = 'adjustment' WHERE schedule_id = ? AND status = 'scheduled' AND date > ? AND (changed_by IS NULL OR changed_by = 'adjustment') AND reserved_minutes > ?",
      )
      .run(minutes, scheduleId, after, minutes).changes;
  }
}
