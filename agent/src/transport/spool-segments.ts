/**
 * The spool's segment files: scanning and repairing them at open, appending records to the current
 * one, reading records back, removing whole segments. What to keep and what to count as lost is the
 * spool's business (spool.ts); this only knows files and records.
 */

import type { FileHandle } from 'node:fs/promises';
import { open, readdir, readFile, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSegmentFileName, payloadAt, recordAt, SegmentIndex, scanSegment, segmentFileName, syncDir } from './spool-format.js';

export interface Segment {
  path: string;
  size: number;
  index: SegmentIndex;
  /** When its last record was written (file time for segments found at open). */
  writtenAt: number;
}

export interface SegmentRecovery {
  truncatedBytes: number;
  corruptRegions: number;
  corruptBytes: number;
  removedSegments: number;
}

export const errCode = (err: unknown) => String((err as NodeJS.ErrnoException)?.code ?? 'EIO');

export class SegmentFiles {
  readonly segments: Segment[] = [];
  /** Total size of the segment files. */
  diskBytes = 0;
  private writer: { seg: Segment; fh: FileHandle } | null = null;
  /** The last segment found at open, when it is clean and may take more records. */
  private reopenable: Segment | null = null;

  constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private readonly durable: boolean,
    private readonly warn: (message: string) => void,
    private readonly now: () => number,
  ) {}

  /** Reads every segment, truncating a torn tail of the last one; returns the seq after the last record found. */
  async recover(recovery: SegmentRecovery, nextSeqFromLedger: number): Promise<number> {
    const bases = (await readdir(this.dir))
      .map(parseSegmentFileName)
      .filter((b): b is number => b !== null)
      .sort((a, b) => a - b);
    let lastSeq = 0;
    let nextSeq = nextSeqFromLedger;
    for (const [i, base] of bases.entries()) {
      const path = join(this.dir, segmentFileName(base));
      const buf = await readFile(path);
      const seg: Segment = { path, size: buf.length, index: new SegmentIndex(), writtenAt: (await stat(path)).mtimeMs };
      const scan = scanSegment(buf, lastSeq, (seq, offset, size) => seg.index.push(seq, offset, size));
      lastSeq = scan.lastSeq;
      // A segment's name is the seq of its first record, assigned even if the write never landed.
      nextSeq = Math.max(nextSeq, lastSeq + 1, buf.length > 0 ? base + 1 : base);
      if (scan.corruptRegions > 0) {
        recovery.corruptRegions += scan.corruptRegions;
        recovery.corruptBytes += scan.corruptBytes;
        this.warn(`${segmentFileName(base)}: skipped ${scan.corruptRegions} corrupt stretch(es), ${scan.corruptBytes} bytes`);
      }
      const tail = buf.length - scan.validEnd;
      const isLast = i === bases.length - 1;
      if (tail > 0 && isLast) {
        await truncate(path, scan.validEnd); // a torn write from a crash: drop it so appends continue cleanly
        seg.size = scan.validEnd;
        recovery.truncatedBytes += tail;
        this.warn(`${segmentFileName(base)}: truncated a torn tail of ${tail} bytes`);
      } else if (tail > 0) {
        recovery.corruptRegions++;
        recovery.corruptBytes += tail;
        this.warn(`${segmentFileName(base)}: skipped a corrupt tail of ${tail} bytes`);
      }
      this.segments.push(seg);
      this.diskBytes += seg.size;
      if (isLast && tail === 0 && seg.size < this.segmentBytes) this.reopenable = seg;
    }
    const unreadable = this.segments.filter((s) => s.index.count === 0);
    for (const seg of unreadable) {
      this.warn(`${seg.path}: no readable record, removed`);
      await this.remove(seg);
    }
    if (unreadable.length > 0 && this.durable) await syncDir(this.dir);
    recovery.removedSegments += unreadable.length;
    return nextSeq;
  }

  /** Appends one encoded record; on failure nothing of it is left to be read (the segment is truncated or sealed). */
  async append(seq: number, record: Buffer): Promise<void> {
    const { seg, fh } = await this.writerFor(seq, record.length);
    try {
      for (let done = 0; done < record.length; ) {
        const { bytesWritten } = await fh.write(record, done, record.length - done, seg.size + done);
        if (bytesWritten <= 0) throw new Error('spool: short write');
        done += bytesWritten;
      }
    } catch (err) {
      await this.abandonPartialWrite(seg, fh);
      throw err;
    }
    seg.index.push(seq, seg.size, record.length);
    seg.size += record.length;
    seg.writtenAt = this.now();
    this.diskBytes += record.length;
  }

  /** The record is written either way: a failed fsync makes it less durable, not lost. */
  async sync(): Promise<void> {
    await this.syncHandle(this.writer?.fh);
  }

  async closeWriter(): Promise<void> {
    const writer = this.writer;
    if (!writer) return;
    this.writer = null;
    try {
      if (this.durable) await this.syncHandle(writer.fh);
    } finally {
      await writer.fh.close();
    }
  }

  /** Leading segments holding no record above `floor` (and empty ones not being written). */
  headAtOrBelow(floor: number): Segment[] {
    const out: Segment[] = [];
    for (const seg of this.segments) {
      const covered = seg.index.count === 0 ? seg !== this.writer?.seg : seg.index.lastSeq() <= floor;
      if (!covered) break;
      out.push(seg);
    }
    return out;
  }

  async removeHead(count: number): Promise<void> {
    if (count === 0) return;
    for (const seg of this.segments.slice(0, count)) await this.remove(seg);
    if (this.durable) await syncDir(this.dir);
  }

  /** Up to `limit` records with a seq above `from`, in order. */
  async read(from: number, limit: number): Promise<{ seq: number; payload: string }[]> {
    const out: { seq: number; payload: string }[] = [];
    for (const seg of this.segments) {
      if (out.length >= limit) break;
      const idx = seg.index;
      if (idx.count === 0 || idx.lastSeq() <= from) continue;
      const first = idx.firstAfter(from);
      const end = Math.min(idx.count, first + (limit - out.length));
      const start = idx.offset(first);
      const buf = await this.readRange(seg, start, idx.offset(end - 1) + idx.size(end - 1) - start);
      for (let j = first; j < end; j++) {
        const pos = idx.offset(j) - start;
        const seq = idx.seq(j);
        if (recordAt(buf, pos, seq - 1)?.seq !== seq) {
          this.warn(`${seg.path}: record ${seq} no longer matches its checksum, skipped`);
          continue;
        }
        out.push({ seq, payload: payloadAt(buf, pos, idx.size(j)) });
      }
    }
    return out;
  }

  private async syncHandle(fh: FileHandle | undefined): Promise<void> {
    try {
      await fh?.datasync();
    } catch (err) {
      this.warn(`fsync failed (${errCode(err)}): the last records are written but may not survive a power loss`);
    }
  }

  /** Undo a half-written record; if that fails too, seal the segment so the scan skips the debris later. */
  private async abandonPartialWrite(seg: Segment, fh: FileHandle): Promise<void> {
    try {
      await fh.truncate(seg.size);
    } catch (err) {
      this.warn(`could not truncate a half-written record in ${seg.path} (${errCode(err)}): segment sealed`);
      await this.closeWriter().catch((e: unknown) => this.warn(`could not close ${seg.path}: ${String(e)}`));
    }
    // A segment created for this record and left empty would look like a crash's debris at the next open.
    if (seg.index.count === 0) await this.remove(seg).catch((e: unknown) => this.warn(`could not remove ${seg.path}: ${String(e)}`));
  }

  /** The segment to write `size` bytes into: the current one, the one found at open, or a new one named `seq`. */
  private async writerFor(seq: number, size: number): Promise<{ seg: Segment; fh: FileHandle }> {
    const fits = (seg: Segment): boolean => seg.size === 0 || seg.size + size <= this.segmentBytes;
    if (this.writer && !fits(this.writer.seg)) await this.closeWriter();
    if (this.writer) return this.writer;
    const candidate = this.reopenable;
    this.reopenable = null;
    if (candidate && candidate === this.segments[this.segments.length - 1] && fits(candidate)) {
      this.writer = { seg: candidate, fh: await open(candidate.path, 'r+') };
      return this.writer;
    }
    const seg: Segment = { path: join(this.dir, segmentFileName(seq)), size: 0, index: new SegmentIndex(), writtenAt: this.now() };
    const fh = await open(seg.path, 'wx+', 0o600);
    if (this.durable) await syncDir(this.dir);
    this.segments.push(seg);
    this.writer = { seg, fh };
    return this.writer;
  }

  private async remove(seg: Segment): Promise<void> {
    if (this.writer?.seg === seg) await this.closeWriter();
    if (this.reopenable === seg) this.reopenable = null;
    await unlink(seg.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    const i = this.segments.indexOf(seg);
    if (i >= 0) this.segments.splice(i, 1);
    this.diskBytes -= seg.size;
  }

  private async readRange(seg: Segment, position: number, length: number): Promise<Buffer> {
    const own = this.writer?.seg === seg ? null : await open(seg.path, 'r');
    const fh = own ?? this.writer?.fh;
    if (!fh) throw new Error('spool: no handle');
    try {
      const buf = Buffer.allocUnsafe(length);
      for (let done = 0; done < length; ) {
        const { bytesRead } = await fh.read(buf, done, length - done, position + done);
        if (bytesRead === 0) throw new Error(`spool: ${seg.path} is shorter than its index`);
        done += bytesRead;
      }
      return buf;
    } finally {
      await own?.close();
    }
  }
}
