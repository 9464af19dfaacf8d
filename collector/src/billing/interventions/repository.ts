import type { LocalDate } from '@vigie/shared';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
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

/**
 * Interventions (2.6), priced when recorded; frozen once invoiced (the migrations' triggers refuse
 * any change to what an invoiced one bills, on both engines). Writes take the caller's transaction.
 */
export class InterventionRepository {
  constructor(private readonly db: RelationalStore) {}

  async technicianRole(userId: number, ex: Kysely<DB> = this.db.kysely): Promise<string | undefined> {
    return (await ex.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst())?.role;
  }

  /**
   * Whether an intervention recorded before `beforeId` (any, for one not recorded yet: no id) is on
   * the occurrence already. No sentinel id: PostgreSQL's integer column refuses one beyond 2^31.
   */
  async earlierOnOccurrence(occurrenceId: number, beforeId: number | undefined, ex: Kysely<DB> = this.db.kysely): Promise<boolean> {
    let q = ex.selectFrom('interventions').select('id').where('occurrence_id', '=', occurrenceId);
    if (beforeId !== undefined) q = q.where('id', '<', beforeId);
    const r = await q.limit(1).executeTakeFirst();
    return r !== undefined;
  }

  /**
   * The intervention, locked until `tx` ends on PostgreSQL (SQLite's write transactions take turns
   * already): a correction and the month's invoicing do not both act on what they read.
   */
  async lockById(tx: Kysely<DB>, id: number): Promise<InterventionRow | undefined> {
    return tx
      .selectFrom('interventions')
      .selectAll()
      .where('id', '=', id)
      .$if(this.db.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
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

  async insert(i: NewIntervention, ex: Kysely<DB> = this.db.kysely): Promise<number> {
    const r = await ex
      .insertInto('interventions')
      .values({
        ...i,
        technician_id: i.technician_id ?? null,
        started_at: i.started_at ?? null,
        ended_at: i.ended_at ?? null,
        programmed_mode: i.programmed_mode ?? null,
        occurrence_id: i.occurrence_id ?? null,
        created_by: i.created_by ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  async update(id: number, i: InterventionChange, ex: Kysely<DB> = this.db.kysely): Promise<void> {
    await ex
      .updateTable('interventions')
      .set({
        technician_id: i.technician_id ?? null,
        date: i.date,
        started_at: i.started_at ?? null,
        ended_at: i.ended_at ?? null,
        minutes: i.minutes,
        kind: i.kind,
        mode: i.mode,
        programmed_mode: i.programmed_mode ?? null,
        travel_cents: i.travel_cents,
        meal_cents: i.meal_cents,
        lodging_cents: i.lodging_cents,
        notes: i.notes,
        grid_id: i.grid_id,
        unit: i.unit,
        unit_count: i.unit_count,
        unit_price_cents: i.unit_price_cents,
        amount_cents: i.amount_cents,
        rule: i.rule,
        updated_at: i.updated_at,
      })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: number, ex: Kysely<DB> = this.db.kysely): Promise<void> {
    await ex.deleteFrom('interventions').where('id', '=', id).execute();
  }
}
