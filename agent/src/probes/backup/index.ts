import { type BackupProbeConfig, type BackupTarget, backupProbeSpec, type CheckResult } from '@vigie/shared';
import type { ProbeContext, ProbeDefinition } from '../probe.js';
import { observeBorg } from './borg.js';
import { darwinNativeBackups } from './collect-darwin.js';
import { windowsNativeBackups } from './collect-windows.js';
import { observeCommand } from './command.js';
import { evaluate } from './evaluate.js';
import { observeFolder } from './folder.js';
import type { BackupObservation, NativeBackups } from './model.js';
import { observeRestic } from './restic.js';

type Observe<K extends BackupTarget['kind']> = (ctx: ProbeContext, t: Extract<BackupTarget, { kind: K }>) => Promise<BackupObservation>;
const OBSERVERS: { [K in BackupTarget['kind']]: Observe<K> } = {
  restic: observeRestic,
  borg: observeBorg,
  folder: (_ctx, t) => observeFolder(t),
  command: observeCommand,
};

const NATIVE: Partial<Record<NodeJS.Platform, NativeBackups>> = { win32: windowsNativeBackups, darwin: darwinNativeBackups };

const label = (t: BackupTarget) => `${t.kind} ${'name' in t && t.name ? t.name : 'repository' in t ? t.repository : 'path' in t ? t.path : ''}`;

/**
 * Age and outcome of the last successful backup of each configured target (restic, Borg, a folder,
 * a status command) and of the platform's own backup. One target that cannot be checked (tool
 * missing, timeout) gives an `unknown` result for that target alone; the others still report.
 */
export const backupProbe: ProbeDefinition<typeof backupProbeSpec.schema> = {
  spec: backupProbeSpec,
  platforms: ['linux', 'win32', 'darwin'],
  async collect(ctx, cfg: BackupProbeConfig) {
    const jobs: Promise<CheckResult[]>[] = cfg.targets.map((t) =>
      (OBSERVERS[t.kind] as Observe<typeof t.kind>)(ctx, t as never).then(
        (o) => [evaluate(o, cfg, ctx.now())],
        (err: Error) => [checkError(label(t), err, ctx.now())],
      ),
    );
    const native = NATIVE[ctx.platform];
    if (native) {
      jobs.push(
        native(ctx, cfg).then(
          (os) => os.map((o) => evaluate(o, cfg, ctx.now())),
          (err: Error) => [checkError(ctx.platform === 'darwin' ? 'time-machine' : 'native', err, ctx.now())],
        ),
      );
    }
    return (await Promise.all(jobs)).flat();
  },
};

function checkError(target: string, err: Error, now: number): CheckResult {
  return { check: 'backup', target, status: 'unknown', code: 'BACKUP_CHECK_ERROR', message: `${target}: ${err.message}`.slice(0, 2000), observedAt: now };
}
