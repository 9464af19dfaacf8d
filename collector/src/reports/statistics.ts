/**
 * Contract 3: statistics of the service over two years — per Paris month, tickets opened and
 * resolved, incidents, availability from the hourly heartbeat rollups, intervention time and
 * amounts, and what was invoiced (through the billing's finance view). One query per source for
 * the whole range, bucketed here; availability goes through the availability service.
 */
import { monthBounds, monthOf, monthPeriod, monthsEndingWith, parisDate, VigieError } from '@vigie/shared';
import { MAX_STATISTICS_MONTHS } from '@vigie/shared/api';
import type { InvoiceService } from '../billing/invoicing.js';
import type { AvailabilityService } from '../stats/service.js';
import type { Database } from '../store/database.js';
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
    private readonly db: Database,
    /** Counting hourly buckets for every month: a monthly series needs no finer grain. */
    private readonly availability: AvailabilityService,
    private readonly invoices: InvoiceService,
  ) {}

  async monthly(clientId: number, count: number, now = Date.now()) {
    if (!Number.isInteger(count) || count < 1 || count > MAX_STATISTICS_MONTHS)
      throw new VigieError('VALIDATION', `months must be 1 to ${MAX_STATISTICS_MONTHS}`);
    const today = parisDate(now);
    const months = monthsEndingWith(monthOf(today), count);
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
    await this.db.writeLock(() =>
      this.db.sqlite.transaction(() => {
        const sql = this.db.sqlite;
        if (!sql.prepare('SELECT 1 FROM clients WHERE id = ?').get(clientId)) throw new VigieError('NOT_FOUND');
        for (const [t] of sql
          .prepare('SELECT received_at FROM tickets WHERE client_id = ? AND received_at >= ? AND received_at < ?')
          .raw(true)
          .all(clientId, from, to) as [number][]) {
          const i = index(t);
          if (i >= 0) out[i]!.ticketsOpened++;
        }
        // A ticket counts once in each month it was resolved in (reopened and resolved again the next month: twice).
        const resolved = new Set<string>();
        for (const [ticketId, at, toStatus, fromStatus] of sql
          .prepare(
            `SELECT e.ticket_id, e.at, json_extract(e.body, '$.to'), json_extract(e.body, '$.from') FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
             WHERE t.client_id = ? AND e.type = 'status' AND e.at >= ? AND e.at < ?`,
          )
          .raw(true)
          .all(clientId, from, to) as [number, number, string, string][]) {
          const i = index(at);
          if (i < 0 || !isResolution({ ticketId, at, type: 'status', author: '', to: toStatus, from: fromStatus })) continue;
          if (!resolved.has(`${i}:${ticketId}`)) {
            resolved.add(`${i}:${ticketId}`);
            out[i]!.ticketsResolved++;
          }
        }
        for (const [t, severity] of sql
          .prepare('SELECT opened_at, severity FROM incidents WHERE client_id = ? AND opened_at >= ? AND opened_at < ?')
          .raw(true)
          .all(clientId, from, to) as [number, string][]) {
          const i = index(t);
          if (i < 0) continue;
          out[i]!.incidents++;
          if (severity === 'critical') out[i]!.incidentsCritical++;
        }
        const byMonth = new Map(out.map((m) => [m.month, m]));
        for (const [month, n, minutes, cents] of sql
          .prepare(
            `SELECT substr(date, 1, 7), count(*), sum(minutes), sum(amount_cents) FROM interventions WHERE client_id = ? AND date >= ? AND date <= ? GROUP BY 1`,
          )
          .raw(true)
          .all(clientId, monthBounds(months[0]!).start, monthBounds(months.at(-1)!).end) as [string, number, number, number][]) {
          const m = byMonth.get(month);
          if (m) Object.assign(m, { interventions: n, interventionMinutes: minutes, interventionAmountCents: cents });
        }
      })(),
    );
    for (const [i, month] of months.entries()) out[i]!.availabilityPct = (await this.availability.monthly(clientId, month, now)).clientAvailabilityPct;
    for (const f of await this.invoices.finance(clientId, today, count)) {
      const m = out.find((x) => x.month === f.month);
      if (m) Object.assign(m, { invoicedExclCents: f.invoicedExclCents, invoicedInclCents: f.invoicedInclCents });
    }
    return { clientId, from, to, months: out };
  }
}
