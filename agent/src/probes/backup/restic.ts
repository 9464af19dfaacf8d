import type { Static } from '@sinclair/typebox';
import type { ResticTarget } from '@vigie/shared';
import type { ProbeContext } from '../probe.js';
import type { BackupObservation } from './model.js';
import { firstLine, parseToolTime } from './timestamps.js';

export interface ResticSnapshot {
  at: number;
  id: string;
  hostname: string;
  paths: string[];
  /** Only restic ≥ 0.17 writes a `summary` into the snapshot. */
  sizeBytes?: number;
}

/** `restic snapshots --json`: an array of snapshots (`time` in RFC 3339 with nanoseconds). */
export function parseResticSnapshots(stdout: string): ResticSnapshot[] {
  const raw = JSON.parse(stdout) as unknown;
  if (!Array.isArray(raw)) throw new Error('restic snapshots --json did not print an array');
  return raw.flatMap((s: Record<string, unknown>) => {
    const at = typeof s.time === 'string' ? parseToolTime(s.time) : undefined;
    if (at === undefined) return [];
    const summary = s.summary as Record<string, unknown> | undefined;
    const size = summary?.total_bytes_processed;
    return [
      {
        at,
        id: String(s.short_id ?? s.id ?? ''),
        hostname: String(s.hostname ?? ''),
        paths: Array.isArray(s.paths) ? s.paths.map(String) : [],
        ...(typeof size === 'number' ? { sizeBytes: size } : {}),
      },
    ];
  });
}

export async function observeRestic(ctx: ProbeContext, t: Static<typeof ResticTarget>): Promise<BackupObservation> {
  // --no-lock: reading the list must neither wait for nor block a backup that is running. Policy
  // values ride inside their option (`--repo=…`), never as an argument of their own, and `--` ends
  // the options: none can be read as an option such as `-o sftp.command=…`.
  const args = [
    `--repo=${t.repository}`,
    `--password-file=${t.passwordFile}`,
    '--no-lock',
    'snapshots',
    '--json',
    '--latest',
    '1',
    ...(t.host ? [`--host=${t.host}`] : []),
    '--',
  ];
  const res = await ctx.run('restic', args, { timeoutMs: 110_000 });
  const base = { target: `restic ${t.name ?? t.repository}`, warningAgeHours: t.warningAgeHours, criticalAgeHours: t.criticalAgeHours };
  if (res.code !== 0) return { ...base, outcome: 'unreadable', detail: firstLine(res.stderr) || `restic exited with ${res.code}` };
  const newest = parseResticSnapshots(res.stdout).sort((a, b) => b.at - a.at)[0];
  if (!newest) return { ...base, outcome: 'none', detail: t.host ? `no snapshot of host ${t.host}` : 'the repository has no snapshot' };
  return {
    ...base,
    outcome: 'success',
    lastSuccessAt: newest.at,
    sizeBytes: newest.sizeBytes,
    values: { snapshot: newest.id, host: newest.hostname },
  };
}
