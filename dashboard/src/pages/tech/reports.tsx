import type { ClientList, ReportList } from '@vigie/shared/api';
import { monthOf, shiftMonth } from '@vigie/shared/calendar';
import { useState } from 'preact/hooks';
import { api, qs } from '../../api.js';
import { Async, Empty, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { currentLang, fmt, parisToday, t, tOr } from '../../i18n/i18n.js';
import { useHashQuery } from '../../router.js';
import { useApi } from '../../use-api.js';
import { JobProgress, JobsTable, type ReportJob } from '../reports/report-jobs.js';

/**
 * Issue 9, point 4: every client's monthly reports by year, their PDF, regenerate and resend, and
 * the report jobs with their state and progress, followed while they run.
 */
export function ReportsAdminPage() {
  const hq = useHashQuery();
  const clients = useApi<ClientList>('/api/v1/clients');
  const thisYear = Number(parisToday().slice(0, 4));
  const [clientId, setClientId] = useState(hq.get('clientId') ?? '');
  const [year, setYear] = useState(String(thisYear));
  const reports = useApi<ReportList>(`/api/v1/reports${qs({ clientId, year })}`);
  const [followed, setFollowed] = useState<ReportJob[]>([]);
  const [jobsKey, setJobsKey] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const clientName = (id: number | null) => clients.data?.clients.find((c) => c.id === id)?.name ?? (id === null ? '' : `#${id}`);

  const start = async (path: string, body: unknown) => {
    setError(null);
    try {
      const job = await api<ReportJob>(path, { body });
      setFollowed((list) => [job, ...list.filter((j) => j.id !== job.id)].slice(0, 5));
      setJobsKey((k) => k + 1);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const finished = () => {
    reports.reload();
    setJobsKey((k) => k + 1);
  };

  return (
    <>
      <h1>{t('reports.adminTitle')}</h1>
      <Section title={t('reports.generate')}>
        <GenerateForm clients={clients.data?.clients ?? []} defaultClient={clientId} onStart={(body) => start('/api/v1/reports/generate', body)} />
        {error && <p class="error">{error}</p>}
        {followed.length > 0 && (
          <div class="stack" data-testid="followed-jobs">
            {followed.map((j) => (
              <JobProgress key={j.id} job={j} onFinished={finished} />
            ))}
          </div>
        )}
      </Section>
      <Section
        title={t('reports.title')}
        actions={
          <div class="row">
            <label>
              {t('overview.client')}
              <select value={clientId} onChange={(e) => setClientId((e.currentTarget as HTMLSelectElement).value)} data-testid="reports-client">
                <option value="">{t('reports.allClients')}</option>
                {clients.data?.clients.map((c) => (
                  <option value={String(c.id)}>{c.name}</option>
                ))}
              </select>
            </label>
            <label>
              {t('reports.year')}
              <select value={year} onChange={(e) => setYear((e.currentTarget as HTMLSelectElement).value)} data-testid="reports-year">
                {[0, 1, 2, 3].map((n) => (
                  <option value={String(thisYear - n)}>{thisYear - n}</option>
                ))}
              </select>
            </label>
          </div>
        }
      >
        <Async state={reports}>
          {(r) =>
            r.reports.length === 0 ? (
              <Empty text={t('reports.noneYear')} />
            ) : (
              <table class="table" data-testid="reports">
                <thead>
                  <tr>
                    <th>{t('overview.client')}</th>
                    <th>{t('finance.month')}</th>
                    <th>{t('reports.generated')}</th>
                    <th class="num">{t('reports.revision')}</th>
                    <th class="num">{t('reports.pages')}</th>
                    <th>{t('reports.delivery')}</th>
                    <th>{t('invoices.pdf')}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {r.reports.map((rep) => {
                    const last = rep.deliveries.at(-1);
                    return (
                      <tr data-report={`${rep.clientId}:${rep.month}`}>
                        <td>{clientName(rep.clientId)}</td>
                        <td>
                          {fmt.month(rep.month)} {rep.partial ? <small class="muted">({t('reports.partial')})</small> : null}
                        </td>
                        <td class="muted">{fmt.dateTime(rep.generatedAt)}</td>
                        <td class="num" data-testid="revision">
                          {rep.revision}
                        </td>
                        <td class="num">{rep.pages}</td>
                        <td data-testid="delivery">
                          {last ? (
                            <>
                              {tOr(`delivery.${last.status}`, last.status)}
                              {last.sentAt ? ` ${t('reports.sentOn', { date: fmt.dateTime(last.sentAt) })}` : ''}
                              {last.recipients.length ? <span class="muted small"> · {last.recipients.join(', ')}</span> : null}
                              {last.error ? <div class="text-critical small">{last.error}</div> : null}
                            </>
                          ) : (
                            <span class="muted">{t('reports.notSent')}</span>
                          )}
                        </td>
                        <td>
                          <a href={`/api/v1/reports/${rep.id}/pdf?lang=${currentLang()}`} target="_blank" rel="noopener" data-testid="report-pdf">
                            {t('invoices.download')}
                          </a>
                        </td>
                        <td class="actions">
                          <button
                            type="button"
                            class="secondary small"
                            onClick={() => start('/api/v1/reports/generate', { month: rep.month, clientId: rep.clientId, send: false })}
                          >
                            {t('reports.regenerate')}
                          </button>{' '}
                          <button type="button" class="secondary small" onClick={() => start(`/api/v1/reports/${rep.id}/resend`, {})}>
                            {t('reports.resend')}
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )
          }
        </Async>
      </Section>
      <Section title={t('job.list')}>
        <JobsTable clientName={clientName} refreshKey={jobsKey} />
      </Section>
    </>
  );
}

/** A month's reports for one client or all, mailed or not. */
function GenerateForm({
  clients,
  defaultClient,
  onStart,
}: {
  clients: { id: number; name: string }[];
  defaultClient: string;
  onStart: (body: { month: string; clientId?: number; send: boolean }) => void;
}) {
  const lastMonth = shiftMonth(monthOf(parisToday()), -1);
  const [month, setMonth] = useState(lastMonth);
  const [clientId, setClientId] = useState(defaultClient);
  const [send, setSend] = useState(false);
  return (
    <form
      class="row wrap"
      onSubmit={(e) => {
        e.preventDefault();
        onStart({ month, send, ...(clientId ? { clientId: Number(clientId) } : {}) });
      }}
    >
      <label>
        {t('finance.month')}
        <input
          type="month"
          required
          value={month}
          max={monthOf(parisToday())}
          onInput={(e) => setMonth((e.currentTarget as HTMLInputElement).value)}
          data-testid="generate-month"
        />
      </label>
      <label>
        {t('overview.client')}
        <select value={clientId} onChange={(e) => setClientId((e.currentTarget as HTMLSelectElement).value)} data-testid="generate-client">
          <option value="">{t('reports.allClients')}</option>
          {clients.map((c) => (
            <option value={String(c.id)}>{c.name}</option>
          ))}
        </select>
      </label>
      <label class="check">
        <input type="checkbox" checked={send} onChange={(e) => setSend((e.currentTarget as HTMLInputElement).checked)} />
        {t('reports.sendToo')}
      </label>
      <button type="submit" disabled={!/^\d{4}-\d{2}$/.test(month)}>
        {t('reports.generateButton')}
      </button>
    </form>
  );
}
