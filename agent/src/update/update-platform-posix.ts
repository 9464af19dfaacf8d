import { spawn } from 'node:child_process';
import { chmod, copyFile, rename } from 'node:fs/promises';
import { fsyncFile } from './update-fsync.js';
import type { UpdatePlatform } from './update-platform.js';

/**
 * POSIX: rename(2) over the running executable is atomic and leaves the running process on the old
 * inode. The previous one is a copy (the running one keeps its inode).
 */
export const posixUpdatePlatform: UpdatePlatform = {
  async swap(fresh, executable, previous) {
    await copyFile(executable, `${previous}.tmp`);
    await chmod(`${previous}.tmp`, 0o755);
    await fsyncFile(`${previous}.tmp`);
    await rename(`${previous}.tmp`, previous);
    await chmod(fresh, 0o755);
    await fsyncFile(fresh);
    await rename(fresh, executable);
  },
  async restore(executable, previous, failed) {
    await copyFile(executable, failed).catch(() => undefined);
    await copyFile(previous, `${executable}.restore`);
    await chmod(`${executable}.restore`, 0o755);
    await fsyncFile(`${executable}.restore`);
    await rename(`${executable}.restore`, executable);
  },
  startWatchdog(previous, args, onError) {
    // Its own session (setsid): it outlives the agent's exit and is not in its process group. Under
    // systemd, see updatePlatform(): a process of the service's cgroup would be ended with it.
    const child = spawn(previous, args, { detached: true, stdio: 'ignore' });
    child.on('error', onError);
    child.unref();
  },
};

/**
 * systemd ends every process of a service's cgroup when its main process exits: the watchdog runs
 * as a transient unit of its own (`systemd-run`), outside the agent's service, and is collected
 * once it ends.
 */
export const systemdUpdatePlatform: UpdatePlatform = {
  ...posixUpdatePlatform,
  startWatchdog(previous, args, onError) {
    const child = spawn('systemd-run', ['--quiet', '--collect', `--unit=vigie-agent-update-watch-${process.pid}`, '--', previous, ...args], {
      stdio: 'ignore',
      detached: true,
    });
    child.on('error', onError);
    child.unref();
  },
};
