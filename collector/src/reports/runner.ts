/**
 * Runs report jobs: for each client of the job, the month's report is generated (or the archived
 * one reused) and, when the job sends, mailed under a delivery claim. Per-client failures are
 * recorded and the job retried with backoff; after its last attempt it is reported failed.
 */
import { VigieError } from '@vigie/shared';
import type { ReportArchive, ReportRow } from './archive.js';
import type { DeliveryClaims, ReportTransport } from './delivery.js';
import { type ClientResult, type JobRow, type JobStore, type JobView, jobView } from './jobs.js';
import type { ReportBuilder } from './report-builder.js';
import type { ReportLang } from './report-data.js';
import { reportMail } from './report-mail.js';
import { renderReportPdf } from './report-pdf.js';
import type { ReportRepository } from './report-repository.js';
import { type ReportSettings, retryDelay } from './settings.js';

export interface ReportLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RunnerDeps {
  repo: ReportRepository;
  builder: ReportBuilder;
  archive: ReportArchive;
  jobs: JobStore;
  claims: DeliveryClaims;
  transport: ReportTransport;
  settings: ReportSettings;
  worker: string;
  log: ReportLog;
  publicUrl?: string | undefined;
  /** The provider's logo as set now (billing settings), drawn on the report's first page. */
  logo?: () => Promise<Buffer | undefined>;
}

export type ProgressListener = (result: ClientResult, index: number, results: readonly ClientResult[]) => void;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

export class ReportRunner {
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(private readonly d: RunnerDeps) {}

  /** The client's language for its reports: its setting, else the collector's default. */
  async langOf(clientId: number): Promise<ReportLang> {
    return (await this.d.archive.settings(clientId)).lang ?? this.d.settings.defaultLang;
  }

  /** The month's archived report, generated now if missing, partial (made before the month ended) or asked anew. */
  async ensureReport(
    clientId: number,
    month: string,
    o: { regenerate: boolean; lang?: ReportLang | null; by: string },
  ): Promise<{ row: ReportRow; generated: boolean }> {
    const existing = await this.d.archive.find(clientId, month);
    if (existing && !o.regenerate && existing.partial === 0) return { row: existing, generated: false };
    const started = performance.now();
    const lang = o.lang ?? (await this.langOf(clientId));
    const report = await this.d.builder.build(clientId, month);
    const { pdf, pages } = await renderReportPdf(report, lang, { logo: await this.d.logo?.() });
    const generationMs = Math.round(performance.now() - started);
    const row = await this.d.archive.save({ report, lang, pdf, pages, generationMs, by: o.by });
    return { row, generated: true };
  }

  /** The archived PDF in `lang`: the stored one, or drawn again from the frozen data. */
  async pdf(reportId: number, lang?: ReportLang): Promise<Buffer> {
    const stored = await this.d.archive.pdf(reportId);
    if (!stored) throw new VigieError('NOT_FOUND');
    if (!lang || lang === stored.lang) return stored.pdf;
    const data = await this.d.archive.data(reportId);
    return (await renderReportPdf(data!, lang, { logo: await this.d.logo?.() })).pdf;
  }

  /** Mails a report under `claim`; never twice for one claim, whichever collector tries. */
  async deliver(
    row: ReportRow,
    o: { claim: string; kind: 'scheduled' | 'resend'; jobId: number | null; lang?: ReportLang | null },
  ): Promise<{ delivery: NonNullable<ClientResult['delivery']>; recipients: string[] }> {
    const { recipients } = await this.d.archive.settings(row.client_id);
    const c = await this.d.claims.claim({ subjectId: row.id, claim: o.claim, kind: o.kind, jobId: o.jobId });
    if (!c.claimed) return { delivery: c.reason === 'sent' ? 'already-sent' : 'in-progress-elsewhere', recipients: JSON.parse(c.row.recipients) };
    const skip = !this.d.transport.configured ? 'no SMTP relay configured (--smtp-relay)' : recipients.length === 0 ? 'no recipients for this client' : null;
    if (skip) {
      await this.d.claims.finish(c.id, { status: 'skipped', recipients, revision: row.revision, error: skip });
      return { delivery: 'skipped', recipients };
    }
    try {
      const lang = o.lang ?? row.lang;
      const data = (await this.d.archive.data(row.id))!;
      const mail = reportMail(data, lang, this.d.publicUrl);
      const sent = await this.d.transport.send({
        to: recipients,
        subject: mail.subject,
        text: mail.text,
        filename: mail.filename,
        pdf: await this.pdf(row.id, lang),
      });
      await this.d.claims.finish(c.id, { status: 'sent', recipients, revision: row.revision, messageId: sent.messageId });
      return { delivery: 'sent', recipients };
    } catch (err) {
      await this.d.claims.finish(c.id, { status: 'failed', recipients, revision: row.revision, error: message(err) });
      throw err;
    }
  }

