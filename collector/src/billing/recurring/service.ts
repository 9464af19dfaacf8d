import {
  addDays,
  addMonths,
  assertLocalDate,
  businessDayOnOrAfter,
  type InterventionMode,
  isBusinessDay,
  isProgrammed,
  type LocalDate,
  parisDate,
  refusal,
  VigieError,
} from '@vigie/shared';
import type { Schedule, ScheduleDetail } from '@vigie/shared/api';
import type { Kysely, Transaction } from 'kysely';
import { appendAuditInTransaction } from '../../audit/repository.js';
import type { SessionUser } from '../../auth/repository.js';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import type { TicketService } from '../../tickets/service.js';
import { fail } from '../contract-refusal.js';
import type { ContractService } from '../contracts/service.js';
import { TicketTimeline } from '../ticket-timeline.js';
import { type DoneOccurrence, RecurringRepository, type ScheduleRow } from './repository.js';

export interface ScheduleInput {
  ticketId: number;
  title: string;
  mode: InterventionMode;
  period: 'weekly' | 'monthly';
  firstDate: LocalDate;
  untilDate?: LocalDate;
  /** 'HH:MM', Paris time. */
  startTime: string;
  reservedMinutes: number;
}

export interface ChangeRequest {
  date?: LocalDate;
  startTime?: string;
  minutes?: number;
  cancel?: boolean;
}

/** Recurring programmes: how many occurrences ahead are kept materialised. */
const OCCURRENCES_AHEAD = 12;
/** 2.6.1 "disproportionnée": this many consecutive occurrences using at most this share of the reservation. */
export const ADJUST_AFTER_OCCURRENCES = 3;
export const ADJUST_MAX_SHARE = 0.5;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Rounds up to the next multiple of 15 minutes. */
const ceilQuarter = (minutes: number) => Math.ceil(minutes / 15) * 15;

/**
 * Contract 2.6.1's adjustment after the last done occurrences (newest first): the shortened
 * reservation, or undefined when the programme keeps its own.
 */
function adjustmentOf(s: ScheduleRow, done: DoneOccurrence[]): { target: number; after: LocalDate } | undefined {
  if (done.length < ADJUST_AFTER_OCCURRENCES) return undefined;
  if (!done.every((o) => o.recorded <= o.reserved_minutes * ADJUST_MAX_SHARE)) return undefined;
  const target = Math.max(15, ceilQuarter(Math.max(...done.map((o) => o.recorded)) * 1.25));
  if (target >= s.reserved_minutes) return undefined;
  return { target, after: done[0]!.date };
}

/** Recurring programmes (contract 2.6.1): occurrences, the client's changes, the provider's adjustment. */
export class RecurringService {
  readonly repo: RecurringRepository;
  private readonly timeline: TicketTimeline;

  constructor(
    private readonly db: RelationalStore,
    private readonly tickets: TicketService,
    private readonly contracts: ContractService,
  ) {
    this.repo = new RecurringRepository(db);
    this.timeline = new TicketTimeline(db);
  }

  /** One transaction; every read and write in it takes its `tx`. */
  private transaction<T>(fn: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.db.kysely.transaction().execute(fn);
  }

