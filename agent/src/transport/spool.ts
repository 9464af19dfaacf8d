/**
 * Durable outbound spool, in the manner of Vector's and Fluent Bit's disk buffers: every frame is
 * written to an append-only segment file before it is sent, and deleted once the collector has
 * acknowledged it. Plain files only: the agent is a single executable and cannot load native code.
 */

import type { FileHandle } from 'node:fs/promises';
import { chmod, mkdir, open, readdir, readFile, truncate, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LedgerState } from './spool-format.js';
import {
  emptyLedger,
  encodeRecord,
  parseSegmentFileName,
  payloadAt,
  readLedger,
  recordAt,
  SegmentIndex,
  scanSegment,
  segmentFileName,
  syncDir,
  writeLedger,
} from './spool-format.js';

export interface SpoolOptions {
  dir: string;
  /** Bound on the segment files' total size; the oldest segments are dropped beyond it. Default 64 MiB. */
  maxBytes?: number;
  /** A segment is closed once the next record would take it past this size. Default 1 MiB. */
  segmentBytes?: number;
  /**
   * 'always': each append is fsynced before it resolves. 'batch': appends queued together share
   * one fsync before they resolve. 'never': the OS decides (survives a crash of the agent, not
   * of the machine). Default 'always'.
   */
  fsync?: 'always' | 'batch' | 'never';
  /** Recovery and anomaly reports. Default: console.warn. */
  onWarn?: (message: string) => void;
}
export interface SpoolRecord {
  seq: number;
  payload: string;
}
export interface SpoolDrop {
  frames: number;
  bytes: number;
  fromSeq: number;
  toSeq: number;
}
export interface SpoolStats {
  pendingFrames: number;
  pendingBytes: number;
  droppedFrames: number;
  ackedSeq: number;
  nextSeq: number;
}
/** What `open` found and repaired. */
export interface SpoolRecovery {
  truncatedBytes: number;
  corruptRegions: number;
  corruptBytes: number;
  removedSegments: number;
  ledger: 'ok' | 'missing' | 'corrupt';
}

const MIB = 1024 * 1024;
const MAX_PENDING_DROP_REPORTS = 1000;
/** Directories open in this process: two Spools on one directory would corrupt each other. */
const openDirs = new Set<string>();

interface Segment {
  path: string;
  size: number;
  index: SegmentIndex;
}
interface PendingAppend {
  build: (seq: number) => string;
  resolve: (r: SpoolRecord) => void;
  reject: (e: unknown) => void;
}

function positiveInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new RangeError(`spool: ${name} must be an integer in [${min}, ${max}], got ${value}`);
  return value;
}

function closedError(): Error {
  return new Error('spool: closed');
}

export class Spool {
  private readonly segments: Segment[] = [];
  private writer: { seg: Segment; fh: FileHandle } | null = null;
  /** The last segment found at open, when it is clean and may take more records. */
  private reopenable: Segment | null = null;
  private state: LedgerState = emptyLedger();
  private diskBytes = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private appendQueue: PendingAppend[] = [];
  private closing: Promise<void> | null = null;
  readonly recovery: SpoolRecovery = { truncatedBytes: 0, corruptRegions: 0, corruptBytes: 0, removedSegments: 0, ledger: 'ok' };

