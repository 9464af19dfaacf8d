import { mkdirSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './processes.js';

/** A small tmpfs mounted at `dir` (we are root, as in CI): a disk that really fills up. */
export async function mountTmpfs(dir: string, size: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
}

export async function unmount(dir: string): Promise<void> {
  await run('umount', ['-l', dir]);
}

/** Fills the file system holding `dir` with a file until it refuses (ENOSPC); returns the file. */
export async function fillUp(dir: string): Promise<string> {
  const path = join(dir, 'filler');
  const fh = await open(path, 'a');
  try {
    for (;;) await fh.write(Buffer.alloc(64 * 1024, 1));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await fh.close();
  }
  return path;
}

export const release = (filler: string) => rm(filler, { force: true });
