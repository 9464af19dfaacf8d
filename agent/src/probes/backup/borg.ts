import type { Static } from '@sinclair/typebox';
import type { BorgTarget } from '@vigie/shared';
import type { ProbeContext } from '../probe.js';
import type { BackupObservation } from './model.js';
import { firstLine, parseToolTime } from './timestamps.js';

export interface BorgArchive {
  name: string;
  /** End of the archive's creation (its start when the output has no end). */
  at: number;
  sizeBytes?: number;
  files?: number;
}

/** `borg info --json` (or `borg list --json`): `archives[]` with `start`/`end` (borg 1.x: local time, no offset) and `stats` (info only). */
export function parseBorgArchives(stdout: string): BorgArchive[] {
  const raw = JSON.parse(stdout) as { archives?: Record<string, unknown>[] };
  if (!Array.isArray(raw.archives)) throw new Error('borg --json printed no archives list');
  return raw.archives.flatMap((a) => {
    const when = typeof a.end === 'string' ? a.end : typeof a.time === 'string' ? a.time : a.start;
    const at = typeof when === 'string' ? parseToolTime(when) : undefined;
    if (at === undefined) return [];
    const stats = a.stats as Record<string, unknown> | undefined;
    return [
      {
        name: String(a.name ?? a.archive ?? ''),
        at,
        ...(typeof stats?.original_size === 'number' ? { sizeBytes: stats.original_size } : {}),
        ...(typeof stats?.nfiles === 'number' ? { files: stats.nfiles } : {}),
      },
    ];
  });
}

export async function observeBorg(ctx: ProbeContext, t: Static<typeof BorgTarget>): Promise<BackupObservation> {
  // `info` rather than `list`: same archive list, plus the size. --bypass-lock: never wait for a running `borg create`.
  // `--` before the repository: a policy value is never read as an option (`--rsh=…` runs a program).
  const res = await ctx.run('borg', ['info', '--json', '--last', '1', '--bypass-lock', '--', t.repository], { timeoutMs: 110_000 });
  const base = { target: `borg ${t.name ?? t.repository}`, warningAgeHours: t.warningAgeHours, criticalAgeHours: t.criticalAgeHours };
  if (res.code !== 0) return { ...base, outcome: 'unreadable', detail: firstLine(res.stderr) || `borg exited with ${res.code}` };
  const newest = parseBorgArchives(res.stdout).sort((a, b) => b.at - a.at)[0];
  if (!newest) return { ...base, outcome: 'none', detail: 'the repository has no archive' };
  return {
    ...base,
    outcome: 'success',
    lastSuccessAt: newest.at,
    sizeBytes: newest.sizeBytes,
    values: { archive: newest.name, ...(newest.files !== undefined ? { files: newest.files } : {}) },
  };
}
