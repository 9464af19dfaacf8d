import { PARIS_TIME_ZONE } from '@vigie/shared';
import type { ReportLang } from './report-data.js';

/** How the collector produces and sends the monthly reports (CollectorConfig.reports). */
export interface ReportSettings {
  /** node-cron expression for the monthly run (previous month, every client); null = no schedule. */
  schedule: string | null;
  /** Time zone the expression is read in. */
  timeZone: string;
  /** Language of a client's report when its settings do not say. */
  defaultLang: ReportLang;
  /** Attempts of a job (the first run included) before it is reported failed. */
  maxAttempts: number;
  /** Backoff before attempt n+1: base × 2^(n-1), ±20 % jitter, at most `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often a collector looks for jobs due for a retry or left behind by a stopped collector. */
  pollMs: number;
  /** A running job or a sending mail is another collector's for this long after its last sign of life. */
  leaseMs: number;
}

export const DEFAULT_REPORT_SETTINGS: ReportSettings = {
  schedule: '0 6 1 * *',
  timeZone: PARIS_TIME_ZONE,
  defaultLang: 'fr',
  maxAttempts: 5,
  retryBaseMs: 60_000,
  retryMaxMs: 3_600_000,
  pollMs: 30_000,
  leaseMs: 10 * 60_000,
};

/** Delay before the next attempt after `attempt` failed ones. `random` is injectable for tests. */
export function retryDelay(attempt: number, s: Pick<ReportSettings, 'retryBaseMs' | 'retryMaxMs'>, random = Math.random): number {
  const base = Math.min(s.retryMaxMs, s.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
