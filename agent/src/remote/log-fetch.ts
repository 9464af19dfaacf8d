import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { isAbsolute, normalize, sep } from 'node:path';

export class PathRefused extends Error {}

/**
 * The end of a log file, at most `maxBytes`: the path must be absolute and already normal (no `..`,
 * no doubled separator), inside one of the platform's log folders, and no component on the way may
 * be a symbolic link (checked one by one, then the file is opened without following a link and must
 * be the very file checked), so a link planted in /var/log cannot lead to /etc/shadow.
 */
export async function readLogTail(path: string, maxBytes: number, roots: string[]): Promise<{ text: Buffer; size: number }> {
  if (!isAbsolute(path) || normalize(path) !== path) throw new PathRefused(`${path} is not an absolute, normalised path`);
  const root = roots.find((r) => path.startsWith(r) && path.length > r.length);
  if (!root) throw new PathRefused(`${path} is outside the log folders (${roots.join(', ')})`);
  // Every component from the root down, the file included.
  const parts = path.slice(root.length).split(sep);
  let current = root.slice(0, -1);
  for (const dir of [current, ...parts.map((p) => (current = `${current}${sep}${p}`))]) {
    const st = await lstat(dir).catch((err: NodeJS.ErrnoException) => {
      throw new PathRefused(`${dir}: ${err.code ?? err.message}`);
    });
    if (st.isSymbolicLink()) throw new PathRefused(`${dir} is a symbolic link`);
  }
  const before = await lstat(path);
  if (!before.isFile()) throw new PathRefused(`${path} is not a regular file`);
  const fh = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const st = await fh.stat();
    if (st.ino !== before.ino || st.dev !== before.dev) throw new PathRefused(`${path} changed while it was being opened`);
    const length = Math.min(maxBytes, st.size);
    const text = Buffer.alloc(length);
    const { bytesRead } = await fh.read(text, 0, length, st.size - length);
    return { text: text.subarray(0, bytesRead), size: st.size };
  } finally {
    await fh.close();
  }
}
