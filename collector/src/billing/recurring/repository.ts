import type { LocalDate } from '@vigie/shared';
import type { Insertable, Selectable } from 'kysely';
import type { Database } from '../../store/database.js';
import type { RecurringChangesTable, RecurringOccurrencesTable, RecurringSchedulesTable } from '../../store/schema-billing.js';

export type ScheduleRow = Selectable<RecurringSchedulesTable>;
export type OccurrenceRow = Selectable<RecurringOccurrencesTable>;
export type ChangeRow = Selectable<RecurringChangesTable>;
/** A done occurrence with the minutes its interventions recorded. */
export type DoneOccurrence = Pick<OccurrenceRow, 'id' | 'date' | 'reserved_minutes'> & { recorded: number };

/** Recurring programmes (2.6.1), their occurrences and the client's change requests. Synchronous: inside the callers' transactions. */
export class RecurringRepository {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  schedule(scheduleId: number): ScheduleRow | undefined {
    return this.sql.prepare('SELECT * FROM recurring_schedules WHERE id = ?').get(scheduleId) as ScheduleRow | undefined;
  }

  schedules(clientId: number | undefined): ScheduleRow[] {
    return (
      clientId === undefined
        ? this.sql.prepare('SELECT * FROM recurring_schedules ORDER BY id').all()
        : this.sql.prepare('SELECT * FROM recurring_schedules WHERE client_id = ? ORDER BY id').all(clientId)
    ) as ScheduleRow[];
  }

  async scheduleClient(scheduleId: number): Promise<number | undefined> {
    return (await this.db.kysely.selectFrom('recurring_schedules').select('client_id').where('id', '=', scheduleId).executeTakeFirst())?.client_id;
  }

  insertSchedule(s: Omit<Insertable<RecurringSchedulesTable>, 'id' | 'active'>): number {
    const r = this.sql
      .prepare(
        'INSERT INTO recurring_schedules (client_id, ticket_id, title, mode, period, first_date, until_date, start_time, reserved_minutes, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        s.client_id,
        s.ticket_id,
        s.title,
        s.mode,
        s.period,
        s.first_date,
        s.until_date ?? null,
        s.start_time,
        s.reserved_minutes,
        s.created_by ?? null,
        s.created_at,
      );
    return Number(r.lastInsertRowid);
  }

  setReservedMinutes(scheduleId: number, minutes: number): void {
    this.sql.prepare('UPDATE recurring_schedules SET reserved_minutes = ? WHERE id = ?').run(minutes, scheduleId);
  }

  lastSlot(scheduleId: number): number | null {
    return (this.sql.prepare('SELECT MAX(slot) AS slot FROM recurring_occurrences WHERE schedule_id = ?').get(scheduleId) as { slot: number | null }).slot;
  }

  countFrom(scheduleId: number, date: LocalDate): number {
    return (this.sql.prepare('SELECT COUNT(*) AS n FROM recurring_occurrences WHERE schedule_id = ? AND date >= ?').get(scheduleId, date) as { n: number }).n;
  }

  /** Adds a scheduled occurrence unless its slot exists already. */
  occurrenceInserter(): (o: Pick<OccurrenceRow, 'schedule_id' | 'slot' | 'date' | 'moved_from' | 'start_time' | 'reserved_minutes'>) => void {
    const ins = this.sql.prepare(
      "INSERT OR IGNORE INTO recurring_occurrences (schedule_id, slot, date, moved_from, start_time, reserved_minutes, status) VALUES (?, ?, ?, ?, ?, ?, 'scheduled')",
    );
    return (o) => ins.run(o.schedule_id, o.slot, o.date, o.moved_from, o.start_time, o.reserved_minutes);
  }

  occurrence(occurrenceId: number): OccurrenceRow | undefined {
    return this.sql.prepare('SELECT * FROM recurring_occurrences WHERE id = ?').get(occurrenceId) as OccurrenceRow | undefined;
  }

  occurrenceOfSchedule(occurrenceId: number, scheduleId: number): OccurrenceRow | undefined {
    return this.sql.prepare('SELECT * FROM recurring_occurrences WHERE id = ? AND schedule_id = ?').get(occurrenceId, scheduleId) as OccurrenceRow | undefined;
  }

  occurrenceOfClient(occurrenceId: number, clientId: number): OccurrenceRow | undefined {
    return this.sql
      .prepare('SELECT o.* FROM recurring_occurrences o JOIN recurring_schedules s ON s.id = o.schedule_id WHERE o.id = ? AND s.client_id = ?')
      .get(occurrenceId, clientId) as OccurrenceRow | undefined;
  }

  nextScheduled(scheduleId: number, from: LocalDate): OccurrenceRow | undefined {
    return this.sql
      .prepare("SELECT * FROM recurring_occurrences WHERE schedule_id = ? AND status = 'scheduled' AND date >= ? ORDER BY date, slot LIMIT 1")
      .get(scheduleId, from) as OccurrenceRow | undefined;
  }

  occurrencesWithRecorded(scheduleId: number): (OccurrenceRow & { recorded_minutes: number })[] {
    return this.sql
      .prepare(
        `SELECT o.*, (SELECT COALESCE(SUM(minutes), 0) FROM interventions i WHERE i.occurrence_id = o.id) AS recorded_minutes
         FROM recurring_occurrences o WHERE o.schedule_id = ? ORDER BY o.date, o.slot`,
      )
      .all(scheduleId) as (OccurrenceRow & { recorded_minutes: number })[];
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

  /** Shortens the scheduled occurrences after `after` the client did not change; returns how many. */
  shortenAfter(scheduleId: number, after: LocalDate, minutes: number): number {
    return this.sql
      .prepare(
        "UPDATE recurring_occurrences SET reserved_minutes = ?, changed_by = 'adjustment' WHERE schedule_id = ? AND status = 'scheduled' AND date > ? AND (changed_by IS NULL OR changed_by = 'adjustment') AND reserved_minutes > ?",
      )
      .run(minutes, scheduleId, after, minutes).changes;
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

  cancelByClient(occurrenceId: number): void {
    this.sql.prepare("UPDATE recurring_occurrences SET status = 'cancelled', changed_by = 'client' WHERE id = ?").run(occurrenceId);
  }

  moveByClient(occurrenceId: number, date: LocalDate, startTime: string, minutes: number): void {
    this.sql
      .prepare("UPDATE recurring_occurrences SET date = ?, start_time = ?, reserved_minutes = ?, changed_by = 'client' WHERE id = ?")
      .run(date, startTime, minutes, occurrenceId);
  }

  changes(scheduleId: number): ChangeRow[] {
    return this.sql.prepare('SELECT * FROM recurring_changes WHERE schedule_id = ? ORDER BY id').all(scheduleId) as ChangeRow[];
  }

  insertChange(c: Omit<Insertable<RecurringChangesTable>, 'id'>): void {
    this.sql
      .prepare(
        'INSERT INTO recurring_changes (schedule_id, occurrence_id, received_at, requested_date, requested_start_time, requested_minutes, accepted, reason, requested_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        c.schedule_id,
        c.occurrence_id,
        c.received_at,
        c.requested_date ?? null,
        c.requested_start_time ?? null,
        c.requested_minutes ?? null,
        c.accepted,
        c.reason,
        c.requested_by ?? null,
      );
  }
}
