import { access, readFile, rename, writeFile } from 'node:fs/promises';
import { DEFAULT_REMOTE_CEILING, parseCeilingFile, REMOTE_CEILINGS, type RemoteCeiling, VigieError } from '@vigie/shared';
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

/**
 * For installers, run as root/Administrator: writes the ceiling file (0644, in a folder only the
 * administrator can write). No level: the default, only where none is set (an upgrade keeps the
 * machine's choice).
 */
export async function writeCeilingFile(path: string, level: string | undefined): Promise<{ written: boolean; ceiling?: RemoteCeiling }> {
  if (level === undefined || level === '') {
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (exists) return { written: false };
    level = DEFAULT_REMOTE_CEILING;
  }
  if (!(REMOTE_CEILINGS as readonly string[]).includes(level))
    throw new VigieError('VALIDATION', `the local ceiling is off, actions or scripts (got ${JSON.stringify(level)})`);
  const text = `# Vigie agent: what the provider may do on this machine (off | actions | scripts).\n# Only the administrator can change it; the agent reads it before every remote command.\nremote: ${level}\n`;
  await writeFile(`${path}.tmp`, text, { mode: 0o644 });
  await rename(`${path}.tmp`, path);
  return { written: true, ceiling: level as RemoteCeiling };
}
