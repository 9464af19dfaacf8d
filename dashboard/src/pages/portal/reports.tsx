import { useMemo } from 'preact/hooks';
import { MonthlyChart } from '../../components/monthly-chart.js';
import { Async, Empty, Section } from '../../components/ui.js';
import { currentLang, fmt, t } from '../../i18n/i18n.js';
import type { User } from '../../session.js';
import { useApi } from '../../use-api.js';

interface Report {
  id: number;
  month: string;
  pages: number;
  size: number;
  partial: boolean;
  generatedAt: number;
}

interface MonthStatistics {
  month: string;
  ticketsOpened: number;
  ticketsResolved: number;
  incidents: number;
  incidentsCritical: number;
  availabilityPct: number | null;
  interventions: number;
  interventionMinutes: number;
  interventionAmountCents: number;
  invoicedExclCents: number;
  invoicedInclCents: number;
}

/** Contract 3: the monthly activity reports of the current and previous year, downloadable. */
export function ReportsPage({ user: _user }: { user: User }) {
  const reports = useApi<{ reports: Report[] }>('/api/v1/reports');
  return (
    <>
      <h1>{t('nav.reports')}</h1>
      <Section title={t('reports.title')}>
        <Async state={reports}>
          {(r) =>
            r.reports.length === 0 ? (
              <Empty text={t('reports.none')} />
            ) : (
              <table class="table" data-testid="reports">
                <thead>
                  <tr>
                    <th>{t('finance.month')}</th>
                    <th>{t('reports.generated')}</th>
                    <th class="num">{t('reports.pages')}</th>
                    <th>{t('invoices.pdf')}</th>
                  </tr>
                </thead>
                <tbody>
                  {r.reports.map((rep) => (
                    <tr>
                      <td>
                        {fmt.month(rep.month)} {rep.partial ? <small class="muted">({t('reports.partial')})</small> : null}
                      </td>
                      <td class="muted">{fmt.dateTime(rep.generatedAt)}</td>
                      <td class="num">{rep.pages}</td>
                      <td>
                        <a href={`/api/v1/reports/${rep.id}/pdf?lang=${currentLang()}`} target="_blank" rel="noopener">
                          {t('invoices.download')}
                        </a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
      </Section>
    </>
  );
}

/** Contract 3: statistics of the service over two years, month by month. */
export function StatsPage({ user }: { user: User }) {
  const stats = useApi<{ months: MonthStatistics[] }>(user.clientId ? `/api/v1/clients/${user.clientId}/stats?months=24` : null);
  return (
    <>
      <h1>{t('stats.title')}</h1>
      <Async state={stats}>{(s) => <StatsCharts months={s.months} />}</Async>
    </>
  );
}

function StatsCharts({ months }: { months: MonthStatistics[] }) {
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
