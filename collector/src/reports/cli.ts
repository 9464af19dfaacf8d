/** `vigie-collector report`: a month's reports generated (and sent) from the command line, with progress. */
import { monthPeriod, VigieError } from '@vigie/shared';
import type { ClientResult, JobView } from './jobs.js';
import type { Reports } from './module.js';
import type { ReportLang } from './report-data.js';

export interface ReportCommand {
  month: string;
  clientId?: number | undefined;
  lang?: ReportLang | undefined;
  send: boolean;
}

function describe(r: ClientResult): string {
  if (r.status === 'failed') return `FAILED: ${r.error ?? 'unknown error'}`;
  const parts = [
    r.generated ? `report #${r.reportId} generated (${r.pages} page${r.pages === 1 ? '' : 's'}, ${r.generationMs} ms)` : `report #${r.reportId} archived`,
  ];
  if (r.delivery === 'sent') parts.push(`sent to ${r.recipients?.join(', ')}`);
  else if (r.delivery === 'already-sent') parts.push('already sent for this month');
  else if (r.delivery === 'in-progress-elsewhere') parts.push('being sent by another collector');
  else if (r.delivery === 'skipped') parts.push(r.recipients?.length ? 'not sent: no SMTP relay configured' : 'not sent: no recipients');
  return parts.join(', ');
}

export function summary(job: JobView): string {
  const count = (d: ClientResult['delivery']) => job.results.filter((r) => r.delivery === d).length;
  const lines = [
    `${job.month}: ${job.total} client(s), ${job.done} done, ${job.failed} failed (job #${job.id}, ${job.status}, attempt ${job.attempt}/${job.maxAttempts})`,
  ];
  if (job.send) lines.push(`mails: ${count('sent')} sent, ${count('already-sent')} already sent, ${count('skipped')} not sent, ${count('failed')} failed`);
  if (job.status === 'retrying' && job.nextAttemptAt)
    lines.push(`a running collector will retry what failed from ${new Date(job.nextAttemptAt).toISOString()} (GET /api/v1/reports/jobs/${job.id})`);
  return lines.join('\n');
}

/**
 * Runs one attempt of a 'cli' job in this process: every client (or one) regenerated; with
 * `send`, mailed as the monthly delivery — once per client and month, as the schedule would.
 * Returns the job; its failures are left to a serving collector's retries.
 */
export async function runReportCommand(reports: Reports, cmd: ReportCommand, progress: (line: string) => void): Promise<JobView> {
  if (monthPeriod(cmd.month).from > Date.now()) throw new VigieError('VALIDATION', `Month ${cmd.month} has not started yet`);
  const id = (await reports.jobs.create({
    kind: 'cli',
    month: cmd.month,
    clientId: cmd.clientId,
    send: cmd.send,
    regenerate: true,
    lang: cmd.lang,
    maxAttempts: reports.settings.maxAttempts,
  }))!;
  const job = await reports.runner.run(id, (r, i, all) => {
    const width = String(all.length).length;
    progress(`[${String(i + 1).padStart(width)}/${all.length}] ${r.clientName} (client ${r.clientId}): ${describe(r)}`);
  });
  if (!job) throw new VigieError('CONFLICT', `job ${id} was taken by another collector`);
  return job;
}
