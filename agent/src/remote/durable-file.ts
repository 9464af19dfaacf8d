import { type FileHandle, open, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Who must own a file of the state folder once replaced. The CLI (`vigie-agent collectors set`,
 * `enroll`) is often run as root (sudo) while the service runs as its own user (`User=vigie-agent`):
 * a file replaced by rename would then belong to root, mode 0600, and the agent could no longer
 * read it at its next start. So a replaced file keeps its owner, group and mode; a new one takes
 * the owner and group of its folder (the mode stays 0600).
 */
async function ownerToKeep(path: string): Promise<{ uid: number; gid: number; mode: number } | undefined> {
  if (process.platform === 'win32') return undefined; // ACLs are inherited from the folder there
  try {
    const s = await stat(path);
    return { uid: s.uid, gid: s.gid, mode: s.mode & 0o777 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const d = await stat(dirname(path));
  return { uid: d.uid, gid: d.gid, mode: 0o600 };
}

async function applyOwner(fh: FileHandle, want: { uid: number; gid: number; mode: number } | undefined): Promise<void> {
  if (!want) return;
  const s = await fh.stat();
  // Only root can give a file away; any other user writes files it already owns (or fails loudly below).
  if ((s.uid !== want.uid || s.gid !== want.gid) && process.getuid?.() === 0) await fh.chown(want.uid, want.gid);
  if ((s.mode & 0o777) !== want.mode) await fh.chmod(want.mode);
}

/**
 * Replaces a file of the state folder through a temporary file and a rename, so a reader sees the
 * old or the new content, never a torn one; keeps the owner and mode (see `ownerToKeep`).
 * `durable`: the data is on disk (fsync) before the rename makes it visible.
 */
export async function replaceFile(path: string, content: string, o: { durable: boolean }): Promise<void> {
  const want = await ownerToKeep(path);
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await applyOwner(fh, want);
    await fh.writeFile(content);
    if (o.durable) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

/**
 * Writes a file readable by the agent's user only, durably: the data is on disk (fsync) before the
 * rename makes it visible, so a crash leaves the old or the new content, never a torn one. Used for
 * what must survive a crash right after a command was accepted (its nonce) or a key was rotated.
 */
export const writeDurable = (path: string, content: string): Promise<void> => replaceFile(path, content, { durable: true });
