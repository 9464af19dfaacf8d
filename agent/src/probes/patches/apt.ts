import { statSync } from 'node:fs';
import type { PendingUpdate } from '@vigie/shared';
import type { ProbeContext } from '../probe.js';
import { firstLine, tryRun } from './model.js';
import { parseAptSimulation } from './parse-apt.js';

/** What `apt-get -s` answers from: while none of these changed, its last answer still holds. */
export const APT_STATE = ['/var/lib/dpkg/status', '/var/cache/apt/pkgcache.bin', '/var/lib/apt/lists', '/etc/apt/sources.list', '/etc/apt/sources.list.d'];

let aptLast: { key: string; updates: PendingUpdate[] } | undefined;
/** The simulation under way, shared by every caller that asks meanwhile (the patches and security probes run together). */
let aptRunning: { key: string; answer: Promise<PendingUpdate[] | undefined> } | undefined;

function stateKey(paths: readonly string[]): string {
  return paths
    .map((p) => {
      try {
        const s = statSync(p);
        return `${p}:${s.mtimeMs}:${s.size}`;
      } catch {
        return `${p}:-`;
      }
    })
    .join('|');
}

/**
 * Pending updates from apt's simulation (a second or two of CPU on a small machine), computed
 * again only when the installed packages, the package lists or the sources changed: the patches
 * and security probes share this one answer. `dist-upgrade`, not `upgrade`: an update held back
 * because it needs a new package (a new kernel ABI) is pending too. Undefined without apt.
 */
export async function aptPending(ctx: ProbeContext, statePaths: readonly string[] = APT_STATE): Promise<PendingUpdate[] | undefined> {
  const key = stateKey(statePaths);
  if (aptLast?.key === key) return aptLast.updates;
  if (aptRunning?.key === key) return aptRunning.answer;
  const answer = simulate(ctx, key);
  aptRunning = { key, answer };
  try {
    return await answer;
  } finally {
    if (aptRunning?.answer === answer) aptRunning = undefined;
  }
}

async function simulate(ctx: ProbeContext, key: string): Promise<PendingUpdate[] | undefined> {
  const apt = await tryRun(ctx, 'apt-get', ['-s', '-o', 'Debug::NoLocking=1', 'dist-upgrade']);
  if (!apt) return undefined;
  if (apt.code !== 0) throw new Error(`apt-get -s exited with ${apt.code}: ${firstLine(apt.stderr)}`);
  const updates = parseAptSimulation(apt.stdout);
  aptLast = { key, updates };
  return updates;
}

/** Tests that replay several machines in one process start each from a blank memory. */
export function forgetAptAnswer(): void {
  aptLast = undefined;
  aptRunning = undefined;
}
