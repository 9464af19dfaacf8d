import { lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ScriptLanguage } from '@vigie/shared';
import type { ProgramCall } from './platform.js';

/**
 * A ceiling file only root can change: owned by root, writable by nobody else, not a symbolic
 * link, and every folder above it owned by root and not writable by others (a sticky folder such
 * as /tmp counts as safe: nobody but root can rename or remove root's entries in it).
 */
export async function posixCeilingFileProblem(path: string): Promise<string | undefined> {
  const st = await lstat(path);
  if (st.isSymbolicLink()) return `${path} is a symbolic link`;
  if (!st.isFile()) return `${path} is not a regular file`;
  if (st.uid !== 0) return `${path} is owned by uid ${st.uid}, not root`;
  if (st.mode & 0o022) return `${path} is writable by group or others (mode ${(st.mode & 0o777).toString(8)})`;
  let dir = dirname(path);
  for (;;) {
    const d = await lstat(dir);
    if (d.isSymbolicLink()) return `${dir} is a symbolic link`;
    if (d.uid !== 0) return `${dir} is owned by uid ${d.uid}, not root`;
    const sticky = (d.mode & 0o1000) !== 0;
    if (d.mode & 0o022 && !sticky) return `${dir} is writable by group or others (mode ${(d.mode & 0o777).toString(8)})`;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const POSIX_INTERPRETERS: Record<Exclude<ScriptLanguage, 'powershell'>, string> = { sh: '/bin/sh', bash: 'bash', zsh: 'zsh' };

export function posixInterpreter(language: ScriptLanguage, scriptPath: string): ProgramCall {
  // PowerShell 7 (pwsh) runs on Linux and macOS too when installed.
  if (language === 'powershell') return { cmd: 'pwsh', args: ['-NoProfile', '-NonInteractive', '-File', scriptPath] };
  return { cmd: POSIX_INTERPRETERS[language], args: [scriptPath] };
}

export const scriptExtension = (language: ScriptLanguage) => (language === 'powershell' ? 'ps1' : language);

export async function posixKillTree(pid: number, force: boolean): Promise<void> {
  try {
    process.kill(-pid, force ? 'SIGKILL' : 'SIGTERM');
  } catch (err) {
    // ESRCH: the group is already gone, which is what was wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** shutdown(8) on Linux (systemd) and macOS: `-r +N message` schedules it and warns logged-in users. */
export function posixReboot(delayMin: number, message: string): ProgramCall {
  return { cmd: 'shutdown', args: ['-r', `+${delayMin}`, ...(message ? [message] : [])] };
}

export function posixBaseEnv(): Record<string, string> {
  return { PATH: process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: process.env.HOME ?? '/' };
}
