import { spawn } from 'node:child_process';
import { chmod, copyFile, open, rename } from 'node:fs/promises';

/**
 * What differs between systems when the agent replaces its own executable: how the swap is made
 * atomic and how the watchdog is started so that it outlives the agent's restart. The restart
 * itself is the service manager's: the agent exits, and systemd (Restart=always), launchd
 * (KeepAlive) or the Windows service wrapper (nssm, restart on exit) start the executable again.
 */
export interface UpdatePlatform {
  /** New executable in place of the current one (atomically), the current one kept as `previous`. */
  swap(fresh: string, executable: string, previous: string): Promise<void>;
  /** The previous executable back in place (the failed one kept beside it, for a look). */
  restore(executable: string, previous: string, failed: string): Promise<void>;
  /** Starts the watchdog (the previous, known-good executable) outside the agent's process tree. */
  startWatchdog(previous: string, args: string[], onError: (err: Error) => void): void;
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

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
 * Windows: a running .exe cannot be overwritten but can be renamed; the new one then takes its
 * name. The watchdog is started detached from the service wrapper's job.
 */
export const windowsUpdatePlatform: UpdatePlatform = {
  async swap(fresh, executable, previous) {
    await rename(executable, previous);
    await fsyncFile(fresh);
    await rename(fresh, executable);
  },
  async restore(executable, previous, failed) {
    await rename(executable, failed).catch(() => undefined);
    await copyFile(previous, executable);
  },
  startWatchdog(previous, args, onError) {
    const child = spawn(previous, args, { detached: true, stdio: 'ignore', windowsHide: true });
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

export function updatePlatform(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): UpdatePlatform {
  if (platform === 'win32') return windowsUpdatePlatform;
  // INVOCATION_ID: set by systemd for the processes of a unit.
  if (platform === 'linux' && env.INVOCATION_ID) return systemdUpdatePlatform;
  return posixUpdatePlatform;
}
