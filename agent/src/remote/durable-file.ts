import { open, rename } from 'node:fs/promises';

/**
 * Writes a file readable by the agent's user only, durably: the data is on disk (fsync) before the
 * rename makes it visible, so a crash leaves the old or the new content, never a torn one. Used for
 * what must survive a crash right after a command was accepted (its nonce) or a key was rotated.
 */
export async function writeDurable(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}
