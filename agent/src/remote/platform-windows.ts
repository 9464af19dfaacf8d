import { execFile } from 'node:child_process';
import { win32 } from 'node:path';

const { join } = win32;

import { promisify } from 'node:util';
import { GET_ACL_SCRIPT, parseAclJson, windowsAclProblem } from './acl-windows.js';
import type { RemotePlatform } from './platform.js';

const run = promisify(execFile);
const POWERSHELL = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass'];

export const windowsRemote: RemotePlatform = {
  defaultCeilingFile: () => join(process.env.ProgramData ?? 'C:\\ProgramData', 'Vigie', 'remote.conf'),
  async ceilingFileProblem(path) {
    const { stdout } = await run('powershell.exe', [...POWERSHELL, '-Command', GET_ACL_SCRIPT], {
      encoding: 'utf8',
      windowsHide: true,
      env: { ...process.env, VIGIE_ACL_PATH: path },
    });
    return windowsAclProblem(path, parseAclJson(stdout));
  },
  scriptExtension: (language) => (language === 'powershell' ? 'ps1' : language),
  interpreter(language, scriptPath) {
    if (language === 'powershell') return { cmd: 'powershell.exe', args: [...POWERSHELL, '-File', scriptPath] };
    // sh, bash and zsh scripts need a POSIX shell on the PATH (Git for Windows, MSYS2).
    return { cmd: language, args: [scriptPath] };
  },
  // /c shows the message to logged-in users; /t is in seconds.
  reboot: (delayMin, message) => ({ cmd: 'shutdown.exe', args: ['/r', '/t', String(delayMin * 60), ...(message ? ['/c', message] : [])] }),
  // The name travels in the environment: never inside a PowerShell command line.
  serviceRestart: (service) => ({
    cmd: 'powershell.exe',
    args: [...POWERSHELL, '-Command', 'Restart-Service -Force -Name $env:VIGIE_SERVICE'],
    env: { VIGIE_SERVICE: service },
  }),
  async processName(pid) {
    try {
      const { stdout } = await run('tasklist.exe', ['/FI', `PID eq ${pid}`, '/FO', 'CSV', '/NH'], { encoding: 'utf8', windowsHide: true });
      return /^"([^"]+)"/.exec(stdout.trim())?.[1];
    } catch {
      return undefined;
    }
  },
  async killTree(pid) {
    // Windows has no process groups: taskkill ends the tree.
    await run('taskkill.exe', ['/PID', String(pid), '/T', '/F'], { windowsHide: true });
  },
  detached: false,
  logRoots: () => [`${join(process.env.SystemRoot ?? 'C:\\Windows', 'Logs')}\\`, `${join(process.env.ProgramData ?? 'C:\\ProgramData', 'Vigie', 'logs')}\\`],
  baseEnv: () => {
    const keep = ['SystemRoot', 'SystemDrive', 'windir', 'ComSpec', 'PATHEXT', 'Path', 'PATH', 'TEMP', 'TMP', 'ProgramData', 'ProgramFiles'];
    return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));
  },
};
