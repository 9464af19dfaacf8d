import type { BackupProbeConfig, CheckResult } from '@vigie/shared';
import type { BackupObservation } from './model.js';

const HOUR = 3_600_000;
const round1 = (n: number) => Math.round(n * 10) / 10;

type Verdict = Pick<CheckResult, 'status' | 'code' | 'message'>;

/** Thresholds turn an observation into a result: the age of the last good backup decides, a failed or missing one is critical. */
export function evaluate(o: BackupObservation, cfg: Pick<BackupProbeConfig, 'warningAgeHours' | 'criticalAgeHours'>, now: number): CheckResult {
  const warnH = o.warningAgeHours ?? cfg.warningAgeHours;
  const critH = o.criticalAgeHours ?? cfg.criticalAgeHours;
  const ageHours = o.lastSuccessAt === undefined ? null : round1(Math.max(0, now - o.lastSuccessAt) / HOUR);
  const values: CheckResult['values'] = {
    ...o.values,
    ageHours,
    lastSuccessAt: o.lastSuccessAt ?? null,
    ...(o.sizeBytes !== undefined ? { sizeBytes: o.sizeBytes } : {}),
  };
  const v = verdict(o, ageHours, warnH, critH);
  return { check: 'backup', target: o.target, ...v, values, observedAt: now };
}

function verdict(o: BackupObservation, ageHours: number | null, warnH: number, critH: number): Verdict {
  const why = o.detail ? `: ${o.detail}` : '';
  switch (o.outcome) {
    case 'none':
      return { status: 'critical', code: 'BACKUP_NONE', message: `${o.target}: no backup found${why}` };
    case 'unreadable':
      return { status: 'critical', code: 'BACKUP_REPO_UNREADABLE', message: `${o.target}: the backup repository cannot be read${why}` };
    case 'missing':
      return { status: 'critical', code: 'BACKUP_FOLDER_MISSING', message: `${o.target}: the backup folder does not exist${why}` };
    case 'unavailable':
      return { status: 'warning', code: 'BACKUP_DESTINATION_UNAVAILABLE', message: `${o.target}: the backup destination is not reachable${why}` };
    case 'failed':
      return { status: 'critical', code: 'BACKUP_FAILED', message: `${o.target}: the last backup failed${why}${ago(ageHours, 'last success')}` };
    default:
  }
  // success or warning: a restore point exists; its age decides first.
  if (ageHours === null) {
    return o.outcome === 'warning'
      ? { status: 'warning', code: 'BACKUP_WARNING', message: `${o.target}: the last backup finished with warnings${why}` }
      : { status: 'ok', code: 'BACKUP_OK', message: `${o.target}: the last run succeeded${why}` };
  }
  if (ageHours >= critH || ageHours >= warnH) {
    const status = ageHours >= critH ? 'critical' : 'warning';
    return {
      status,
      code: 'BACKUP_TOO_OLD',
      message: `${o.target}: last successful backup ${hours(ageHours)} ago (${status} from ${status === 'critical' ? critH : warnH} h)`,
    };
  }
  if (o.outcome === 'warning') {
    return { status: 'warning', code: 'BACKUP_WARNING', message: `${o.target}: the last backup, ${hours(ageHours)} ago, finished with warnings${why}` };
  }
  return { status: 'ok', code: 'BACKUP_OK', message: `${o.target}: last successful backup ${hours(ageHours)} ago` };
}

const hours = (h: number) => (h >= 48 ? `${round1(h / 24)} days` : `${h} h`);
const ago = (h: number | null, what: string) => (h === null ? '' : ` (${what} ${hours(h)} ago)`);
