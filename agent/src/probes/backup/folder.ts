import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Static } from '@sinclair/typebox';
import type { FolderTarget } from '@vigie/shared';
import type { BackupObservation } from './model.js';

/** `*` and `?` only: a filename filter an administrator writes, not a regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** The newest file of a folder (not its subfolders) that matches the pattern and is big enough to be a backup. */
export async function observeFolder(t: Static<typeof FolderTarget>): Promise<BackupObservation> {
  const base = { target: `folder ${t.name ?? t.path}`, warningAgeHours: t.warningAgeHours, criticalAgeHours: t.criticalAgeHours };
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(t.path, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ...base, outcome: 'missing', detail: t.path };
    throw err;
  }
  const match = t.pattern ? globToRegExp(t.pattern) : undefined;
  const minSize = t.minSizeBytes ?? 1;
  let newest: { name: string; at: number; size: number } | undefined;
  let tooSmall = 0;
  for (const e of entries) {
    if (!e.isFile() || (match && !match.test(e.name))) continue;
    const s = await stat(join(t.path, e.name)).catch(() => undefined);
    if (!s) continue; // removed by a rotation while we read the folder
    if (s.size < minSize) {
      tooSmall++;
      continue;
    }
    if (!newest || s.mtimeMs > newest.at) newest = { name: e.name, at: Math.round(s.mtimeMs), size: s.size };
  }
  if (!newest) {
    const why = tooSmall > 0 ? `${tooSmall} file(s) under ${minSize} bytes` : `no file${t.pattern ? ` matching ${t.pattern}` : ''} in ${t.path}`;
    return { ...base, outcome: 'none', detail: why };
  }
  return { ...base, outcome: 'success', lastSuccessAt: newest.at, sizeBytes: newest.size, values: { file: newest.name } };
}
