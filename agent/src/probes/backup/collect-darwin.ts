import type { BackupProbeConfig } from '@vigie/shared';
import type { ProbeContext } from '../probe.js';
import type { BackupObservation } from './model.js';
import { parseTmutilDestinations, parseTmutilLatest } from './parse-darwin.js';

/**
 * Time Machine. A Mac with no destination also answers `latestbackup` with "Failed to mount
 * destination", so the destinations are read first: no destination is "no Time Machine", not an
 * unreachable disk. `tmutil` needs Full Disk Access, which the agent's launchd daemon gets from the MDM profile.
 */
export async function darwinNativeBackups(ctx: ProbeContext, cfg: BackupProbeConfig): Promise<BackupObservation[]> {
  if (cfg.timeMachine === 'off') return [];
  const target = 'time-machine';
  const dest = await ctx.run('tmutil', ['destinationinfo'], { timeoutMs: 30_000 });
  const destinations = parseTmutilDestinations(dest.stdout);
  if (destinations.length === 0) {
    return cfg.timeMachine === 'required' ? [{ target, outcome: 'none', detail: 'no Time Machine destination is configured' }] : [];
  }
  const out = await ctx.run('tmutil', ['latestbackup'], { timeoutMs: 60_000 });
  const latest = parseTmutilLatest(out.stdout, out.stderr);
  const values = { destinations: destinations.map((d) => d.name).join(', ') };
  if (latest.kind === 'backup') {
    // The folder name is local time: the agent runs on that Mac, so its clock's zone is the right one.
    return [{ target, outcome: 'success', lastSuccessAt: new Date(latest.localTime).getTime(), values: { ...values, path: latest.path } }];
  }
  return [{ target, outcome: latest.kind, detail: latest.said || undefined, values }];
}
