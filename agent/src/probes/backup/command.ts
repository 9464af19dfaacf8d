import type { Static } from '@sinclair/typebox';
import type { CommandTarget } from '@vigie/shared';
import { noGrantedScripts, type ProbeContext } from '../probe.js';
import type { BackupObservation } from './model.js';
import { firstLine } from './timestamps.js';

/**
 * A vendor's status check (exit 0 = the last backup is good): a library script named by its
 * SHA-256, run only under the provider's signed grant for this device. Without one it is refused
 * (the probe reports the target as unknown with the reason), whatever the policy says.
 */
export async function observeCommand(ctx: ProbeContext, t: Static<typeof CommandTarget>): Promise<BackupObservation> {
  const run = ctx.runGrantedScript ?? noGrantedScripts;
  const res = await run(t.script, t.params ?? {}, 110_000);
  const target = `command ${t.name}`;
  const said = firstLine(res.stdout) || firstLine(res.stderr);
  if (res.code === 0) return { target, outcome: 'success', detail: said || undefined, values: { exitCode: 0 } };
  return { target, outcome: 'failed', detail: `exit status ${res.code}${said ? ` (${said})` : ''}`, values: { exitCode: res.code } };
}
