import { closeSync, fstatSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const CHUNK = Buffer.alloc(1024 * 1024);
/** Below this much free space, SQLite may not even open the store (its shared-memory index, the log's first pages). */
const MIN_FREE_BYTES = 1024 * 1024;

/**
 * Free space a store that was full needs before taking data again (beside the reserve): 64 MiB,
 * or 5 % of a smaller file system. Without such a margin it would flap between full and not.
 */
export function roomToResume(fs: { blocks: number; bsize: number }, resumeFreeBytes = 64 * 1024 * 1024): number {
  return Math.min(resumeFreeBytes, Math.floor(fs.blocks * fs.bsize * 0.05));
}

/**
 * A file of a few MiB kept beside the store, given up by a collector that starts on a full disk.
 * SQLite cannot even open a database in WAL mode on a disk with no room for its shared-memory
 * index, so without it a collector restarted on a full disk could not start at all; with it, it
 * starts, serves reads and says why it refuses data. A running collector keeps it when the disk
 * fills (its store is open already), for the next start. Ingest resumes only once it is back.
 */
export class DiskReserve {
  readonly path: string;

  constructor(
    private readonly dir: string,
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
   * At start-up: keeps the reserve held since the last run if the disk has room beside it; takes
   * one (first start, or given up when the disk filled) only with room to spare. False: the disk
   * is to be treated as full (and the reserve, if any, is given up so the store can open).
   */
  prepare(): boolean {
    if (this.bytes <= 0) return true;
    const held = this.size() >= this.bytes;
    const fs = statfsSync(this.dir);
    const free = fs.bavail * fs.bsize;
    if (held && free >= MIN_FREE_BYTES) return true;
    if (!held && free >= this.bytes + roomToResume(fs) && this.ensure()) return true;
    this.release();
    return false;
  }

  private size(): number {
    try {
      const fd = openSync(this.path, 'r');
      try {
        return fstatSync(fd).size;
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
  }

  /** Gives the space back to the file system; true if there was a reserve to give. */
  release(): boolean {
    const had = this.size() > 0;
    rmSync(this.path, { force: true });
    return had;
  }
}
