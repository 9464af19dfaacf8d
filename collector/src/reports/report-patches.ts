import { DEFAULT_PATCH_OVERDUE_DAYS } from '@vigie/shared';
import { summarize } from '../patches/compliance.js';
import type { PatchesSection } from './report-data.js';
import type { ReportQueries } from './report-repository.js';

/** Devices behind that the PDF lists before "… and N more". */
const BEHIND_MAX = 25;

/**
 * The patches section: the compliance view's figures at the period's end (from the dated history,
 * so a report rebuilt later says the same), and the updates that stopped being pending in the
 * period. Devices behind: overdue first, then by pending security updates, then by count.
 */
export async function patchesSection(
  q: ReportQueries,
  clientId: number,
  p: { from: number; to: number },
  days = DEFAULT_PATCH_OVERDUE_DAYS,
): Promise<PatchesSection> {
  const devices = await q.patchCompliance(clientId, p.to, days);
  const resolved = await q.patchesResolved(clientId, p.from, p.to);
  const s = summarize(devices);
  const behind = devices
    .filter((d) => d.pending > 0 || d.rebootPending === true)
    .sort((a, b) => b.overdue - a.overdue || b.security - a.security || b.pending - a.pending || a.hostname.localeCompare(b.hostname));
  return {
    days,
    devices: s.devices,
    upToDate: s.upToDate,
    pending: s.pending,
    overdue: s.overdue,
    unknown: s.unknown,
    rebootPending: s.rebootPending,
    withSecurity: s.withSecurity,
    applied: {
      updates: resolved.reduce((n, r) => n + r.count, 0),
      security: resolved.reduce((n, r) => n + r.security, 0),
      devices: resolved.length,
    },
    behind: behind.slice(0, BEHIND_MAX).map((d) => ({
      hostname: d.hostname,
      pending: d.pending,
      security: d.security,
      overdue: d.overdue,
      oldestPendingSince: d.oldestPendingSince,
      rebootPending: d.rebootPending,
    })),
    more: Math.max(0, behind.length - BEHIND_MAX),
  };
}
