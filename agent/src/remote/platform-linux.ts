import { readFile } from 'node:fs/promises';
import type { RemotePlatform } from './platform.js';
import { posixBaseEnv, posixCeilingFileProblem, posixInterpreter, posixKillTree, posixReboot, scriptExtension } from './platform-posix.js';

export const linuxRemote: RemotePlatform = {
  // Beside /etc/vigie-agent (0700, root's enrollment file): the agent's account must read it.
  defaultCeilingFile: () => '/etc/vigie-agent-remote.conf',
  ceilingFileProblem: posixCeilingFileProblem,
  scriptExtension,
  interpreter: posixInterpreter,
  reboot: posixReboot,
  // The name passed the envelope's pattern (no leading dash); `--` keeps it an operand all the same.
  serviceRestart: (service) => ({ cmd: 'systemctl', args: ['restart', '--', service] }),
  async processName(pid) {
    try {
      return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
    } catch {
      return undefined;
    }
  },
  killTree: posixKillTree,
  detached: true,
  logRoots: () => ['/var/log/'],
  baseEnv: posixBaseEnv,
};
