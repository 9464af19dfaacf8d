import type { MonthStatistics } from '@vigie/shared/api';
import { useMemo } from 'preact/hooks';
import { MonthlyChart } from '../../components/monthly-chart.js';
import { Section } from '../../components/ui.js';
import { fmt, t } from '../../i18n/i18n.js';

export type { MonthStatistics };

/** Contract 3: a client's service month by month (tickets, incidents, availability, time, invoiced), two years at most. */
export function StatsCharts({ months }: { months: MonthStatistics[] }) {
  const labels = useMemo(() => months.map((m) => m.month), [months]);
  const count = (v: number) => fmt.number(v);
  const charts = useMemo(
    () => ({
      tickets: [
        { label: t('stats.ticketsOpened'), values: months.map((m) => m.ticketsOpened), color: '#2563eb', bars: true },
        { label: t('stats.ticketsResolved'), values: months.map((m) => m.ticketsResolved), color: '#16a34a' },
      ],
      incidents: [
        { label: t('stats.incidents'), values: months.map((m) => m.incidents), color: '#d97706', bars: true },
        { label: t('stats.incidentsCritical'), values: months.map((m) => m.incidentsCritical), color: '#dc2626' },
      ],
      availability: [{ label: t('stats.availability'), values: months.map((m) => m.availabilityPct), color: '#16a34a' }],
      time: [{ label: t('stats.interventionHours'), values: months.map((m) => m.interventionMinutes / 60), color: '#7c3aed', bars: true }],
      invoiced: [{ label: t('finance.invoiced'), values: months.map((m) => m.invoicedInclCents / 100), color: '#0891b2', bars: true }],
    }),
    [months],
  );
  return (
    <div class="charts" data-testid="stats">
      <Section title={t('nav.tickets')}>
        <MonthlyChart months={labels} series={charts.tickets} format={count} title={t('nav.tickets')} />
      </Section>
      <Section title={t('nav.incidents')}>
        <MonthlyChart months={labels} series={charts.incidents} format={count} title={t('nav.incidents')} />
      </Section>
      <Section title={t('stats.availability')}>
        <MonthlyChart months={labels} series={charts.availability} format={(v) => `${fmt.number(v)} %`} title={t('stats.availability')} range={[0, 100]} />
      </Section>
      <Section title={t('stats.interventionHours')}>
        <MonthlyChart months={labels} series={charts.time} format={(v) => `${fmt.number(v)} h`} title={t('stats.interventionHours')} />
      </Section>
      <Section title={t('finance.invoiced')}>
        <MonthlyChart months={labels} series={charts.invoiced} format={(v) => fmt.money(Math.round(v * 100))} title={t('finance.invoiced')} />
      </Section>
    </div>
  );
}
