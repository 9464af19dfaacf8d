import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RemotePlatform } from './platform.js';
import { posixBaseEnv, posixCeilingFileProblem, posixInterpreter, posixKillTree, posixReboot, scriptExtension } from './platform-posix.js';

const run = promisify(execFile);

export const darwinRemote: RemotePlatform = {
  defaultCeilingFile: () => '/Library/Application Support/Vigie/remote.conf',
  ceilingFileProblem: posixCeilingFileProblem,
  scriptExtension,
  interpreter: posixInterpreter,
  reboot: posixReboot,
  // launchd: restart a system daemon by its label.
  serviceRestart: (service) => ({ cmd: 'launchctl', args: ['kickstart', '-k', `system/${service}`] }),
  async processName(pid) {
    try {
      const { stdout } = await run('ps', ['-p', String(pid), '-o', 'comm='], { encoding: 'utf8' });
      return stdout.trim().split('/').pop() || undefined;
    } catch {
      return undefined;
    }
  },
  killTree: posixKillTree,
  detached: true,
  logRoots: () => ['/var/log/', '/Library/Logs/'],
  baseEnv: posixBaseEnv,
};
