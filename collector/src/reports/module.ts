/**
 * The reports domain assembled: what app.ts constructs, registers and closes, and what the CLI's
 * `report` command drives.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { InvoiceService } from '../billing/invoicing.js';
import { readLogo } from '../billing/settings/logo.js';
import type { NotificationOptions } from '../notifications/service.js';
import { PatchRepository } from '../patches/repository.js';
import { StatsRepository } from '../stats/repository.js';
import { AvailabilityService } from '../stats/service.js';
import type { MetricStore, RetentionPolicy } from '../store/metric-store.js';
import type { RelationalStore } from '../store/relational-store.js';
import { ReportArchive } from './archive.js';
import { DeliveryClaims, type ReportTransport, smtpTransport } from './delivery.js';
import { JobStore } from './jobs.js';
import { ReportBuilder } from './report-builder.js';
import { type FlowSource, NO_FLOWS } from './report-data.js';
import { ReportRepository } from './report-repository.js';
import { type ReportLog, ReportRunner } from './runner.js';
import { ReportScheduler } from './scheduler.js';
import type { ReportSettings } from './settings.js';
import { StatisticsService } from './statistics.js';

export interface ReportDeps {
  db: RelationalStore;
  /** Where the availability figures' rollups are read (SQLite or InfluxDB). */
  metrics: MetricStore;
  settings: ReportSettings;
  retention: RetentionPolicy;
  notifications: Pick<NotificationOptions, 'smtpUrl' | 'from' | 'publicUrl'>;
  invoices: InvoiceService;
  log: ReportLog;
  workerId?: number;
  /** Network flow summaries, once a flow store exists. */
  flows?: FlowSource;
  /** Instead of the SMTP relay (tests). */
  transport?: ReportTransport;
}

export interface Reports {
  db: RelationalStore;
  settings: ReportSettings;
  archive: ReportArchive;
  jobs: JobStore;
  builder: ReportBuilder;
  runner: ReportRunner;
  scheduler: ReportScheduler;
  statistics: StatisticsService;
  /** Starts the monthly schedule and the retry poll. */
  start(): void;
  close(): Promise<void>;
}

export function createReports(d: ReportDeps): Reports {
  // Each collector process (and each collector in one process) is a distinct claimant.
  const worker = `${hostname()}:${process.pid}:w${d.workerId ?? 1}:${randomUUID().slice(0, 8)}`;
  const stats = new StatsRepository(d.db);
  const repo = new ReportRepository(d.db, (store) => new PatchRepository(store));
  const archive = new ReportArchive(d.db);
  const jobs = new JobStore(d.db);
  const builder = new ReportBuilder(repo, new AvailabilityService(stats, d.metrics, d.retention), d.flows ?? NO_FLOWS);
  const transport = d.transport ?? smtpTransport(d.notifications);
  const runner = new ReportRunner({
    repo,
    builder,
    archive,
    jobs,
    claims: new DeliveryClaims(d.db, worker, d.settings.leaseMs),
    transport,
    settings: d.settings,
    worker,
    log: d.log,
    publicUrl: d.notifications.publicUrl,
    logo: async () => (await readLogo(d.db))?.data,
  });
  const scheduler = new ReportScheduler(runner, jobs, d.settings, d.log);
  // A monthly series is counted in hourly buckets whatever the month's age (no 5-minute retention).
  const statistics = new StatisticsService(d.db, new AvailabilityService(stats, d.metrics, { ...d.retention, fiveMinMs: 0 }), d.invoices);
  return {
    db: d.db,
    settings: d.settings,
    archive,
    jobs,
    builder,
    runner,
    scheduler,
    statistics,
    start: () => scheduler.start(),
    async close() {
      await scheduler.stop();
      await runner.stop();
      transport.close();
    },
  };
}
