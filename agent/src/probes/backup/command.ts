import type { Static } from '@sinclair/typebox';
import type { CommandTarget } from '@vigie/shared';
import type { ProbeContext } from '../probe.js';
import type { BackupObservation } from './model.js';
import { firstLine } from './timestamps.js';

/** A vendor's status command (exit 0 = the last backup is good): the outcome, without an age. */
export async function observeCommand(ctx: ProbeContext, t: Static<typeof CommandTarget>): Promise<BackupObservation> {
  const res = await ctx.run(t.command, t.args ?? [], { timeoutMs: 110_000 });
  const target = `command ${t.name}`;
  const said = firstLine(res.stdout) || firstLine(res.stderr);
  if (res.code === 0) return { target, outcome: 'success', detail: said || undefined, values: { exitCode: 0 } };
  return { target, outcome: 'failed', detail: `exit status ${res.code}${said ? ` (${said})` : ''}`, values: { exitCode: res.code } };
}
