import type { ProbeContext } from '../probe.js';
import { firstLine, type PlatformLister } from './model.js';
import { parseSoftwareUpdate } from './parse-darwin.js';

/** `softwareupdate --list` asks Apple's servers: slow, and its "nothing" goes to stderr. */
export async function softwareUpdateList(ctx: ProbeContext) {
  const r = await ctx.run('softwareupdate', ['--list'], { timeoutMs: 290_000 });
  if (r.code !== 0) throw new Error(`softwareupdate exited with ${r.code}: ${firstLine(r.stderr)}`);
  return parseSoftwareUpdate(`${r.stdout}\n${r.stderr}`);
}

/** macOS does not say whether an earlier update waits for a restart: rebootPending is null. */
export const darwinLister: PlatformLister = async (ctx) => ({ source: 'softwareupdate', updates: await softwareUpdateList(ctx), rebootPending: null });
