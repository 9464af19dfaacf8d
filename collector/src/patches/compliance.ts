import type { ComplianceSummary, DeviceCompliance, PatchState } from '@vigie/shared';

/**
 * A device's patch state: unknown until it reported a list, up to date with nothing pending,
 * overdue when an update has been pending for more than the threshold, pending otherwise.
 */
export function patchState(d: { reported: boolean; pending: number; overdue: number }): PatchState {
  if (!d.reported) return 'unknown';
  if (d.pending === 0) return 'up-to-date';
  return d.overdue > 0 ? 'overdue' : 'pending';
}

export function summarize(devices: readonly DeviceCompliance[]): ComplianceSummary {
  const count = (f: (d: DeviceCompliance) => boolean) => devices.filter(f).length;
  return {
    devices: devices.length,
    upToDate: count((d) => d.state === 'up-to-date'),
    pending: count((d) => d.state === 'pending'),
    overdue: count((d) => d.state === 'overdue'),
    unknown: count((d) => d.state === 'unknown'),
    rebootPending: count((d) => d.rebootPending === true),
    withSecurity: count((d) => d.security > 0),
  };
}

/** The first-seen date before which an update pending at `at` is overdue. */
export const overdueBefore = (at: number, days: number) => at - days * 86_400_000;
