import type { LocalDate } from '@vigie/shared';
import type { Insertable, Selectable } from 'kysely';
import type { Database } from '../../store/database.js';
import type { InterventionsTable } from '../../store/schema-billing.js';

export type InterventionRow = Selectable<InterventionsTable>;
/** What is written when an intervention is recorded. */
export type NewIntervention = Omit<Insertable<InterventionsTable>, 'id' | 'invoice_id'>;
/** What a correction rewrites (the client, ticket and occurrence stay). */
export type InterventionChange = Omit<NewIntervention, 'client_id' | 'ticket_id' | 'occurrence_id' | 'created_by' | 'created_at'>;

export interface InterventionFilter {
  clientId?: number;
  ticketId?: number;
  from?: LocalDate;
  to?: LocalDate;
  limit?: number;
}

/** Interventions (2.6), priced when recorded. Writes are synchronous: inside the callers' transactions. */
export class InterventionRepository {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  technicianRole(userId: number): string | undefined {
    return (this.sql.prepare('SELECT role FROM users WHERE id = ?').get(userId) as { role: string } | undefined)?.role;
  }

  /** Whether an intervention recorded before `beforeId` is on the occurrence already. */
  earlierOnOccurrence(occurrenceId: number, beforeId: number): boolean {
    return this.sql.prepare('SELECT 1 FROM interventions WHERE occurrence_id = ? AND id < ? LIMIT 1').get(occurrenceId, beforeId) !== undefined;
  }

  byId(id: number): InterventionRow | undefined {
    return this.sql.prepare('SELECT * FROM interventions WHERE id = ?').get(id) as InterventionRow | undefined;
  }

  async find(id: number): Promise<InterventionRow | undefined> {
    return this.db.kysely.selectFrom('interventions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(f: InterventionFilter): Promise<InterventionRow[]> {
    let q = this.db.kysely.selectFrom('interventions').selectAll();
    if (f.clientId !== undefined) q = q.where('client_id', '=', f.clientId);
    if (f.ticketId !== undefined) q = q.where('ticket_id', '=', f.ticketId);
    if (f.from !== undefined) q = q.where('date', '>=', f.from);
    if (f.to !== undefined) q = q.where('date', '<=', f.to);
    return q
      .orderBy('date')
      .orderBy('id')
      .limit(f.limit ?? 1000)
      .execute();
  }

  insert(i: NewIntervention): number {
    const r = this.sql
      .prepare(
        `INSERT INTO interventions (client_id, ticket_id, technician_id, date, started_at, ended_at, minutes, kind, mode, programmed_mode, occurrence_id,
           travel_cents, meal_cents, lodging_cents, notes, grid_id, unit, unit_count, unit_price_cents, amount_cents, rule, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        i.client_id,
        i.ticket_id,
        i.technician_id ?? null,
        i.date,
        i.started_at ?? null,
        i.ended_at ?? null,
        i.minutes,
        i.kind,
        i.mode,
        i.programmed_mode ?? null,
        i.occurrence_id ?? null,
        i.travel_cents,
        i.meal_cents,
        i.lodging_cents,
        i.notes,
        i.grid_id,
        i.unit,
        i.unit_count,
        i.unit_price_cents,
        i.amount_cents,
        i.rule,
        i.created_by ?? null,
        i.created_at,
        i.updated_at,
      );
    return Number(r.lastInsertRowid);
  }

  update(id: number, i: InterventionChange): void {
    this.sql
      .prepare(
        `UPDATE interventions SET technician_id = ?, date = ?, started_at = ?, ended_at = ?, minutes = ?, kind = ?, mode = ?, programmed_mode = ?,
           travel_cents = ?, meal_cents = ?, lodging_cents = ?, notes = ?, grid_id = ?, unit = ?, unit_count = ?, unit_price_cents = ?, amount_cents = ?, rule = ?, updated_at = ?
         WHERE id = ?`,
      )
      .run(
        i.technician_id ?? null,
        i.date,
        i.started_at ?? null,
        i.ended_at ?? null,
        i.minutes,
        i.kind,
        i.mode,
        i.programmed_mode ?? null,
        i.travel_cents,
        i.meal_cents,
        i.lodging_cents,
        i.notes,
        i.grid_id,
        i.unit,
        i.unit_count,
        i.unit_price_cents,
        i.amount_cents,
        i.rule,
        i.updated_at,
        id,
      );
  }

  delete(id: number): void {
    this.sql.prepare('DELETE FROM interventions WHERE id = ?').run(id);
  }
}
