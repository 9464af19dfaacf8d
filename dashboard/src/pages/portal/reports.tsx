import type { ReportList, Statistics } from '@vigie/shared/api';
import { Async, Empty, Section } from '../../components/ui.js';
import { currentLang, fmt, t } from '../../i18n/i18n.js';
import type { User } from '../../session.js';
import { useApi } from '../../use-api.js';
import { StatsCharts } from '../reports/stats-charts.js';

/** Contract 3: the monthly activity reports of the current and previous year, downloadable. */
export function ReportsPage({ user: _user }: { user: User }) {
  const reports = useApi<ReportList>('/api/v1/reports');
  return (
    <>
      <h1>{t('nav.reports')}</h1>
      <Section title={t('reports.title')}>
        <Async state={reports}>
          {(r) =>
            r.reports.length === 0 ? (
              <Empty text={t('reports.none')} />
            ) : (
              <table class="table cards" data-testid="reports">
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
                      <td class="card-title">
                        {fmt.month(rep.month)} {rep.partial ? <small class="muted">({t('reports.partial')})</small> : null}
                      </td>
                      <td class="muted" data-label={t('reports.generated')}>
                        {fmt.dateTime(rep.generatedAt)}
                      </td>
                      <td class="num" data-label={t('reports.pages')}>
                        {rep.pages}
                      </td>
                      <td data-label={t('invoices.pdf')}>
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
  const stats = useApi<Statistics>(user.clientId ? `/api/v1/clients/${user.clientId}/stats?months=24` : null);
  return (
    <>
      <h1>{t('stats.title')}</h1>
      <Async state={stats}>{(s) => <StatsCharts months={s.months} />}</Async>
    </>
  );
}
