import { assertLocalDate, type InterventionKind, type InterventionMode, type LocalDate, parisDate, VigieError } from '@vigie/shared';
import type { InterventionRow as InterventionView } from '@vigie/shared/api';
import type { Kysely } from 'kysely';
import { appendAuditInTransaction } from '../../audit/repository.js';
import type { SessionUser } from '../../auth/repository.js';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import { interventionStart } from '../../tickets/intervention-start.js';
import type { TicketService } from '../../tickets/service.js';
import { type Quote, quote } from '../billing-units.js';
import { fail } from '../contract-refusal.js';
import { gridOf } from '../contracts/price-grid.js';
import type { ContractService } from '../contracts/service.js';
import type { OccurrenceRow } from '../recurring/repository.js';
import type { RecurringService } from '../recurring/service.js';
import { TicketTimeline } from '../ticket-timeline.js';
import { type InterventionFilter, InterventionRepository } from './repository.js';

export interface InterventionInput {
  technicianId?: number;
  /** Paris date; defaults to the start's date. */
  date?: LocalDate;
  startedAt?: number;
  endedAt?: number;
  minutes?: number;
  kind?: InterventionKind;
  mode?: InterventionMode;
  programmedMode?: 'planned' | 'recurring';
  occurrenceId?: number;
  travelCents?: number;
  mealCents?: number;
  lodgingCents?: number;
  notes?: string;
}

/** A quote as the ticket's timeline records it. */
export function quoteBody(q: Quote) {
  return { unit: q.unit, count: q.count, unitPriceCents: q.unitPriceCents, amountCents: q.amountCents, rule: q.rule };
}

const INVOICED = 'Intervention déjà facturée : une facture émise ne se modifie pas, corrigez-la par un avoir';

/** Interventions (contract 2.6): recorded on a ticket, priced with the grid in force on their date, frozen once invoiced. */
export class InterventionService {
  readonly repo: InterventionRepository;
  private readonly timeline: TicketTimeline;

  constructor(
    private readonly db: RelationalStore,
    private readonly tickets: TicketService,
    private readonly contracts: ContractService,
    private readonly recurring: RecurringService,
  ) {
    this.repo = new InterventionRepository(db);
    this.timeline = new TicketTimeline(db);
  }

  private async billedQuote(
    tx: Kysely<DB>,
    clientId: number,
    kind: InterventionKind,
    mode: InterventionMode,
    minutes: number,
    date: LocalDate,
    occurrence: OccurrenceRow | undefined,
    /** The intervention being edited; none for a new one. */
    interventionId?: number,
  ): Promise<{ q: Quote; gridId: number }> {
    const g = await this.contracts.gridRowIn(clientId, date, tx);
    const grid = gridOf(g);
    // The reservation is billed once per occurrence, on its first intervention; a further one on the
    // same occurrence (a second visit, a request sent twice) is billed on its own time.
    const firstOnOccurrence = occurrence !== undefined && !(await this.repo.earlierOnOccurrence(occurrence.id, interventionId, tx));
    if (occurrence && firstOnOccurrence && occurrence.reserved_minutes > minutes) {
      // 2.6.1: the reserved time of a recurring occurrence is billed in full, which is why the
      // provider shortens the reservation when it proves out of proportion.
      const q = quote(grid, kind, mode, occurrence.reserved_minutes);
      return {
        q: { ...q, rule: `Intervention récurrente : ${occurrence.reserved_minutes} min réservées facturées en totalité (art. 2.6.1) — ${q.rule}` },
        gridId: g.id,
      };
    }
    return { q: quote(grid, kind, mode, minutes), gridId: g.id };
  }

