import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { PatchesProbeConfig } from '@vigie/shared';
import type { ProbeContext } from '../probe.js';
import { aptPending } from './apt.js';
import { firstLine, type PendingList, type PlatformLister, tryRun } from './model.js';
import { parseCheckUpdate, parseNeedsRestarting, parseRpmInstalled, rpmPending } from './parse-rpm.js';
import { parseZypperPatches, parseZypperPatchInfo, parseZypperUpdates } from './parse-zypper.js';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

const RPM_QUERY = ['-qa', '--qf', '%{NAME}.%{ARCH} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n'];

/**
 * dnf or yum, from their metadata cache only (`-C`: refreshing it is dnf-makecache's job): the
 * updates, the security ones (`--security`, from updateinfo), the installed versions (rpm), and
 * whether core libraries changed since boot (needs-restarting).
 */
async function rpmFamily(ctx: ProbeContext, tool: 'dnf' | 'yum'): Promise<PendingList | undefined> {
  const all = await tryRun(ctx, tool, ['-q', '-C', 'check-update']);
  if (!all) return undefined;
  if (all.code !== 0 && all.code !== 100) throw new Error(`${tool} check-update exited with ${all.code}: ${firstLine(all.stderr)}`);
  const updates = all.code === 100 ? parseCheckUpdate(all.stdout) : [];
  const sec = await ctx.run(tool, ['-q', '-C', 'check-update', '--security'], { timeoutMs: 120_000 });
  if (sec.code !== 0 && sec.code !== 100) throw new Error(`${tool} check-update --security exited with ${sec.code}: ${firstLine(sec.stderr)}`);
  const installed = await ctx.run('rpm', RPM_QUERY, { timeoutMs: 60_000 });
  if (installed.code !== 0) throw new Error(`rpm -qa exited with ${installed.code}: ${firstLine(installed.stderr)}`);
  const restart = tool === 'dnf' ? await tryRun(ctx, 'dnf', ['-q', 'needs-restarting', '-r']) : await tryRun(ctx, 'needs-restarting', ['-r']);
  return {
    source: tool,
    updates: rpmPending(updates, sec.code === 100 ? parseCheckUpdate(sec.stdout) : [], parseRpmInstalled(installed.stdout)),
    rebootPending: restart ? parseNeedsRestarting(restart.code, `${restart.stdout}\n${restart.stderr}`) : null,
  };
}

/**
 * zypper without refreshing (`--no-refresh`): the package updates, the needed security patches and
 * the packages those patches update (their Conflicts lists), and whether a patch installed earlier
 * waits for a restart (`needs-rebooting`: exit 102; libzypp also leaves /run/reboot-needed).
 */
async function zypper(ctx: ProbeContext, cfg: PatchesProbeConfig): Promise<PendingList | undefined> {
  const common = ['--non-interactive', '--no-refresh', '--quiet'];
  const list = await tryRun(ctx, 'zypper', [...common, '--xmlout', 'list-updates']);
  if (!list) return undefined;
  if (list.code !== 0) throw new Error(`zypper list-updates exited with ${list.code}: ${firstLine(list.stderr)}`);
  const patches = await ctx.run('zypper', [...common, '--xmlout', 'list-patches', '--category', 'security'], { timeoutMs: 120_000 });
  // 100 and 101: patches (security ones) are needed — an answer, not a failure.
  if (![0, 100, 101].includes(patches.code)) throw new Error(`zypper list-patches exited with ${patches.code}: ${firstLine(patches.stderr)}`);
  const needed = parseZypperPatches(patches.stdout);
  const secure = new Set<string>();
  if (needed.length > 0) {
    const info = await ctx.run('zypper', [...common, 'info', '-t', 'patch', ...needed.map((p) => p.name)], { timeoutMs: 120_000 });
    if (info.code !== 0) throw new Error(`zypper info -t patch exited with ${info.code}: ${firstLine(info.stderr)}`);
    for (const p of parseZypperPatchInfo(info.stdout)) for (const pkg of p.packages) secure.add(`${pkg.name}.${pkg.arch}`);
  }
  const reboot = await tryRun(ctx, 'zypper', ['--non-interactive', 'needs-rebooting']);
  const rebootPending = reboot && (reboot.code === 0 || reboot.code === 102) ? reboot.code === 102 : await exists(join(cfg.fileRoot, 'run/reboot-needed'));
  return {
    source: 'zypper',
    updates: parseZypperUpdates(list.stdout).map((u) => ({ ...u, security: secure.has(`${u.name}.${u.arch ?? 'noarch'}`) })),
    rebootPending,
  };
}

/** The first package manager present answers: apt (Debian, Ubuntu), dnf, yum, zypper. */
export const linuxLister: PlatformLister = async (ctx, cfg) => {
  const apt = await aptPending(ctx);
  // Debian and Ubuntu packages drop run/reboot-required when they need a restart (kernel, libc…).
  if (apt) return { source: 'apt', updates: apt, rebootPending: await exists(join(cfg.fileRoot, 'run/reboot-required')) };
  const found = (await rpmFamily(ctx, 'dnf')) ?? (await rpmFamily(ctx, 'yum')) ?? (await zypper(ctx, cfg));
  if (found) return found;
  throw new Error('no package manager found (apt-get, dnf, yum, zypper)');
};
