import type { BackupProbeConfig } from '@vigie/shared';
import type { ProbeContext } from '../probe.js';
import type { BackupObservation } from './model.js';
import { parseVeeamEvents, parseWbadminVersions, type VeeamJobRun } from './parse-windows.js';
import { firstLine } from './timestamps.js';

/** Event 190 = job finished, in both Veeam products; the time leaves PowerShell as UTC ms so no date format is parsed. */
export const VEEAM_SCRIPT =
  "$ErrorActionPreference='SilentlyContinue'; Get-WinEvent -FilterHashtable @{LogName=@('Veeam Agent','Veeam Backup'); Id=190} -MaxEvents 500 | " +
  "Select-Object LogName, Level, @{n='TimeMs';e={[DateTimeOffset]::new($_.TimeCreated).ToUnixTimeMilliseconds()}}, Message | ConvertTo-Json -Depth 4";

const powershell = (ctx: ProbeContext, script: string) =>
  ctx.run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script], { timeoutMs: 60_000 });

/** Windows Server Backup: its backups are listed by wbadmin only once they completed, so the newest one is the last success. */
export async function observeWindowsServerBackup(ctx: ProbeContext, mode: BackupProbeConfig['windowsServerBackup']): Promise<BackupObservation[]> {
  if (mode === 'off') return [];
  let out: { stdout: string; stderr: string; code: number };
  try {
    out = await ctx.run('wbadmin.exe', ['get', 'versions'], { timeoutMs: 60_000 });
  } catch (err) {
    if (mode === 'auto') return []; // the feature is not installed
    throw err;
  }
  const newest = parseWbadminVersions(out.stdout).sort((a, b) => b.at - a.at)[0];
  const target = 'windows-server-backup';
  if (!newest) {
    if (mode === 'auto') return [];
    const said = firstLine(out.stdout.split(/\r?\n/).find((l) => /ERROR|ERREUR/.test(l)) ?? out.stderr);
    return [{ target, outcome: 'none', detail: said || undefined }];
  }
  return [
    {
      target,
      outcome: 'success',
      lastSuccessAt: newest.at,
      values: { version: newest.versionId, location: newest.location ?? null, canRecover: newest.canRecover ?? null },
    },
  ];
}

/** Veeam: one result per job, from its newest run; the last success comes from the newest Success or Warning run. */
export async function observeVeeam(ctx: ProbeContext, mode: BackupProbeConfig['veeam']): Promise<BackupObservation[]> {
  if (mode === 'off') return [];
  const out = await powershell(ctx, VEEAM_SCRIPT);
  if (out.code !== 0) throw new Error(`powershell exited with ${out.code}: ${firstLine(out.stderr)}`);
  return veeamObservations(parseVeeamEvents(out.stdout), mode);
}

export function veeamObservations(runs: VeeamJobRun[], mode: BackupProbeConfig['veeam']): BackupObservation[] {
  if (runs.length === 0) return mode === 'required' ? [{ target: 'veeam', outcome: 'none', detail: 'no Veeam job has finished on this machine' }] : [];
  const jobs = new Map<string, VeeamJobRun[]>();
  for (const r of runs) {
    const key = `${r.job}`;
    jobs.set(key, [...(jobs.get(key) ?? []), r]);
  }
  return [...jobs.entries()].map(([job, list]) => {
    list.sort((a, b) => b.at - a.at);
    const latest = list[0]!;
    const lastGood = list.find((r) => r.result !== 'Failed');
    const outcome = latest.result === 'Failed' ? 'failed' : latest.result === 'Warning' ? 'warning' : 'success';
    return {
      target: `veeam ${job}`,
      outcome,
      lastSuccessAt: lastGood?.at,
      detail: latest.result === 'Success' ? undefined : latest.message,
      values: { lastResult: latest.result, lastRunAt: latest.at, log: latest.log },
    } satisfies BackupObservation;
  });
}

export async function windowsNativeBackups(ctx: ProbeContext, cfg: BackupProbeConfig): Promise<BackupObservation[]> {
  const [wsb, veeam] = await Promise.all([observeWindowsServerBackup(ctx, cfg.windowsServerBackup), observeVeeam(ctx, cfg.veeam)]);
  return [...wsb, ...veeam];
}
