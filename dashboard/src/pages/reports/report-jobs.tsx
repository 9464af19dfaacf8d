import type { JobList, ReportJob } from '@vigie/shared/api';
import { useEffect } from 'preact/hooks';
import { Badge, Empty } from '../../components/ui.js';
import { fmt, t, tOr } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';

export type { ReportJob };

export type JobStatus = 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed';

export const jobActive = (j: { status: JobStatus }) => j.status === 'queued' || j.status === 'running' || j.status === 'retrying';

/** Calls `reload` every `ms` while `active` (a job runs: no live message says when it moves). */
export function usePolling(reload: () => void, active: boolean, ms = 1000): void {
  useEffect(() => {
    if (!active) return;
    const every = setInterval(reload, ms);
    return () => clearInterval(every);
  }, [reload, active, ms]);
}

const STATUS_CLASS: Record<JobStatus, string> = {
  queued: 'state-unknown',
  running: 'ticket-in_progress',
  retrying: 'state-warning',
  succeeded: 'state-ok',
  failed: 'state-critical',
};

export function JobStatusBadge({ status }: { status: JobStatus }) {
  return <Badge kind={STATUS_CLASS[status]}>{t(`job.status.${status}`)}</Badge>;
}

/** done + failed of total, as a bar and in figures. */
function Progress({ job }: { job: ReportJob }) {
  const total = Math.max(job.total, job.results.length);
  return (
    <span class="job-progress">
      <progress max={total || 1} value={job.done + job.failed} />
      <span class="num">{total ? `${job.done + job.failed} / ${total}` : '—'}</span>
    </span>
  );
}

/** One job followed until it ends (GET /api/v1/reports/jobs/:id every second), with each client's result. */
export function JobProgress({ job: started, onFinished }: { job: ReportJob; onFinished?: () => void }) {
  const j = useApi<ReportJob>(`/api/v1/reports/jobs/${started.id}`);
  const job = j.data ?? started;
  const active = jobActive(job);
  usePolling(j.reload, active);
  useEffect(() => {
    if (!active) onFinished?.();
  }, [active]);
  return (
    <div class="job" data-testid="job-progress" data-status={job.status}>
      <div class="row">
        <strong>{t('job.title', { id: job.id, kind: t(`job.kind.${job.kind}`), month: fmt.month(job.month) })}</strong>
        <JobStatusBadge status={job.status} />
        <Progress job={job} />
      </div>
      {job.status === 'retrying' && job.nextAttemptAt && (
        <p class="muted small">{t('job.nextAttempt', { date: fmt.dateTime(job.nextAttemptAt), attempt: job.attempt, max: job.maxAttempts })}</p>
      )}
      {job.error && <p class="error">{job.error}</p>}
      {job.results.length > 0 && (
        <ul class="plain small" data-testid="job-results">
          {job.results.map((r) => (
            <li>
              {r.clientName} · {tOr(`job.result.${r.status}`, r.status)}
              {r.pages ? ` · ${r.pages === 1 ? t('reports.pageOne') : t('reports.pagesCount', { count: r.pages })}` : ''}
              {r.delivery ? ` · ${tOr(`delivery.${r.delivery}`, r.delivery)}${r.recipients?.length ? ` (${r.recipients.join(', ')})` : ''}` : ''}
              {r.error ? <span class="text-critical"> · {r.error}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The latest report jobs of every client (or of the user's own company), refreshed while one runs. */
export function JobsTable({ clientName, refreshKey }: { clientName: (id: number | null) => string; refreshKey: number }) {
  const jobs = useApi<JobList>('/api/v1/reports/jobs?limit=20');
  useEffect(() => {
    if (refreshKey) jobs.reload();
  }, [refreshKey]);
  usePolling(jobs.reload, jobs.data?.jobs.some(jobActive) ?? false);
  const list = jobs.data?.jobs ?? [];
  if (jobs.data && list.length === 0) return <Empty text={t('job.none')} />;
  return (
    <table class="table compact" data-testid="jobs">
      <thead>
        <tr>
          <th>{t('job.id')}</th>
          <th>{t('job.kind')}</th>
          <th>{t('finance.month')}</th>
          <th>{t('overview.client')}</th>
          <th>{t('job.state')}</th>
          <th>{t('job.progress')}</th>
          <th>{t('job.attempts')}</th>
          <th>{t('job.created')}</th>
          <th>{t('job.finished')}</th>
        </tr>
      </thead>
      <tbody>
        {list.map((j) => (
          <tr data-job={j.id} data-status={j.status}>
            <td class="mono">#{j.id}</td>
            <td>{t(`job.kind.${j.kind}`)}</td>
            <td>{fmt.month(j.month)}</td>
            <td>{j.clientId === null ? t('reports.allClients') : clientName(j.clientId)}</td>
            <td>
              <JobStatusBadge status={j.status} />
              {j.error ? <div class="text-critical small">{j.error}</div> : null}
            </td>
            <td>
              <Progress job={j} />
            </td>
            <td class="num">
              {j.attempt} / {j.maxAttempts}
            </td>
            <td class="muted">{fmt.dateTime(j.createdAt)}</td>
            <td class="muted">{fmt.dateTime(j.finishedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