  private resolveInterventionInput(t: { kind: InterventionKind; mode: InterventionMode }, input: InterventionInput) {
    let minutes = input.minutes;
    if (input.startedAt !== undefined || input.endedAt !== undefined) {
      if (input.startedAt === undefined || input.endedAt === undefined) fail('Début et fin vont ensemble');
      if (input.endedAt <= input.startedAt) fail('La fin d’une intervention doit suivre son début');
      const observed = Math.ceil((input.endedAt - input.startedAt) / 60_000);
      if (minutes !== undefined && minutes !== observed) fail(`Durée (${minutes} min) différente de fin − début (${observed} min)`);
      minutes = observed;
    }
    if (minutes === undefined) fail('Durée ou début et fin requis');
    if (!Number.isSafeInteger(minutes) || minutes <= 0) fail(`Durée invalide (minutes > 0 attendues) : ${minutes}`);
    if (minutes > 24 * 60) fail('Une intervention dure au plus 24 h : enregistrez une intervention par jour');
    const date = input.date ?? (input.startedAt !== undefined ? parisDate(input.startedAt) : undefined);
    if (date === undefined) fail('Date de l’intervention requise');
    assertLocalDate(date);
    const kind = input.kind ?? t.kind;
    const mode = input.mode ?? t.mode;
    const expenses = { travel: input.travelCents ?? 0, meal: input.mealCents ?? 0, lodging: input.lodgingCents ?? 0 };
    for (const [k, v] of Object.entries(expenses)) if (!Number.isSafeInteger(v) || v < 0) fail(`Frais ${k} invalides (centimes ≥ 0) : ${v}`);
    if (mode === 'remote' && expenses.travel + expenses.meal + expenses.lodging > 0)
      fail('Frais de déplacement, repas et hébergement : seulement pour une intervention sur site (art. 2.6)');
    if (kind === 'urgent' && (input.programmedMode || input.occurrenceId)) fail('Une intervention urgente n’est ni planifiée ni récurrente');
    const programmedMode = kind === 'programmed' ? (input.occurrenceId ? 'recurring' : (input.programmedMode ?? 'planned')) : null;
    if (programmedMode === 'recurring' && !input.occurrenceId) fail('Une intervention récurrente se rattache à une occurrence de sa programmation');
    return { minutes, date, kind, mode, expenses, programmedMode };
  }

  async recordIntervention(ticketId: number, input: InterventionInput, user: SessionUser, now = Date.now()): Promise<InterventionView> {
    return this.db.kysely
      .transaction()
      .execute(async (tx) => {
        const t = await this.timeline.ticketOf(ticketId, undefined, tx);
        const r = this.resolveInterventionInput(t, input);
        const technicianId = input.technicianId ?? user.id;
        const role = await this.repo.technicianRole(technicianId, tx);
        if (!role || role === 'client') fail('L’intervenant doit être un technicien ou un administrateur');
        let occurrence: OccurrenceRow | undefined;
        if (input.occurrenceId !== undefined) {
          occurrence = await this.recurring.repo.occurrenceOfClient(input.occurrenceId, t.client_id, tx);
          if (!occurrence) throw new VigieError('NOT_FOUND', 'No such occurrence for this client');
          if (occurrence.status === 'cancelled') fail('Cette occurrence a été annulée');
          if (r.kind !== 'programmed') fail('Une occurrence récurrente est une intervention programmée');
        }
        const { q, gridId } = await this.billedQuote(tx, t.client_id, r.kind, r.mode, r.minutes, r.date, occurrence);
        const id = await this.repo.insert(
          {
            client_id: t.client_id,
            ticket_id: ticketId,
            technician_id: technicianId,
            date: r.date,
            started_at: input.startedAt ?? null,
            ended_at: input.endedAt ?? null,
            minutes: r.minutes,
            kind: r.kind,
            mode: r.mode,
            programmed_mode: r.programmedMode,
            occurrence_id: occurrence?.id ?? null,
            travel_cents: r.expenses.travel,
            meal_cents: r.expenses.meal,
            lodging_cents: r.expenses.lodging,
            notes: input.notes ?? '',
            grid_id: gridId,
            unit: q.unit,
            unit_count: q.count,
            unit_price_cents: q.unitPriceCents,
            amount_cents: q.amountCents,
            rule: q.rule,
            created_by: user.id,
            created_at: now,
            updated_at: now,
          },
          tx,
        );
        await this.timeline.takeInCharge(tx, ticketId, interventionStart(input.startedAt, r.date));
        if (occurrence) await this.recurring.repo.markDone(occurrence.id, tx);
        const body = { interventionId: id, date: r.date, minutes: r.minutes, kind: r.kind, mode: r.mode, ...quoteBody(q) };
        await this.timeline.record(tx, ticketId, now, `user:${user.id}`, user.id, 'intervention', body);
        await appendAuditInTransaction(
          tx,
          this.db.dialect,
          `user:${user.id}`,
          'intervention.record',
          `intervention:${id}`,
          { ticketId, ...body },
          { clientId: t.client_id },
          now,
        );
        // 2.6.1: the programme's adjustment, if this occurrence completes a run of disproportionate
        // reservations, is part of the same write.
        const adjusted = occurrence ? await this.recurring.adjustSchedule(occurrence.schedule_id, now, tx) : undefined;
        return { id, clientId: t.client_id, adjusted };
      })
      .then(async ({ id, clientId, adjusted }) => {
        this.tickets.announce({ ticketId, clientId, type: 'time', actor: `user:${user.id}` });
        if (adjusted) this.tickets.announce({ ticketId: adjusted.ticketId, clientId: adjusted.clientId, type: 'comment', actor: 'billing' });
        return (await this.intervention(id))!;
      });
  }

  async intervention(id: number): Promise<InterventionView | undefined> {
    return this.repo.find(id);
  }

