/**
 * The monthly run: a node-cron job (by default 06:00 on the 1st, Paris time) creates the previous
 * month's job under the claim 'scheduled:YYYY-MM' — on every collector sharing the database, only
 * the first to insert it runs it — and a poll picks up jobs due for a retry or left behind by a
 * collector that stopped.
 */
import { monthOf, PARIS_TIME_ZONE, parisDate, shiftMonth, toParis } from '@vigie/shared';
import cron, { type ScheduledTask } from 'node-cron';
import type { JobStore, JobView } from './jobs.js';
import type { ReportLog, ReportRunner } from './runner.js';
import type { ReportSettings } from './settings.js';

export class ReportScheduler {
  private task: ScheduledTask | undefined;
  private poll: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly runner: ReportRunner,
    private readonly jobs: JobStore,
    private readonly settings: ReportSettings,
    private readonly log: ReportLog,
  ) {}

  start(): void {
    if (this.settings.schedule) {
      if (!cron.validate(this.settings.schedule)) throw new Error(`invalid report schedule (cron expression): ${this.settings.schedule}`);
      this.task = cron.schedule(this.settings.schedule, () => this.onSchedule(), {
        timezone: this.settings.timeZone,
        name: 'vigie-monthly-reports',
        noOverlap: true,
      });
    }
    this.poll = setInterval(() => void this.pollDue(), this.settings.pollMs);
    this.poll.unref();
  }

  /** What the cron job runs: the month before today's (Paris), for every client. */
  async onSchedule(now = Date.now()): Promise<JobView | undefined> {
    try {
      return await this.runMonth(shiftMonth(monthOf(parisDate(now)), -1));
    } catch (err) {
      this.log.error({ err }, 'monthly report run failed to start');
      return undefined;
    }
  }

  /** The monthly job of `month`, unless a collector already created it. */
  async runMonth(month: string): Promise<JobView | undefined> {
    const id = await this.jobs.create({
      kind: 'scheduled',
      claim: `scheduled:${month}`,
      month,
      send: true,
      regenerate: false,
      maxAttempts: this.settings.maxAttempts,
    });
    if (id === undefined) return undefined;
    this.log.info({ month, jobId: id }, 'monthly reports: job created');
    return this.runner.run(id);
  }

  /**
   * Catch-up: a collector that was down when the monthly run was due (06:00 on the 1st by default)
   * runs it when it comes back. Only for a plain "minute hour day * *" schedule in Paris time, whose
   * moment of this month is known; the claim row keeps it to one run across collectors.
   */
  async catchUp(now = Date.now()): Promise<JobView | undefined> {
    const m = /^(\d{1,2}) (\d{1,2}) (\d{1,2}) \* \*$/.exec(this.settings.schedule ?? '');
    if (!m || this.settings.timeZone !== PARIS_TIME_ZONE) return undefined;
    const [minute, hour, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const p = toParis(now);
    const today = Number(p.date.slice(8, 10));
    const due = today > day || (today === day && (p.hour > hour || (p.hour === hour && p.minute >= minute)));
    if (!due) return undefined;
    return this.runMonth(shiftMonth(monthOf(p.date), -1));
  }

  /** Runs the jobs owed an attempt now (one poll at a time), after the catch-up of a missed monthly run. */
  pollDue(): Promise<void> {
    this.polling ??= (async () => {
      try {
        await this.catchUp();
        for (const id of await this.jobs.due(this.settings.leaseMs)) await this.runner.run(id);
      } catch (err) {
        this.log.error({ err }, 'report job poll failed');
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  async stop(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    await this.task?.destroy();
    await this.polling;
  }
}
