import type { PatchesProbeConfig, PatchSource, PendingUpdate } from '@vigie/shared';
import type { ProbeContext } from '../probe.js';

/** What one platform's tool says is pending, before the probe dates it and sends it. */
export interface PendingList {
  source: PatchSource;
  updates: PendingUpdate[];
  rebootPending: boolean | null;
}

/** A platform's lister: undefined when its tools are not there, a thrown error when they fail. */
export type PlatformLister = (ctx: ProbeContext, cfg: PatchesProbeConfig) => Promise<PendingList>;

/** A command that may not be installed: undefined then, so the next tool is tried. */
export async function tryRun(ctx: ProbeContext, file: string, args: readonly string[], timeoutMs = 120_000) {
  try {
    return await ctx.run(file, args, { timeoutMs });
  } catch (err) {
    if (/is not installed/.test((err as Error).message)) return undefined;
    throw err;
  }
}

/** First line of a failed command's stderr, for the error it becomes. */
export const firstLine = (text: string) => text.trim().split('\n')[0]?.slice(0, 300) ?? '';
