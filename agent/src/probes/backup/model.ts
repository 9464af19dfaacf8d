import type { BackupProbeConfig } from '@vigie/shared';
import type { ProbeContext } from '../probe.js';

/**
 * What one backup source says, before thresholds: the outcome of its newest run and, when it has
 * one, when its newest successful backup finished (UTC ms) and how big it is.
 */
export interface BackupObservation {
  /** `<kind> <name>`, e.g. `restic nas-acme`: the result's target. */
  target: string;
  outcome: 'success' | 'warning' | 'failed' | 'none' | 'unreadable' | 'missing' | 'unavailable';
  lastSuccessAt?: number;
  sizeBytes?: number;
  /** The tool's own words, for the message (first line of an error, a job result). */
  detail?: string;
  values?: Record<string, number | string | boolean | null>;
  /** Per-target thresholds, over the probe's. */
  warningAgeHours?: number;
  criticalAgeHours?: number;
}

/** The platform's own backup (Windows Server Backup, Veeam, Time Machine): observations, or none when it has none and the mode is `auto`. */
export type NativeBackups = (ctx: ProbeContext, cfg: BackupProbeConfig) => Promise<BackupObservation[]>;
