import { open } from 'node:fs/promises';

/** Data of a file on disk before it is renamed into place. */
export async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
