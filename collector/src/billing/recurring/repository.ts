import type { LocalDate } from '@vigie/shared';
import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import type { RecurringChangesTable, RecurringOccurrencesTable, RecurringSchedulesTable } from '../../store/schema-billing.js';

export type ScheduleRow = Selectable<RecurringSchedulesTable>;
export type OccurrenceRow = Selectable<RecurringOccurrencesTable>;
export type ChangeRow = Selectable<RecurringChangesTable>;
/** A done occurrence with the minutes its interventions recorded. */
export type DoneOccurrence = Pick<OccurrenceRow, 'id' | 'date' | 'reserved_minutes'> & { recorded: number };
type NewOccurrence = Pick<OccurrenceRow, 'schedule_id' | 'slot' | 'date' | 'moved_from' | 'start_time' | 'reserved_minutes'>;

/**
 * Recurring programmes (2.6.1), their occurrences and the client's change requests. Each method runs
 * on the store or inside the caller's transaction (`ex`).
 */
export class RecurringRepository {
  constructor(private readonly db: RelationalStore) {}

  async schedule(scheduleId: number, ex: Kysely<DB> = this.db.kysely): Promise<ScheduleRow | undefined> {
    return ex.selectFrom('recurring_schedules').selectAll().where('id', '=', scheduleId).executeTakeFirst();
  }

  async schedules(clientId: number | undefined, ex: Kysely<DB> = this.db.kysely): Promise<ScheduleRow[]> {
    let q = ex.selectFrom('recurring_schedules').selectAll();
    if (clientId !== undefined) q = q.where('client_id', '=', clientId);
    return q.orderBy('id').execute();
  }

  async scheduleClient(scheduleId: number): Promise<number | undefined> {
    return (await this.db.kysely.selectFrom('recurring_schedules').select('client_id').where('id', '=', scheduleId).executeTakeFirst())?.client_id;
  }

