import { mkdir } from 'node:fs/promises';
import type { EnvelopeOf } from '@vigie/shared';
import type { RemotePlatform } from '../remote/platform.js';
import { runProgram } from '../remote/script-runner.js';
import { installPatches, type PackageOutcome, type PatchContext } from './install-patches.js';

export interface PatchActionResult {
  /** Every package installed: exit 0; one failed (after its retry): exit 1. */
  exitCode: 0 | 1;
  durationMs: number;
  packages: PackageOutcome[];
  /** Why nothing was tried (no privilege). */
  refused?: { code: 'PATCH_NEEDS_PRIVILEGE'; message: string };
}

/** After the installs: the patches probe lists again (the collector sees the device up to date) and says whether a restart is pending. */
export type AfterPatches = () => Promise<{ rebootPending: boolean | null }>;

/**
 * The `patch-install` action: the packages, then a fresh pending list sent to the collector, then
 * a restart when the envelope allows one and the system asks for it.
 */
export async function patchInstallAction(
  env: EnvelopeOf<'patch-install'>,
  c: PatchContext & { platform: RemotePlatform; isPrivileged: () => boolean; afterPatches: AfterPatches },
): Promise<PatchActionResult> {
  const started = Date.now();
  if (!c.isPrivileged())
    return {
      exitCode: 1,
      durationMs: 0,
      packages: [],
      refused: { code: 'PATCH_NEEDS_PRIVILEGE', message: `this agent runs as uid ${process.getuid?.()}: package managers need root or SYSTEM` },
    };
  // The programs run from the agent's private work folder (it may not exist yet).
  await mkdir(c.workDir, { recursive: true, mode: 0o700 });
  const packages = await installPatches(env, c);
  let rebootPending: boolean | null = null;
  try {
    ({ rebootPending } = await c.afterPatches());
  } catch (err) {
    c.onError(new Error(`listing the updates again failed: ${(err as Error).message}`));
  }
  if (env.args.reboot === 'if-required' && rebootPending === true && packages.some((p) => p.state === 'installed')) {
    c.out.write('stdout', `--- restart in ${env.args.rebootDelayMin} min (updates installed)\n`);
    const r = await runProgram(c.platform.reboot(env.args.rebootDelayMin, 'Vigie : redémarrage après mises à jour / restart after updates'), {
      platform: c.platform,
      cwd: c.workDir,
      env: {},
      timeoutMs: 60_000,
      out: c.out,
      onError: c.onError,
    });
    if (r.exitCode !== 0) c.out.write('stderr', `--- the restart could not be scheduled (exit ${r.exitCode ?? r.signal})\n`);
  }
  return { exitCode: packages.every((p) => p.state === 'installed') ? 0 : 1, durationMs: Date.now() - started, packages };
}
