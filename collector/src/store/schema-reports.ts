import type { Generated } from 'kysely';

/** Monthly reports (migration 006) and network flows (007, 016-ux-flow-peaks), as Kysely sees them. */
export interface ReportSettingsTable {
  client_id: number;
  /** JSON array of e-mail addresses. */
  recipients: Generated<string>;
  lang: Generated<'fr' | 'en'>;
  updated_at: number;
}
/** One report per client and month (UNIQUE (client_id, month)): regenerated in place, its revision counts. */
export interface ReportsTable {
  id: Generated<number>;
  client_id: number;
  month: string;
  lang: 'fr' | 'en';
  /** The frozen MonthlyReport (JSON). */
  data: string;
  pdf: Buffer;
  sha256: string;
  pages: number;
  partial: number;
  revision: Generated<number>;
  generated_at: number;
  generated_by: string;
  generation_ms: number;
}
export interface ReportJobsTable {
  id: Generated<number>;
  /** Unique when set: the monthly run's 'scheduled:YYYY-MM'. */
  claim: string | null;
  kind: 'scheduled' | 'manual' | 'cli' | 'resend';
  month: string;
  client_id: number | null;
  report_id: number | null;
  send: number;
  regenerate: number;
  lang: 'fr' | 'en' | null;
  status: 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed';
  attempt: Generated<number>;
  max_attempts: number;
  next_attempt_at: number | null;
  worker: string | null;
  lease_until: number | null;
  total: Generated<number>;
  done: Generated<number>;
  failed: Generated<number>;
  /** JSON array of ClientResult. */
  results: Generated<string>;
  error: string | null;
  requested_by: number | null;
  created_at: number;
  started_at: number | null;
  updated_at: number;
  finished_at: number | null;
}
export interface ReportDeliveriesTable {
  id: Generated<number>;
  report_id: number;
  /** Unique: taking it is the lock that lets one collector send. */
  claim: string;
  kind: 'scheduled' | 'resend';
  status: 'sending' | 'sent' | 'failed' | 'skipped';
  worker: string;
  lease_until: number;
  attempts: Generated<number>;
  recipients: Generated<string>;
  revision: number | null;
  message_id: string | null;
  error: string | null;
  job_id: number | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}
/** What a site agent sent for one exporter and period (the summary and interfaces as JSON). */
export interface FlowBucketsTable {
  id: Generated<number>;
  site_id: number;
  reporter_device_id: number;
  exporter: string;
  start: number;
  end: number;
  bytes: number;
  packets: number;
  flows: number;
  summary: string;
  received_at: number;
}
/** A site's flows merged per hour (PRIMARY KEY (site_id, hour)), with its busiest minute once kept. */
export interface FlowHourlyTable {
  site_id: number;
  hour: number;
  bytes: number;
  packets: number;
  flows: number;
  summary: string;
  updated_at: number;
  peak_at: number | null;
  peak_bytes: number | null;
  peak_packets: number | null;
  peak_ms: number | null;
}
export interface ReportTables {
  report_settings: ReportSettingsTable;
  reports: ReportsTable;
  report_jobs: ReportJobsTable;
  report_deliveries: ReportDeliveriesTable;
  flow_buckets: FlowBucketsTable;
  flow_hourly: FlowHourlyTable;
}