  async insertSchedule(s: Omit<Insertable<RecurringSchedulesTable>, 'id' | 'active'>, ex: Kysely<DB> = this.db.kysely): Promise<number> {
    const r = await ex
      .insertInto('recurring_schedules')
      .values({ ...s, until_date: s.until_date ?? null, created_by: s.created_by ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  async setReservedMinutes(scheduleId: number, minutes: number, ex: Kysely<DB> = this.db.kysely): Promise<void> {
    await ex.updateTable('recurring_schedules').set({ reserved_minutes: minutes }).where('id', '=', scheduleId).execute();
  }

  async lastSlot(scheduleId: number, ex: Kysely<DB> = this.db.kysely): Promise<number | null> {
    const r = await ex
      .selectFrom('recurring_occurrences')
      .select((eb) => eb.fn.max('slot').as('slot'))
      .where('schedule_id', '=', scheduleId)
      .executeTakeFirst();
    return r?.slot == null ? null : Number(r.slot);
  }

  async countFrom(scheduleId: number, date: LocalDate, ex: Kysely<DB> = this.db.kysely): Promise<number> {
    const r = await ex
      .selectFrom('recurring_occurrences')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('schedule_id', '=', scheduleId)
      .where('date', '>=', date)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Adds a scheduled occurrence unless its slot exists already (two readers materialising at once add it once). */
  async insertOccurrence(o: NewOccurrence, ex: Kysely<DB> = this.db.kysely): Promise<void> {
    await ex
      .insertInto('recurring_occurrences')
      .values({ ...o, status: 'scheduled' })
      .onConflict((oc) => oc.columns(['schedule_id', 'slot']).doNothing())
      .execute();
  }

  async occurrence(occurrenceId: number, ex: Kysely<DB> = this.db.kysely): Promise<OccurrenceRow | undefined> {
    return ex.selectFrom('recurring_occurrences').selectAll().where('id', '=', occurrenceId).executeTakeFirst();
  }

  async occurrenceOfSchedule(occurrenceId: number, scheduleId: number, ex: Kysely<DB> = this.db.kysely): Promise<OccurrenceRow | undefined> {
    return ex.selectFrom('recurring_occurrences').selectAll().where('id', '=', occurrenceId).where('schedule_id', '=', scheduleId).executeTakeFirst();
  }

  async occurrenceOfClient(occurrenceId: number, clientId: number, ex: Kysely<DB> = this.db.kysely): Promise<OccurrenceRow | undefined> {
    return ex
      .selectFrom('recurring_occurrences as o')
      .innerJoin('recurring_schedules as s', 's.id', 'o.schedule_id')
      .selectAll('o')
      .where('o.id', '=', occurrenceId)
      .where('s.client_id', '=', clientId)
      .executeTakeFirst();
  }

  async nextScheduled(scheduleId: number, from: LocalDate, ex: Kysely<DB> = this.db.kysely): Promise<OccurrenceRow | undefined> {
    return ex
      .selectFrom('recurring_occurrences')
      .selectAll()
      .where('schedule_id', '=', scheduleId)
      .where('status', '=', 'scheduled')
      .where('date', '>=', from)
      .orderBy('date')
      .orderBy('slot')
      .limit(1)
      .executeTakeFirst();
  }

  async occurrencesWithRecorded(scheduleId: number, ex: Kysely<DB> = this.db.kysely): Promise<(OccurrenceRow & { recorded_minutes: number })[]> {
    const rows = await ex
      .selectFrom('recurring_occurrences as o')
      .selectAll('o')
      .select((eb) =>
        eb
          .selectFrom('interventions as i')
          .select((ib) => ib.fn.coalesce(ib.fn.sum<number>('i.minutes'), sql<number>`0`).as('m'))
          .whereRef('i.occurrence_id', '=', 'o.id')
          .as('recorded_minutes'),
      )
      .where('o.schedule_id', '=', scheduleId)
      .orderBy('o.date')
      .orderBy('o.slot')
      .execute();
    return rows.map((r) => ({ ...r, recorded_minutes: Number(r.recorded_minutes ?? 0) }));
  }

  /** The last `count` done occurrences, newest first, with their recorded minutes. */
  async lastDone(scheduleId: number, count: number, ex: Kysely<DB> = this.db.kysely): Promise<DoneOccurrence[]> {
    const rows = await ex
      .selectFrom('recurring_occurrences as o')
      .select(['o.id', 'o.date', 'o.reserved_minutes'])
      .select((eb) =>
        eb
          .selectFrom('interventions as i')
          .select((ib) => ib.fn.coalesce(ib.fn.sum<number>('i.minutes'), sql<number>`0`).as('m'))
          .whereRef('i.occurrence_id', '=', 'o.id')
          .as('recorded'),
      )
      .where('o.schedule_id', '=', scheduleId)
      .where('o.status', '=', 'done')
      .orderBy('o.date', 'desc')
      .orderBy('o.slot', 'desc')
      .limit(count)
      .execute();
    return rows.map((r) => ({ ...r, recorded: Number(r.recorded ?? 0) }));
  }

  /** Shortens the scheduled occurrences after `after` the client did not change; returns how many. */
  async shortenAfter(scheduleId: number, after: LocalDate, minutes: number, ex: Kysely<DB> = this.db.kysely): Promise<number> {
    const r = await ex
      .updateTable('recurring_occurrences')
      .set({ reserved_minutes: minutes, changed_by: 'adjustment' })
      .where('schedule_id', '=', scheduleId)
      .where('status', '=', 'scheduled')
      .where('date', '>', after)
      .where((eb) => eb.or([eb('changed_by', 'is', null), eb('changed_by', '=', 'adjustment')]))
      .where('reserved_minutes', '>', minutes)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async markDone(occurrenceId: number, ex: Kysely<DB> = this.db.kysely): Promise<void> {
    await ex.updateTable('recurring_occurrences').set({ status: 'done' }).where('id', '=', occurrenceId).execute();
  }

  /** The occurrence is to be done again only when no intervention on it remains. */
  async reopenIfUnworked(occurrenceId: number, ex: Kysely<DB> = this.db.kysely): Promise<void> {
    await ex
      .updateTable('recurring_occurrences')
      .set({ status: 'scheduled' })
      .where('id', '=', occurrenceId)
      .where('status', '=', 'done')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('interventions').select('id').where('occurrence_id', '=', occurrenceId))))
      .execute();
  }

  /** The client's cancellation, only of an occurrence still scheduled: false when it no longer was. */
  async cancelByClient(occurrenceId: number, ex: Kysely<DB> = this.db.kysely): Promise<boolean> {
    const r = await ex
      .updateTable('recurring_occurrences')
      .set({ status: 'cancelled', changed_by: 'client' })
      .where('id', '=', occurrenceId)
      .where('status', '=', 'scheduled')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** The client's move, only of an occurrence still scheduled: false when it no longer was. */
  async moveByClient(occurrenceId: number, date: LocalDate, startTime: string, minutes: number, ex: Kysely<DB> = this.db.kysely): Promise<boolean> {
    const r = await ex
      .updateTable('recurring_occurrences')
      .set({ date, start_time: startTime, reserved_minutes: minutes, changed_by: 'client' })
      .where('id', '=', occurrenceId)
      .where('status', '=', 'scheduled')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async changes(scheduleId: number, ex: Kysely<DB> = this.db.kysely): Promise<ChangeRow[]> {
    return ex.selectFrom('recurring_changes').selectAll().where('schedule_id', '=', scheduleId).orderBy('id').execute();
  }

  async insertChange(c: Omit<Insertable<RecurringChangesTable>, 'id'>, ex: Kysely<DB> = this.db.kysely): Promise<void> {
    await ex
      .insertInto('recurring_changes')
      .values({
        ...c,
        requested_date: c.requested_date ?? null,
        requested_start_time: c.requested_start_time ?? null,
        requested_minutes: c.requested_minutes ?? null,
        requested_by: c.requested_by ?? null,
      })
      .execute();
  }
}