  /** Runs a job in the background (API requests); close() waits for it. */
  start(jobId: number, onProgress?: ProgressListener): void {
    this.track(this.run(jobId, onProgress).catch((err) => this.d.log.error({ err, jobId }, 'report job crashed')));
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** One attempt of a job, if this collector can claim it; undefined when another one has it. */
  async run(jobId: number, onProgress?: ProgressListener): Promise<JobView | undefined> {
    if (this.stopping) return undefined;
    const { jobs, worker, settings } = this.d;
    if (!(await jobs.start(jobId, worker, settings.leaseMs))) return undefined;
    const p = this.attempt((await jobs.get(jobId))!, onProgress);
    this.track(p);
    return p;
  }

  private async attempt(job: JobRow, onProgress?: ProgressListener): Promise<JobView> {
    const { jobs, worker, settings, log } = this.d;
    let results = JSON.parse(job.results) as ClientResult[];
    let error: string | undefined;
    try {
      if (results.length === 0) results = await this.targets(job);
      for (const [i, r] of results.entries()) {
        if (r.status === 'done') continue;
        if (this.stopping) break;
        try {
          await this.processClient(job, r);
          r.status = 'done';
          delete r.error;
        } catch (err) {
          r.status = 'failed';
          r.error = message(err);
          log.warn({ jobId: job.id, clientId: r.clientId, month: job.month, attempt: job.attempt, err: r.error }, 'report for a client failed');
        }
        await jobs.progress(job.id, worker, results, settings.leaseMs);
        onProgress?.(r, i, results);
      }
    } catch (err) {
      error = message(err);
    }
    const left = results.filter((r) => r.status !== 'done');
    error ??=
      left.length > 0
        ? `${left.length} client(s) not done: ${left.map((r) => `${r.clientName}: ${r.error ?? 'interrupted'}`).join('; ')}`.slice(0, 1000)
        : undefined;
    if (!error) await jobs.finish(job.id, worker, { status: 'succeeded' });
    else if (this.stopping) await jobs.finish(job.id, worker, { status: 'retrying', nextAttemptAt: Date.now(), error: `interrupted: ${error}` });
    else if (job.attempt < job.max_attempts) {
      const nextAttemptAt = Date.now() + retryDelay(job.attempt, settings);
      await jobs.finish(job.id, worker, { status: 'retrying', nextAttemptAt, error });
      log.warn({ jobId: job.id, month: job.month, attempt: job.attempt, nextAttemptAt, err: error }, 'report job will be retried');
    } else {
      await jobs.finish(job.id, worker, { status: 'failed', error });
      log.error({ jobId: job.id, month: job.month, attempts: job.attempt, err: error }, 'report job failed after its last attempt');
    }
    if (!error) log.info({ jobId: job.id, month: job.month, clients: results.length }, 'report job done');
    return jobView((await jobs.get(job.id))!);
  }

  private async targets(job: JobRow): Promise<ClientResult[]> {
    const clients = await this.d.repo.clientIds();
    let ids = clients;
    if (job.kind === 'resend') {
      const row = await this.d.archive.require(job.report_id!);
      ids = clients.filter((c) => c.id === row.client_id);
    } else if (job.client_id !== null) ids = clients.filter((c) => c.id === job.client_id);
    if (ids.length === 0 && (job.client_id !== null || job.kind === 'resend')) throw new Error('the client no longer exists');
    return ids.map((c) => ({ clientId: c.id, clientName: c.name, status: 'pending' }));
  }

  private async processClient(job: JobRow, r: ClientResult): Promise<void> {
    const by = job.requested_by ? `user:${job.requested_by}` : `${job.kind}:${this.d.worker}`;
    let row: ReportRow;
    if (job.kind === 'resend') row = await this.d.archive.require(job.report_id!);
    else if (r.reportId !== undefined && r.generated !== undefined) row = await this.d.archive.require(r.reportId);
    else {
      const made = await this.ensureReport(r.clientId, job.month, { regenerate: job.regenerate === 1, lang: job.lang, by });
      row = made.row;
      Object.assign(r, { reportId: row.id, generated: made.generated, pages: row.pages, generationMs: row.generation_ms });
    }
    if (job.send !== 1) return;
    // The monthly run (scheduled, or the same from the CLI) sends a client's month once; a resend is its own claim.
    const monthly = job.kind === 'scheduled' || job.kind === 'cli';
    try {
      const out = await this.deliver(row, {
        claim: monthly ? `monthly:${row.client_id}:${job.month}` : `job:${job.id}:${row.client_id}`,
        kind: monthly ? 'scheduled' : 'resend',
        jobId: job.id,
        lang: job.lang,
      });
      Object.assign(r, out);
    } catch (err) {
      r.delivery = 'failed';
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.inFlight]);
  }
}