  private constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly segmentBytes: number,
    private readonly fsyncMode: 'always' | 'batch' | 'never',
    private readonly warn: (message: string) => void,
  ) {}

  static async open(opts: SpoolOptions): Promise<Spool> {
    if (typeof opts.dir !== 'string' || opts.dir === '') throw new TypeError('spool: dir is required');
    const segmentBytes = positiveInt('segmentBytes', opts.segmentBytes ?? MIB, 64, 2 ** 31);
    const maxBytes = positiveInt('maxBytes', opts.maxBytes ?? 64 * MIB, segmentBytes, Number.MAX_SAFE_INTEGER);
    const fsyncMode = opts.fsync ?? 'always';
    if (!['always', 'batch', 'never'].includes(fsyncMode)) throw new RangeError(`spool: unknown fsync mode ${String(fsyncMode)}`);
    const dir = resolve(opts.dir);
    if (openDirs.has(dir)) throw new Error(`spool: ${dir} is already open in this process`);
    openDirs.add(dir);
    const spool = new Spool(dir, maxBytes, segmentBytes, fsyncMode, opts.onWarn ?? ((m) => console.warn(`vigie spool: ${m}`)));
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700); // frames may carry inventory details: owner only, even if the directory pre-existed
      await spool.recover();
    } catch (err) {
      openDirs.delete(dir);
      throw err;
    }
    return spool;
  }

  append(build: (seq: number) => string): Promise<SpoolRecord> {
    if (this.closing) return Promise.reject(closedError());
    return new Promise<SpoolRecord>((resolve, reject) => {
      this.appendQueue.push({ build, resolve, reject });
      // The first waiting append schedules a drain; later ones join it (group commit in 'batch').
      if (this.appendQueue.length === 1) void this.run(() => this.drainAppends());
    });
  }

  read(afterSeq: number, limit: number): Promise<SpoolRecord[]> {
    if (this.closing) return Promise.reject(closedError());
    if (!Number.isFinite(afterSeq)) return Promise.reject(new RangeError(`spool: afterSeq must be a number, got ${afterSeq}`));
    return this.run(() => this.readRecords(afterSeq, Math.max(0, Math.floor(limit))));
  }

  ack(seq: number): Promise<void> {
    if (this.closing) return Promise.reject(closedError());
    if (!Number.isFinite(seq)) return Promise.reject(new RangeError(`spool: ack seq must be a number, got ${seq}`));
    return this.run(async () => {
      let target = Math.floor(seq);
      if (target >= this.state.nextSeq) {
        this.warn(`ack ${seq} is beyond the last assigned seq ${this.state.nextSeq - 1}; clamped`);
        target = this.state.nextSeq - 1;
      }
      if (target <= this.state.ackedSeq) return;
      this.state.ackedSeq = target;
      await this.persistLedger(); // before deleting: a crash in between leaves garbage, never a lost ack
      await this.removeHeadSegments(this.coveredHeadSegments());
    });
  }

  bumpSeq(nextSeq: number): Promise<void> {
    if (this.closing) return Promise.reject(closedError());
    if (!Number.isSafeInteger(nextSeq) || nextSeq < 1) return Promise.reject(new RangeError(`spool: bumpSeq needs a positive integer, got ${nextSeq}`));
    return this.run(async () => {
      if (nextSeq <= this.state.nextSeq) return;
      this.state.nextSeq = nextSeq;
      await this.persistLedger();
    });
  }

  /**
   * Hands over the pending drop reports. Clearing them is persisted in the background: a crash
   * right after this call may report the same drops again after restart (at least once).
   */
  takeDrops(): SpoolDrop[] {
    const drops = this.state.drops;
    if (drops.length === 0) return [];
    this.state.drops = [];
    if (!this.closing) this.run(() => this.persistLedger()).catch((err: unknown) => this.warn(`could not persist taken drops: ${String(err)}`));
    return drops;
  }

  stats(): SpoolStats {
    const floor = this.floorSeq();
    let pendingFrames = 0;
    let pendingBytes = 0;
    for (const seg of this.segments) {
      const i = seg.index.firstAfter(floor);
      pendingFrames += seg.index.count - i;
      for (let j = i; j < seg.index.count; j++) pendingBytes += seg.index.size(j);
    }
    const { droppedFrames, ackedSeq, nextSeq } = this.state;
    return { pendingFrames, pendingBytes, droppedFrames, ackedSeq, nextSeq };
  }

  close(): Promise<void> {
    this.closing ??= this.run(async () => {
      try {
        await this.closeWriter();
        await this.persistLedger();
      } finally {
        openDirs.delete(this.dir);
      }
    });
    return this.closing;
  }

  // ---- internals ----

  /** Serialises every operation touching files or state, in call order. */
  private run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.chain.then(op);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** Every seq at or below this is gone for good: acknowledged or dropped. */
  private floorSeq(): number {
    return Math.max(this.state.ackedSeq, this.state.droppedThroughSeq);
  }

  private persistLedger(): Promise<void> {
    return writeLedger(this.dir, this.state, this.fsyncMode !== 'never');
  }

  private async recover(): Promise<void> {
    const ledger = await readLedger(this.dir);
    if (typeof ledger === 'string') {
      this.recovery.ledger = ledger;
      if (ledger === 'corrupt') this.warn('ledger unreadable: acknowledgements forgotten, pending records will be resent');
    } else {
      this.state = ledger;
    }
    const bases = (await readdir(this.dir))
      .map(parseSegmentFileName)
      .filter((b): b is number => b !== null)
      .sort((a, b) => a - b);
    let lastSeq = 0;
    let nextSeq = this.state.nextSeq;
    for (const [i, base] of bases.entries()) {
      const path = join(this.dir, segmentFileName(base));
      const buf = await readFile(path);
      const seg: Segment = { path, size: buf.length, index: new SegmentIndex() };
      const scan = scanSegment(buf, lastSeq, (seq, offset, size) => seg.index.push(seq, offset, size));
      lastSeq = scan.lastSeq;
      // A segment's name is the seq of its first record, assigned even if the write never landed.
      nextSeq = Math.max(nextSeq, lastSeq + 1, buf.length > 0 ? base + 1 : base);
      if (scan.corruptRegions > 0) {
        this.recovery.corruptRegions += scan.corruptRegions;
        this.recovery.corruptBytes += scan.corruptBytes;
        this.warn(`${segmentFileName(base)}: skipped ${scan.corruptRegions} corrupt stretch(es), ${scan.corruptBytes} bytes`);
      }
      const tail = buf.length - scan.validEnd;
      const isLast = i === bases.length - 1;
      if (tail > 0 && isLast) {
        await truncate(path, scan.validEnd); // a torn write from a crash: drop it so appends continue cleanly
        seg.size = scan.validEnd;
        this.recovery.truncatedBytes += tail;
        this.warn(`${segmentFileName(base)}: truncated a torn tail of ${tail} bytes`);
      } else if (tail > 0) {
        this.recovery.corruptRegions++;
        this.recovery.corruptBytes += tail;
        this.warn(`${segmentFileName(base)}: skipped a corrupt tail of ${tail} bytes`);
      }
      this.segments.push(seg);
      this.diskBytes += seg.size;
      if (isLast && tail === 0 && seg.size < this.segmentBytes) this.reopenable = seg;
    }
    this.state.nextSeq = nextSeq;
    // Acknowledged or dropped segments whose removal a crash interrupted, and empty or unreadable ones.
    const garbage = this.coveredHeadSegments();
    const unreadable = this.segments.slice(garbage).filter((s) => s.index.count === 0);
    for (const seg of unreadable) this.warn(`${seg.path}: no readable record, removed`);
    this.recovery.removedSegments = garbage + unreadable.length;
    await this.removeHeadSegments(garbage);
    for (const seg of unreadable) await this.removeSegment(seg);
    if (unreadable.length > 0 && this.fsyncMode !== 'never') await syncDir(this.dir);
  }

  private async drainAppends(): Promise<void> {
    const batch = this.appendQueue;
    this.appendQueue = [];
    const written: Array<[PendingAppend, SpoolRecord]> = [];
    for (const pending of batch) {
      try {
        const record = await this.appendOne(pending.build);
        if (this.fsyncMode === 'batch') written.push([pending, record]);
        else pending.resolve(record);
      } catch (err) {
        pending.reject(err);
      }
    }
    if (written.length === 0) return;
    try {
      await this.writer?.fh.datasync();
    } catch (err) {
      for (const [pending] of written) pending.reject(err);
      return;
    }
    for (const [pending, record] of written) pending.resolve(record);
  }

  private async appendOne(build: (seq: number) => string): Promise<SpoolRecord> {
    const seq = this.state.nextSeq;
    const payload = build(seq);
    if (typeof payload !== 'string') throw new TypeError('spool: build() must return a string');
    const record = encodeRecord(seq, payload);
    this.state.nextSeq = seq + 1; // consumed from here on, even if the write fails: a seq is never reused
    await this.makeRoom(record.length);
    const writer = await this.writerFor(seq, record.length);
    const { seg, fh } = writer;
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
    this.diskBytes += record.length;
    if (this.fsyncMode === 'always') await fh.datasync();
    return { seq, payload };
  }

  /** Undo a half-written record; if that fails too, seal the segment so the scan skips the debris later. */
  private async abandonPartialWrite(seg: Segment, fh: FileHandle): Promise<void> {
    try {
      await fh.truncate(seg.size);
    } catch {
      await this.closeWriter().catch(() => undefined);
    }
  }

  /** Drops the oldest whole segments, acknowledged or not, until `incoming` more bytes fit. */
  private async makeRoom(incoming: number): Promise<void> {
    let victims = 0;
    let bytes = this.diskBytes;
    while (bytes + incoming > this.maxBytes && victims < this.segments.length) bytes -= this.segments[victims++]?.size ?? 0;
    if (victims === 0) return;
    const floor = this.floorSeq();
    const drop: SpoolDrop = { frames: 0, bytes: 0, fromSeq: 0, toSeq: 0 };
    for (const seg of this.segments.slice(0, victims)) {
      for (let j = seg.index.firstAfter(floor); j < seg.index.count; j++) {
        if (drop.frames === 0) drop.fromSeq = seg.index.seq(j);
        drop.toSeq = seg.index.seq(j);
        drop.frames++;
        drop.bytes += seg.index.size(j);
      }
      this.state.droppedThroughSeq = Math.max(this.state.droppedThroughSeq, seg.index.lastSeq());
    }
    if (drop.frames > 0) this.reportDrop(drop);
    await this.persistLedger(); // the drop report is durable before the records disappear
    await this.removeHeadSegments(victims);
  }

  private reportDrop(drop: SpoolDrop): void {
    const drops = this.state.drops;
    this.state.droppedFrames += drop.frames;
    const last = drops[drops.length - 1];
    // Consecutive drops with no acknowledged record between them read better as one range.
    if (last && this.state.ackedSeq <= last.toSeq) {
      last.frames += drop.frames;
      last.bytes += drop.bytes;
      last.toSeq = drop.toSeq;
    } else {
      drops.push(drop);
    }
    const [first, second] = drops;
    if (drops.length > MAX_PENDING_DROP_REPORTS && first && second) {
      drops.splice(0, 2, { frames: first.frames + second.frames, bytes: first.bytes + second.bytes, fromSeq: first.fromSeq, toSeq: second.toSeq });
    }
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
    const seg: Segment = { path: join(this.dir, segmentFileName(seq)), size: 0, index: new SegmentIndex() };
    const fh = await open(seg.path, 'wx+', 0o600);
    if (this.fsyncMode !== 'never') await syncDir(this.dir);
    this.segments.push(seg);
    this.writer = { seg, fh };
    return this.writer;
  }

  private async closeWriter(): Promise<void> {
    const writer = this.writer;
    if (!writer) return;
    this.writer = null;
    try {
      if (this.fsyncMode !== 'never') await writer.fh.datasync();
    } finally {
      await writer.fh.close();
    }
  }

  /** How many leading segments hold nothing pending (all acked or dropped, or empty and not being written). */
  private coveredHeadSegments(): number {
    const floor = this.floorSeq();
    let n = 0;
    for (const seg of this.segments) {
      const covered = seg.index.count === 0 ? seg !== this.writer?.seg : seg.index.lastSeq() <= floor;
      if (!covered) break;
      n++;
    }
    return n;
  }

  private async removeHeadSegments(count: number): Promise<void> {
    if (count === 0) return;
    for (const seg of this.segments.slice(0, count)) await this.removeSegment(seg);
    if (this.fsyncMode !== 'never') await syncDir(this.dir);
  }

  private async removeSegment(seg: Segment): Promise<void> {
    if (this.writer?.seg === seg) await this.closeWriter();
    if (this.reopenable === seg) this.reopenable = null;
    await unlink(seg.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    const i = this.segments.indexOf(seg);
    if (i >= 0) this.segments.splice(i, 1);
    this.diskBytes -= seg.size;
  }

  private async readRecords(afterSeq: number, limit: number): Promise<SpoolRecord[]> {
    const from = Math.max(afterSeq, this.floorSeq());
    const out: SpoolRecord[] = [];
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
