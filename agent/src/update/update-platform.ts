import { posixUpdatePlatform, systemdUpdatePlatform } from './update-platform-posix.js';
import { windowsUpdatePlatform } from './update-platform-windows.js';

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

export function updatePlatform(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): UpdatePlatform {
  if (platform === 'win32') return windowsUpdatePlatform;
  // INVOCATION_ID: set by systemd for the processes of a unit.
  if (platform === 'linux' && env.INVOCATION_ID) return systemdUpdatePlatform;
  return posixUpdatePlatform;
}