  async createSchedule(clientId: number, input: ScheduleInput, user: SessionUser, now = Date.now()): Promise<number> {
    assertLocalDate(input.firstDate);
    if (input.untilDate !== undefined) {
      assertLocalDate(input.untilDate);
      if (input.untilDate < input.firstDate) fail('La fin de la programmation précède son début');
    }
    if (!TIME.test(input.startTime)) fail(`Heure invalide (HH:MM) : ${input.startTime}`);
    if (!Number.isSafeInteger(input.reservedMinutes) || input.reservedMinutes <= 0 || input.reservedMinutes > 8 * 60)
      fail('Durée réservée invalide (1 à 480 min par occurrence)');
    return this.transaction(async (tx) => {
      const t = await this.timeline.ticketOf(input.ticketId, clientId, tx);
      if (!isProgrammed(now, input.firstDate)) fail('Une programmation récurrente commence au moins 5 jours ouvrés après la demande (art. 2.6.1)');
      await this.contracts.gridRowIn(t.client_id, input.firstDate, tx);
      const id = await this.repo.insertSchedule(
        {
          client_id: clientId,
          ticket_id: input.ticketId,
          title: input.title,
          mode: input.mode,
          period: input.period,
          first_date: input.firstDate,
          until_date: input.untilDate ?? null,
          start_time: input.startTime,
          reserved_minutes: input.reservedMinutes,
          created_by: user.id,
          created_at: now,
        },
        tx,
      );
      await this.materialise(id, parisDate(now), tx);
      await this.timeline.record(tx, input.ticketId, now, `user:${user.id}`, user.id, 'recurring', {
        scheduleId: id,
        text: `Programmation récurrente (${input.period === 'weekly' ? 'hebdomadaire' : 'mensuelle'}) : ${input.reservedMinutes} min réservées à partir du ${input.firstDate} à ${input.startTime}`,
      });
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'recurring.create',
        `schedule:${id}`,
        { ticketId: input.ticketId, period: input.period, firstDate: input.firstDate, reservedMinutes: input.reservedMinutes },
        { clientId, result: 'ok' },
        now,
      );
      return id;
    });
  }

  private slotDate(s: ScheduleRow, slot: number): LocalDate {
    return s.period === 'weekly' ? addDays(s.first_date, 7 * slot) : addMonths(s.first_date, slot);
  }

  /** Keeps OCCURRENCES_AHEAD scheduled occurrences from `today` on (in `tx`; a slot already there stays as it is). */
  private async materialise(scheduleId: number, today: LocalDate, tx: Kysely<DB>): Promise<void> {
    const s = (await this.repo.schedule(scheduleId, tx))!;
    if (!s.active) return;
    const last = await this.repo.lastSlot(scheduleId, tx);
    const ahead = await this.repo.countFrom(scheduleId, today, tx);
    let slot = (last ?? -1) + 1;
    for (let n = ahead; n < OCCURRENCES_AHEAD; slot++) {
      const nominal = this.slotDate(s, slot);
      if (s.until_date && nominal > s.until_date) break;
      // A Saturday, a Sunday or a public holiday: the next business day (the list says it moved).
      const date = businessDayOnOrAfter(nominal);
      await this.repo.insertOccurrence(
        {
          schedule_id: scheduleId,
          slot,
          date,
          moved_from: date === nominal ? null : nominal,
          start_time: s.start_time,
          reserved_minutes: s.reserved_minutes,
        },
        tx,
      );
      if (date >= today) n++;
    }
  }

  async schedule(scheduleId: number, now = Date.now()): Promise<ScheduleDetail | undefined> {
    return this.transaction(async (tx) => {
      const s = await this.repo.schedule(scheduleId, tx);
      if (!s) return undefined;
      await this.materialise(scheduleId, parisDate(now), tx);
      return { schedule: s, occurrences: await this.repo.occurrencesWithRecorded(scheduleId, tx), changes: await this.repo.changes(scheduleId, tx) };
    });
  }

  async schedules(clientId: number | undefined): Promise<Schedule[]> {
    return this.repo.schedules(clientId);
  }

  async scheduleClient(scheduleId: number): Promise<number | undefined> {
    return this.repo.scheduleClient(scheduleId);
  }

  /**
   * Contract 2.6.1: a client's change of date or duration of an occurrence counts only if it reaches
   * the provider at least 5 business days before the next intervention of the programme. Refused
   * requests are kept, with their reason, and answered with an error.
   */
  async requestChange(scheduleId: number, occurrenceId: number, change: ChangeRequest, receivedAt: number, user: SessionUser) {
    if (change.date !== undefined) {
      assertLocalDate(change.date);
      if (!isBusinessDay(change.date)) throw refusal('VALIDATION', 'recurring_weekend', `${change.date} is not a business day`, { date: change.date }, '/date');
    }
    if (change.startTime !== undefined && !TIME.test(change.startTime)) fail(`Heure invalide (HH:MM) : ${change.startTime}`);
    if (change.minutes !== undefined && (!Number.isSafeInteger(change.minutes) || change.minutes <= 0 || change.minutes > 480))
      fail('Durée invalide (1 à 480 min)');
    if (!change.cancel && change.date === undefined && change.startTime === undefined && change.minutes === undefined) fail('Aucun changement demandé');
    const noLongerScheduled = 'Cette occurrence n’est plus programmée';
    return this.transaction(async (tx) => {
      const s = await this.repo.schedule(scheduleId, tx);
      if (!s) throw new VigieError('NOT_FOUND');
      const today = parisDate(receivedAt);
      await this.materialise(scheduleId, today, tx);
      const occ = await this.repo.occurrenceOfSchedule(occurrenceId, scheduleId, tx);
      if (!occ) throw new VigieError('NOT_FOUND', 'No such occurrence');
      if (occ.status !== 'scheduled') fail(noLongerScheduled);
      const next = await this.repo.nextScheduled(scheduleId, today, tx);
      let reason = '';
      if (!next || occ.date < today) reason = 'Occurrence passée';
      else if (!isProgrammed(receivedAt, next.date))
        reason = `Demande reçue le ${today} : moins de 5 jours ouvrés avant la prochaine intervention du ${next.date} (art. 2.6.1)`;
      else if (change.date !== undefined && !isProgrammed(receivedAt, change.date))
        reason = `La nouvelle date (${change.date}) doit être à 5 jours ouvrés ou plus de la demande (art. 2.6.1)`;
      const accepted = reason === '';
      if (accepted) reason = 'Reçue au moins 5 jours ouvrés avant la prochaine intervention (art. 2.6.1)';
      await this.repo.insertChange(
        {
          schedule_id: scheduleId,
          occurrence_id: occurrenceId,
          received_at: receivedAt,
          requested_date: change.date ?? null,
          requested_start_time: change.startTime ?? null,
          requested_minutes: change.minutes ?? (change.cancel ? 0 : null),
          accepted: accepted ? 1 : 0,
          reason,
          requested_by: user.id,
        },
        tx,
      );
      const what = change.cancel
        ? `annulation de l’occurrence du ${occ.date}`
        : `occurrence du ${occ.date} → ${[change.date, change.startTime, change.minutes !== undefined ? `${change.minutes} min` : undefined].filter(Boolean).join(', ')}`;
      await this.timeline.record(tx, s.ticket_id, receivedAt, `user:${user.id}`, user.id, 'recurring', {
        scheduleId,
        text: `${accepted ? 'Changement accepté' : 'Changement refusé'} : ${what}. ${reason}`,
      });
      if (accepted) {
        // Conditional on the occurrence still being scheduled: a cancellation sent twice at once
        // (two collectors) cancels it once; the second is refused, its request rolled back.
        const applied = change.cancel
          ? await this.repo.cancelByClient(occurrenceId, tx)
          : await this.repo.moveByClient(occurrenceId, change.date ?? occ.date, change.startTime ?? occ.start_time, change.minutes ?? occ.reserved_minutes, tx);
        if (!applied) fail(noLongerScheduled);
      }
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'recurring.change',
        `schedule:${scheduleId}`,
        { occurrenceId, change, accepted, reason },
        { clientId: s.client_id, result: accepted ? 'ok' : 'refused: 2.6.1' },
        receivedAt,
      );
      return { accepted, reason, clientId: s.client_id, ticketId: s.ticket_id };
    }).then((r) => {
      this.tickets.announce({ ticketId: r.ticketId, clientId: r.clientId, type: 'comment', actor: `user:${user.id}` });
      if (!r.accepted) throw new VigieError('CONFLICT', r.reason, { accepted: false });
      return r;
    });
  }

  /**
   * Contract 2.6.1: when the last ADJUST_AFTER_OCCURRENCES done occurrences each used at most
   * ADJUST_MAX_SHARE of their reservation, the following occurrences are shortened to the longest
   * time recorded plus a quarter (to the next quarter-hour), and the client is told in the ticket.
   * Occurrences the client changed keep their requested duration.
   * Runs inside the transaction `tx` that records the intervention completing the run.
   */
  async adjustSchedule(scheduleId: number, now: number, tx: Kysely<DB>): Promise<{ from: number; to: number; clientId: number; ticketId: number } | undefined> {
    const s = await this.repo.schedule(scheduleId, tx);
    if (!s) return undefined;
    const done = await this.repo.lastDone(scheduleId, ADJUST_AFTER_OCCURRENCES, tx);
    const adjustment = adjustmentOf(s, done);
    if (!adjustment) return undefined;
    const { target, after } = adjustment;
    await this.repo.setReservedMinutes(scheduleId, target, tx);
    const changed = await this.repo.shortenAfter(scheduleId, after, target, tx);
    const list = done
      .slice()
      .reverse()
      .map((o) => `${o.date} : ${o.recorded} min sur ${o.reserved_minutes}`)
      .join(', ');
    await this.timeline.record(tx, s.ticket_id, now, 'system:billing', null, 'recurring', {
      scheduleId,
      text: `Ajustement automatique de la programmation (art. 2.6.1) : les ${done.length} dernières interventions ont consommé bien moins que le temps réservé (${list}). Les prochaines occurrences (${changed}) sont réservées pour ${target} min au lieu de ${s.reserved_minutes} min.`,
    });
    return { from: s.reserved_minutes, to: target, clientId: s.client_id, ticketId: s.ticket_id };
  }
}
