import { readFile } from 'node:fs/promises';
import { DEFAULT_REMOTE_CEILING, parseCeilingFile, type RemoteCeiling } from '@vigie/shared';
import type { RemotePlatform } from './platform.js';

export interface CeilingReading {
  ceiling: RemoteCeiling;
  /** Set when the file could not be trusted or read: the ceiling is then `off`. */
  problem?: string;
  source: 'file' | 'default';
}

/**
 * The machine's local ceiling, read at every command (an administrator's change applies without a
 * restart). No file: the default (`actions`). A file that others than root/Administrator could have
 * written, or that does not parse: `off`, with the reason.
 */
export async function readCeiling(path: string, platform: RemotePlatform): Promise<CeilingReading> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ceiling: DEFAULT_REMOTE_CEILING, source: 'default' };
    return { ceiling: 'off', problem: `${path}: ${(err as Error).message}`, source: 'file' };
  }
  let problem: string | undefined;
  try {
    problem = await platform.ceilingFileProblem(path);
  } catch (err) {
    problem = `${path}: its permissions could not be checked (${(err as Error).message})`;
  }
  if (problem) return { ceiling: 'off', problem, source: 'file' };
  const parsed = parseCeilingFile(text);
  if (!parsed.ok) return { ceiling: 'off', problem: `${path}: ${parsed.error}`, source: 'file' };
  return { ceiling: parsed.ceiling, source: 'file' };
}