  async interventions(f: InterventionFilter): Promise<InterventionView[]> {
    return this.repo.list(f);
  }

  /** Corrects an intervention not yet invoiced (an invoiced one is frozen: credit note). */
  async updateIntervention(id: number, input: InterventionInput, user: SessionUser, now = Date.now()): Promise<InterventionView> {
    return this.db.kysely
      .transaction()
      .execute(async (tx) => {
        const cur = await this.repo.lockById(tx, id);
        if (!cur) throw new VigieError('NOT_FOUND');
        if (cur.invoice_id !== null) throw new VigieError('CONFLICT', INVOICED);
        const merged: InterventionInput = {
          technicianId: input.technicianId ?? cur.technician_id ?? undefined,
          date: input.date ?? (input.startedAt !== undefined ? undefined : cur.date),
          kind: input.kind ?? cur.kind,
          mode: input.mode ?? cur.mode,
          programmedMode: input.programmedMode ?? cur.programmed_mode ?? undefined,
          occurrenceId: cur.occurrence_id ?? undefined,
          travelCents: input.travelCents ?? cur.travel_cents,
          mealCents: input.mealCents ?? cur.meal_cents,
          lodgingCents: input.lodgingCents ?? cur.lodging_cents,
          notes: input.notes ?? cur.notes,
          ...(input.startedAt !== undefined || input.endedAt !== undefined
            ? { startedAt: input.startedAt, endedAt: input.endedAt }
            : input.minutes !== undefined
              ? { minutes: input.minutes }
              : cur.started_at !== null && cur.ended_at !== null
                ? { startedAt: cur.started_at, endedAt: cur.ended_at }
                : { minutes: cur.minutes }),
        };
        const t = await this.timeline.ticketOf(cur.ticket_id, undefined, tx);
        const r = this.resolveInterventionInput(t, merged);
        const occurrence = cur.occurrence_id ? await this.recurring.repo.occurrence(cur.occurrence_id, tx) : undefined;
        const { q, gridId } = await this.billedQuote(tx, cur.client_id, r.kind, r.mode, r.minutes, r.date, occurrence, id);
        await this.repo.update(
          id,
          {
            technician_id: merged.technicianId ?? null,
            date: r.date,
            started_at: merged.startedAt ?? null,
            ended_at: merged.endedAt ?? null,
            minutes: r.minutes,
            kind: r.kind,
            mode: r.mode,
            programmed_mode: r.programmedMode,
            travel_cents: r.expenses.travel,
            meal_cents: r.expenses.meal,
            lodging_cents: r.expenses.lodging,
            notes: merged.notes ?? '',
            grid_id: gridId,
            unit: q.unit,
            unit_count: q.count,
            unit_price_cents: q.unitPriceCents,
            amount_cents: q.amountCents,
            rule: q.rule,
            updated_at: now,
          },
          tx,
        );
        await this.timeline.takeInCharge(tx, cur.ticket_id, interventionStart(merged.startedAt, r.date));
        const body = {
          interventionId: id,
          before: { date: cur.date, minutes: cur.minutes, kind: cur.kind, mode: cur.mode, amountCents: cur.amount_cents },
          date: r.date,
          minutes: r.minutes,
          kind: r.kind,
          mode: r.mode,
          ...quoteBody(q),
        };
        await this.timeline.record(tx, cur.ticket_id, now, `user:${user.id}`, user.id, 'intervention_changed', body);
        await appendAuditInTransaction(
          tx,
          this.db.dialect,
          `user:${user.id}`,
          'intervention.update',
          `intervention:${id}`,
          body,
          { clientId: cur.client_id },
          now,
        );
        return cur;
      })
      .then(async (cur) => {
        this.tickets.announce({ ticketId: cur.ticket_id, clientId: cur.client_id, type: 'time', actor: `user:${user.id}` });
        return (await this.intervention(id))!;
      });
  }

  async deleteIntervention(id: number, user: SessionUser, now = Date.now()): Promise<void> {
    await this.db.kysely.transaction().execute(async (tx) => {
      const cur = await this.repo.lockById(tx, id);
      if (!cur) throw new VigieError('NOT_FOUND');
      if (cur.invoice_id !== null) throw new VigieError('CONFLICT', INVOICED);
      await this.repo.delete(id, tx);
      // The occurrence is to be done again only when no other intervention on it remains.
      if (cur.occurrence_id) await this.recurring.repo.reopenIfUnworked(cur.occurrence_id, tx);
      const body = { interventionId: id, date: cur.date, minutes: cur.minutes };
      await this.timeline.record(tx, cur.ticket_id, now, `user:${user.id}`, user.id, 'intervention_deleted', body);
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'intervention.delete',
        `intervention:${id}`,
        body,
        { clientId: cur.client_id },
        now,
      );
    });
  }
}
