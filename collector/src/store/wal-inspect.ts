/**
 * Reads a SQLite write-ahead log the way SQLite's recovery does, before the database is opened,
 * to say what recovery will silently throw away. Recovery replays the frames up to the first one
 * whose checksum fails and ignores the rest: a torn tail (the transaction being written when the
 * process died, never acknowledged) is normal; committed transactions after a damaged frame are
 * acknowledged data that the store is about to lose.
 *
 * Format (https://www.sqlite.org/fileformat2.html#walformat): a 32-byte header (magic, version,
 * page size, checkpoint seq, salt-1, salt-2, checksum), then frames of a 24-byte header (page
 * number, database size after a commit or 0, salt-1, salt-2, checksum) and one page. Checksums run
 * cumulatively over the header and every frame, in the byte order the magic number gives.
 */

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const HEADER = 32;
const FRAME_HEADER = 24;

export interface WalReport {
  pageSize: number;
  /** Whole frames in the file. */
  frames: number;
  /** Frames recovery will replay (up to the last valid commit). */
  replayed: number;
  /** Transactions committed in the replayed part. */
  commits: number;
  /** Where replay stops, if before the end: a frame that fails its checksum, or a cut frame. */
  stop: null | { frame: number; why: 'checksum' | 'cut' };
  /** Frames of this log's generation after the stop, and how many of them end a committed transaction: lost. */
  framesAfterStop: number;
  lostCommits: number;
}

/** Inspects `<db>-wal`; null when there is none (clean stop, or nothing written since the last checkpoint). */
export function inspectWal(walPath: string): WalReport | null {
  let fd: number;
  try {
    fd = openSync(walPath, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < HEADER) return null;
    const header = Buffer.alloc(HEADER);
    readSync(fd, header, 0, HEADER, 0);
    const magic = header.readUInt32BE(0);
    if (magic !== 0x377f0682 && magic !== 0x377f0683) return null; // not a WAL SQLite would replay either
    const bigEndian = (magic & 1) === 1;
    const pageSize = header.readUInt32BE(8) === 1 ? 65536 : header.readUInt32BE(8);
    const salt1 = header.readUInt32BE(16);
    const salt2 = header.readUInt32BE(20);
    let [s0, s1] = checksum(header.subarray(0, 24), 0, 0, bigEndian);
    const headerValid = s0 === header.readUInt32BE(24) && s1 === header.readUInt32BE(28);
    const frameBytes = FRAME_HEADER + pageSize;
    const frames = Math.floor((size - HEADER) / frameBytes);
    const report: WalReport = { pageSize, frames, replayed: 0, commits: 0, stop: null, framesAfterStop: 0, lostCommits: 0 };
    const buf = Buffer.alloc(frameBytes);
    let valid = headerValid;
    let pendingFrames = 0;
    for (let i = 0; i < frames; i++) {
      readSync(fd, buf, 0, frameBytes, HEADER + i * frameBytes);
      const sameGeneration = buf.readUInt32BE(8) === salt1 && buf.readUInt32BE(12) === salt2;
      const commit = buf.readUInt32BE(4) !== 0;
      if (valid) {
        [s0, s1] = checksum(buf.subarray(0, 8), s0, s1, bigEndian);
        [s0, s1] = checksum(buf.subarray(FRAME_HEADER), s0, s1, bigEndian);
        if (sameGeneration && s0 === buf.readUInt32BE(16) && s1 === buf.readUInt32BE(20)) {
          pendingFrames++;
          if (commit) {
            report.replayed += pendingFrames;
            report.commits++;
            pendingFrames = 0;
          }
          continue;
        }
        valid = false;
        // Frames of an older generation after the last commit: the log simply ends there.
        if (!sameGeneration) break;
        report.stop = { frame: i, why: 'checksum' };
      }
      if (!sameGeneration) continue;
      report.framesAfterStop++;
      if (commit) report.lostCommits++;
    }
    if (valid && (size - HEADER) % frameBytes !== 0) report.stop = { frame: frames, why: 'cut' };
    if (!headerValid) report.stop = { frame: 0, why: 'checksum' };
    return report;
  } finally {
    closeSync(fd);
  }
}

function checksum(data: Buffer, s0: number, s1: number, bigEndian: boolean): [number, number] {
  let a = s0;
  let b = s1;
  for (let i = 0; i + 8 <= data.length; i += 8) {
    const x0 = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i);
    const x1 = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
    a = (a + x0 + b) >>> 0;
    b = (b + x1 + a) >>> 0;
  }
  return [a, b];
}
