import { closeSync, fstatSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const CHUNK = Buffer.alloc(1024 * 1024);
/** Below this much free space, SQLite may not even open the store (its shared-memory index, the log's first pages). */
const MIN_FREE_BYTES = 1024 * 1024;

/**
 * A file of a few MiB kept beside the store and given up when the disk fills. SQLite cannot even
 * open a database in WAL mode on a disk with no room for its shared-memory index, so without it a
 * collector restarted on a full disk could not start at all; with it, it starts, serves reads and
 * says why it refuses data. Ingest resumes only once the reserve could be taken back.
 */
export class DiskReserve {
  readonly path: string;

  constructor(
    dir: string,
    readonly bytes: number,
  ) {
    this.path = join(dir, 'vigie.reserve');
  }

  /** Makes the file `bytes` long with real blocks; false (and nothing kept) when the disk has no room for it. */
  ensure(): boolean {
    if (this.bytes <= 0) return true;
    let fd: number | undefined;
    try {
      fd = openSync(this.path, 'a', 0o600);
      for (let size = fstatSync(fd).size; size < this.bytes; ) size += writeSync(fd, CHUNK, 0, Math.min(CHUNK.length, this.bytes - size));
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOSPC' && code !== 'EDQUOT') throw err;
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      this.release();
      return false;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /**
   * At start-up: keeps the reserve if the disk has room beside it; otherwise gives it up (or finds
   * none to make) and returns false: the disk is to be treated as full.
   */
  prepare(): boolean {
    if (!this.ensure()) return false;
    const fs = statfsSync(this.path);
    if (fs.bavail * fs.bsize >= MIN_FREE_BYTES) return true;
    this.release();
    return false;
  }

  /** Gives the space back to the file system; true if there was a reserve to give. */
  release(): boolean {
    try {
      const fd = openSync(this.path, 'r');
      const had = fstatSync(fd).size > 0;
      closeSync(fd);
      rmSync(this.path, { force: true });
      return had;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
}
