import { spawn } from 'node:child_process';
import { copyFile, rename } from 'node:fs/promises';
import { fsyncFile } from './update-fsync.js';
import type { UpdatePlatform } from './update-platform.js';

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
