/**
 * Contract 3: statistics of the service over two years — per Paris month, tickets opened and
 * resolved, incidents, availability from the hourly heartbeat rollups, intervention time and
 * amounts, and what was invoiced (through the billing's finance view). One query per source for
 * the whole range, bucketed here; availability goes through the availability service (every month in
 * one go: a few metric store queries, whatever the number of devices and months).
 */
import { monthBounds, monthOf, monthPeriod, monthsEndingWith, parisDate, VigieError } from '@vigie/shared';
import { MAX_STATISTICS_MONTHS } from '@vigie/shared/api';
import type { InvoiceService } from '../billing/invoicing.js';
import type { AvailabilityService } from '../stats/service.js';
import type { RelationalStore } from '../store/relational-store.js';
import { isResolution } from './figures.js';

export interface MonthStatistics {
  month: string;
  ticketsOpened: number;
  ticketsResolved: number;
  incidents: number;
  incidentsCritical: number;
  /** Share of the month's hourly slots with a heartbeat, over the client's devices; null with no device. */
  availabilityPct: number | null;
  interventions: number;
  interventionMinutes: number;
  interventionAmountCents: number;
  invoicedExclCents: number;
  invoicedInclCents: number;
}

export { MAX_STATISTICS_MONTHS };

export class StatisticsService {
  constructor(
    private readonly db: RelationalStore,
    /** Counting hourly buckets for every month: a monthly series needs no finer grain. */
    private readonly availability: AvailabilityService,
    private readonly invoices: InvoiceService,
  ) {}

  async monthly(clientId: number, count: number, now = Date.now()) {
    if (!Number.isInteger(count) || count < 1 || count > MAX_STATISTICS_MONTHS)
      throw new VigieError('VALIDATION', `months must be 1 to ${MAX_STATISTICS_MONTHS}`);
    const today = parisDate(now);
    const months = monthsEndingWith(monthOf(today), count);
    const { from, to, months: out } = await activityByMonth(this.db, clientId, months);
    const availability = await this.availability.months(clientId, months, now);
    for (const [i, a] of availability.entries()) out[i]!.availabilityPct = a.clientAvailabilityPct;
    for (const f of await this.invoices.finance(clientId, today, count)) {
      const m = out.find((x) => x.month === f.month);
      if (m) Object.assign(m, { invoicedExclCents: f.invoicedExclCents, invoicedInclCents: f.invoicedInclCents });
    }
    return { clientId, from, to, months: out };
  }
}

/**
 * The database's part of the statistics: per Paris month (bounds from the shared calendar, passed as
 * parameters), tickets opened and resolved, incidents and interventions; availability and invoices
 * left at their defaults for the service to fill. The same figures on SQLite and PostgreSQL.
 */
export async function activityByMonth(db: RelationalStore, clientId: number, months: readonly string[]) {
  const periods = months.map((m) => monthPeriod(m));
  const from = periods[0]!.from;
  const to = periods.at(-1)!.to;
  const index = (t: number) => periods.findIndex((p) => t >= p.from && t < p.to);
  const out: MonthStatistics[] = months.map((month) => ({
    month,
    ticketsOpened: 0,
    ticketsResolved: 0,
    incidents: 0,
    incidentsCritical: 0,
    availabilityPct: null,
    interventions: 0,
    interventionMinutes: 0,
    interventionAmountCents: 0,
    invoicedExclCents: 0,
    invoicedInclCents: 0,
  }));
  // One snapshot for every source (repeatable read on PostgreSQL; SQLite's transaction is one already).
  // Periods are Paris months computed above (shared calendar): the SQL only compares instants and days.
  const tx = db.kysely.transaction();
  await (db.dialect === 'postgres' ? tx.setIsolationLevel('repeatable read') : tx).execute(async (db) => {
    if (!(await db.selectFrom('clients').select('id').where('id', '=', clientId).executeTakeFirst())) throw new VigieError('NOT_FOUND');
    const tickets = await db
      .selectFrom('tickets')
      .select('received_at')
      .where('client_id', '=', clientId)
      .where('received_at', '>=', from)
      .where('received_at', '<', to)
      .execute();
    for (const { received_at } of tickets) {
      const i = index(received_at);
      if (i >= 0) out[i]!.ticketsOpened++;
    }
    // A ticket counts once in each month it was resolved in (reopened and resolved again the next month: twice).
    const resolved = new Set<string>();
    const moves = await db
      .selectFrom('ticket_events as e')
      .innerJoin('tickets as t', 't.id', 'e.ticket_id')
      .select(['e.ticket_id', 'e.at', 'e.body'])
      .where('t.client_id', '=', clientId)
      .where('e.type', '=', 'status')
      .where('e.at', '>=', from)
      .where('e.at', '<', to)
      .execute();
    for (const { ticket_id: ticketId, at, body } of moves) {
      const i = index(at);
      const move = JSON.parse(body) as { to?: string; from?: string };
      if (i < 0 || !isResolution({ ticketId, at, type: 'status', author: '', to: move.to, from: move.from })) continue;
      if (!resolved.has(`${i}:${ticketId}`)) {
        resolved.add(`${i}:${ticketId}`);
        out[i]!.ticketsResolved++;
      }
    }
    const incidents = await db
      .selectFrom('incidents')
      .select(['opened_at', 'severity'])
      .where('client_id', '=', clientId)
      .where('opened_at', '>=', from)
      .where('opened_at', '<', to)
      .execute();
    for (const { opened_at, severity } of incidents) {
      const i = index(opened_at);
      if (i < 0) continue;
      out[i]!.incidents++;
      if (severity === 'critical') out[i]!.incidentsCritical++;
    }
    // Interventions are dated by their Paris day ('YYYY-MM-DD'): its month is its first seven characters.
    const byMonth = new Map(out.map((m) => [m.month, m]));
    const interventions = await db
      .selectFrom('interventions')
      .select(['date', 'minutes', 'amount_cents'])
      .where('client_id', '=', clientId)
      .where('date', '>=', monthBounds(months[0]!).start)
      .where('date', '<=', monthBounds(months.at(-1)!).end)
      .execute();
    for (const r of interventions) {
      const m = byMonth.get(r.date.slice(0, 7));
      if (!m) continue;
      m.interventions++;
      m.interventionMinutes += r.minutes;
      m.interventionAmountCents += r.amount_cents;
    }
  });
  return { from, to, months: out };
}
