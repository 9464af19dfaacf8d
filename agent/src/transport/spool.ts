/**
 * Durable outbound spool, in the manner of Vector's and Fluent Bit's disk buffers: every frame is
 * written to an append-only segment file before it is sent. Acknowledged frames stay a while (the
 * acknowledged window) so that a collector whose store lost committed frames can have them again;
 * the oldest segments go first when the size bound is reached. What is lost is counted exactly
 * (spool-losses.ts). Plain files only: the agent is a single executable and cannot load native code.
 */

import { chmod, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SpoolReport } from '@vigie/shared';
import { encodeRecord } from './spool-format.js';
import { emptyLedger, LedgerFile, type LedgerState, type SeqRun } from './spool-ledger.js';
import { pushSeq, SpoolLosses } from './spool-losses.js';
import { errCode, SegmentFiles } from './spool-segments.js';

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
  /** Acknowledged frames kept to resend if the collector's acknowledgement goes backwards: at most this many bytes (default min(8 MiB, maxBytes / 4); 0 = none)… */
  ackWindowBytes?: number;
  /** …and for at most this long after they were written. Default 1 h. */
  ackWindowMs?: number;
  /** Recovery and anomaly reports. Default: console.warn. */
  onWarn?: (message: string) => void;
  now?: () => number;
}
export interface SpoolRecord {
  seq: number;
  payload: string;
}
export interface SpoolStats {
  pendingFrames: number;
  pendingBytes: number;
  droppedFrames: number;
  unspooledFrames: number;
  inDoubtFrames: number;
  ackedSeq: number;
  nextSeq: number;
  /** Acknowledged frames still kept. */
  windowFrames: number;
  windowBytes: number;
}
/** What `open` found and repaired. */
export interface SpoolRecovery {
  truncatedBytes: number;
  corruptRegions: number;
  corruptBytes: number;
  removedSegments: number;
  ledger: 'ok' | 'missing' | 'corrupt';
}
/** What an acknowledgement changed. */
export interface AckOutcome {
  /** The collector acknowledged less than before: its store lost frames. */
  rewound?: { from: number; to: number; resendable: number; notKept: number };
  /** In-doubt frames settled by this acknowledgement. */
  settled: { arrived: number; lost: number };
}

/** A frame the spool could not write; it is counted in `unspooledFrames` and reported. */
export class SpoolWriteError extends Error {
  constructor(
    readonly seq: number,
    readonly code: string,
    cause: unknown,
  ) {
    super(`spool: frame ${seq} not written (${code}): ${String((cause as Error)?.message ?? cause)}`);
    this.name = 'SpoolWriteError';
  }
}

const MIB = 1024 * 1024;
/** Directories open in this process: two Spools on one directory would corrupt each other. */
const openDirs = new Set<string>();

interface PendingAppend {
  build: (seq: number) => string;
  resolve: (r: SpoolRecord) => void;
  reject: (e: unknown) => void;
}

function positiveInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new RangeError(`spool: ${name} must be an integer in [${min}, ${max}], got ${value}`);
  return value;
}

const closedError = () => new Error('spool: closed');
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

export class Spool {
  private readonly files: SegmentFiles;
  private state: LedgerState = emptyLedger();
  private losses: SpoolLosses;
  private ledgerSaveFailing = false;
  /** Highest seq that may have reached the collector without our knowing (see spool-losses.ts). */
  private maySentThrough = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private appendQueue: PendingAppend[] = [];
  private closing: Promise<void> | null = null;
  private readonly ledger: LedgerFile;
  readonly recovery: SpoolRecovery = { truncatedBytes: 0, corruptRegions: 0, corruptBytes: 0, removedSegments: 0, ledger: 'ok' };

  private constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    segmentBytes: number,
    private readonly fsyncMode: 'always' | 'batch' | 'never',
    private readonly window: { bytes: number; ms: number },
    private readonly warn: (message: string) => void,
    private readonly now: () => number,
  ) {
    this.ledger = new LedgerFile(dir, fsyncMode !== 'never');
    this.files = new SegmentFiles(dir, segmentBytes, fsyncMode !== 'never', warn, now);
    this.losses = new SpoolLosses(this.state, warn);
  }

  static async open(opts: SpoolOptions): Promise<Spool> {
    if (typeof opts.dir !== 'string' || opts.dir === '') throw new TypeError('spool: dir is required');
    const segmentBytes = positiveInt('segmentBytes', opts.segmentBytes ?? MIB, 64, 2 ** 31);
    const maxBytes = positiveInt('maxBytes', opts.maxBytes ?? 64 * MIB, segmentBytes, Number.MAX_SAFE_INTEGER);
    const window = {
      bytes: positiveInt('ackWindowBytes', opts.ackWindowBytes ?? Math.min(8 * MIB, Math.floor(maxBytes / 4)), 0, maxBytes),
      ms: positiveInt('ackWindowMs', opts.ackWindowMs ?? 3_600_000, 0, Number.MAX_SAFE_INTEGER),
    };
    const fsyncMode = opts.fsync ?? 'always';
    if (!['always', 'batch', 'never'].includes(fsyncMode)) throw new RangeError(`spool: unknown fsync mode ${String(fsyncMode)}`);
    const dir = resolve(opts.dir);
    if (openDirs.has(dir)) throw new Error(`spool: ${dir} is already open in this process`);
    openDirs.add(dir);
    const warn = opts.onWarn ?? ((m) => console.warn(`vigie spool: ${m}`));
    const spool = new Spool(dir, maxBytes, segmentBytes, fsyncMode, window, warn, opts.now ?? Date.now);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700); // frames may carry inventory details: owner only, even if the directory pre-existed
      await spool.recover();
    } catch (err) {
      openDirs.delete(dir);
      await spool.ledger.close();
      throw err;
    }
    return spool;
  }

  /** Writes one frame; rejects with SpoolWriteError (the frame counted as lost) when it cannot be written. */
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
    return this.run(() => this.files.read(Math.max(afterSeq, this.floorSeq()), Math.max(0, Math.floor(limit))));
  }

  /** The connection sent this record: if it is removed before being acknowledged, whether it arrived is in doubt. */
  markSent(seq: number): void {
    if (seq > this.maySentThrough) this.maySentThrough = seq;
  }

  ack(seq: number): Promise<AckOutcome> {
    return this.acknowledge(seq, { first: false });
  }

  /**
   * A cumulative acknowledgement. `first`: the first of a connection, which the collector sends once
   * everything received before is committed: it settles every frame in doubt, and if it is below
   * what was acknowledged before (the collector's store lost frames), the kept window is sent again.
   */
  acknowledge(seq: number, opts: { first: boolean }): Promise<AckOutcome> {
    if (this.closing) return Promise.reject(closedError());
    if (!Number.isFinite(seq)) return Promise.reject(new RangeError(`spool: ack seq must be a number, got ${seq}`));
    return this.run(async () => {
      let target = Math.max(0, Math.floor(seq));
      if (target >= this.state.nextSeq) {
        this.warn(`ack ${seq} is beyond the last assigned seq ${this.state.nextSeq - 1}; clamped`);
        target = this.state.nextSeq - 1;
      }
      const outcome: AckOutcome = { settled: { arrived: 0, lost: 0 } };
      const before = this.state.ackedSeq;
      if (target < before && opts.first) outcome.rewound = this.rewind(target);
      else if (target > before) this.state.ackedSeq = target;
      outcome.settled = this.losses.settle(target, opts.first, this.now());
      if (opts.first) this.maySentThrough = target;
      const changed = this.state.ackedSeq !== before || outcome.settled.arrived + outcome.settled.lost > 0;
      if (changed) await this.saveLedger(); // before deleting: a crash in between leaves garbage, never a lost ack
      if (this.state.ackedSeq > before) await this.pruneWindow();
      return outcome;
    });
  }

  bumpSeq(nextSeq: number): Promise<void> {
    if (this.closing) return Promise.reject(closedError());
    if (!Number.isSafeInteger(nextSeq) || nextSeq < 1) return Promise.reject(new RangeError(`spool: bumpSeq needs a positive integer, got ${nextSeq}`));
    return this.run(async () => {
      if (nextSeq <= this.state.nextSeq) return;
      this.state.nextSeq = nextSeq;
      await this.saveLedger();
    });
  }

  stats(): SpoolStats {
    const floor = this.floorSeq();
    let pendingFrames = 0;
    let pendingBytes = 0;
    let windowFrames = 0;
    let windowBytes = 0;
    for (const seg of this.files.segments) {
      const i = seg.index.firstAfter(floor);
      pendingFrames += seg.index.count - i;
      for (let j = 0; j < seg.index.count; j++) {
        if (j >= i) pendingBytes += seg.index.size(j);
        else if (seg.index.seq(j) <= this.state.ackedSeq) {
          windowFrames++;
          windowBytes += seg.index.size(j);
        }
      }
    }
    const { droppedFrames, unspooledFrames, ackedSeq, nextSeq } = this.state;
    return {
      pendingFrames,
      pendingBytes,
      droppedFrames,
      unspooledFrames,
      inDoubtFrames: this.losses.inDoubtFrames,
      ackedSeq,
      nextSeq,
      windowFrames,
      windowBytes,
    };
  }

  /** What the collector is told, in hello and spool-report. */
  report(): SpoolReport {
    const s = this.stats();
    return {
      pendingFrames: s.pendingFrames,
      pendingBytes: s.pendingBytes,
      droppedFrames: s.droppedFrames,
      unspooledFrames: s.unspooledFrames,
      inDoubtFrames: s.inDoubtFrames,
      ackedSeq: s.ackedSeq,
      drops: this.state.drops.map((d) => ({ ...d })),
    };
  }

  close(): Promise<void> {
    this.closing ??= this.run(async () => {
      try {
        await this.files.closeWriter();
        await this.saveLedger();
      } finally {
        await this.ledger.close();
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

  /** Every seq at or below this was acknowledged or dropped: nothing there is sent again. */
  private floorSeq(): number {
    return Math.max(this.state.ackedSeq, this.state.droppedThroughSeq);
  }

  /** Saves the ledger; a failure is reported once and retried at the next save, never thrown. */
  private async saveLedger(): Promise<boolean> {
    try {
      await this.ledger.write(this.state);
      if (this.ledgerSaveFailing) this.warn('ledger saved again');
      this.ledgerSaveFailing = false;
      return true;
    } catch (err) {
      if (!this.ledgerSaveFailing) this.warn(`could not save the ledger (${errCode(err)}); kept in memory and retried: ${String((err as Error).message)}`);
      this.ledgerSaveFailing = true;
      return false;
    }
  }

  private rewind(to: number): NonNullable<AckOutcome['rewound']> {
    const from = this.state.ackedSeq;
    this.state.ackedSeq = to;
    const floor = this.floorSeq();
    let resendable = 0;
    for (const seg of this.files.segments) {
      for (let j = seg.index.firstAfter(floor); j < seg.index.count && seg.index.seq(j) <= from; j++) resendable++;
    }
    const notKept = from - to - resendable;
    this.warn(
      `the collector acknowledged only up to ${to} after ${from}: its store lost acknowledged frames; ${resendable} sent again from the acknowledged window` +
        (notKept > 0 ? `, ${notKept} seqs in between no longer kept (dropped, never written, or older than the window)` : ''),
    );
    return { from, to, resendable, notKept };
  }

  private async recover(): Promise<void> {
    const ledger = await this.ledger.read();
    if (typeof ledger === 'string') {
      this.recovery.ledger = ledger;
      if (ledger === 'corrupt') this.warn('ledger unreadable: acknowledgements and loss counters forgotten, pending records will be resent');
    } else {
      this.state = ledger;
      this.losses = new SpoolLosses(this.state, this.warn);
    }
    this.state.nextSeq = await this.files.recover(this.recovery, this.state.nextSeq);
    // A previous process may have sent anything it had: until the first ack, all of it is in doubt.
    this.maySentThrough = this.state.nextSeq - 1;
    this.recovery.removedSegments += await this.pruneWindow();
    // Both ledger slots exist from now on, so that recording a loss never needs new disk space.
    try {
      await this.ledger.ensureSlots(this.state);
    } catch (err) {
      this.ledgerSaveFailing = true;
      this.warn(`could not prepare the ledger (${errCode(err)}); kept in memory and retried: ${String((err as Error).message)}`);
    }
  }

  private async drainAppends(): Promise<void> {
    const batch = this.appendQueue;
    this.appendQueue = [];
    const written: Array<[PendingAppend, SpoolRecord]> = [];
    let unspooled = false;
    for (const pending of batch) {
      try {
        const record = await this.appendOne(pending.build);
        if (this.fsyncMode === 'batch') written.push([pending, record]);
        else pending.resolve(record);
      } catch (err) {
        if (err instanceof SpoolWriteError) unspooled = true;
        pending.reject(err);
      }
    }
    if (unspooled) await this.saveLedger();
    if (written.length > 0) await this.files.sync();
    for (const [pending, record] of written) pending.resolve(record);
  }

  private async appendOne(build: (seq: number) => string): Promise<SpoolRecord> {
    const seq = this.state.nextSeq;
    const payload = build(seq);
    if (typeof payload !== 'string') throw new TypeError('spool: build() must return a string');
    const record = encodeRecord(seq, payload);
    this.state.nextSeq = seq + 1; // consumed from here on, even if the write fails: a seq is never reused
    try {
      await this.makeRoom(record.length);
      await this.files.append(seq, record);
    } catch (first) {
      // Out of space: acknowledged frames kept for a collector that might lose some are the first to go.
      const freed = NO_SPACE.has(errCode(first)) ? await this.removeWindowSegments() : 0;
      try {
        if (freed === 0) throw first;
        await this.files.append(seq, record);
      } catch (err) {
        this.losses.unspooled([{ from: seq, to: seq }], this.now());
        throw new SpoolWriteError(seq, errCode(err), err);
      }
    }
    if (this.fsyncMode === 'always') await this.files.sync();
    return { seq, payload };
  }

  /** Drops the oldest whole segments, acknowledged or not, until `incoming` more bytes fit. */
  private async makeRoom(incoming: number): Promise<void> {
    const segments = this.files.segments;
    let victims = 0;
    let bytes = this.files.diskBytes;
    while (bytes + incoming > this.maxBytes && victims < segments.length) bytes -= segments[victims++]?.size ?? 0;
    if (victims === 0) return;
    const floor = this.floorSeq();
    const dropped: SeqRun[] = [];
    for (const seg of segments.slice(0, victims)) {
      for (let j = seg.index.firstAfter(floor); j < seg.index.count; j++) pushSeq(dropped, seg.index.seq(j));
      this.state.droppedThroughSeq = Math.max(this.state.droppedThroughSeq, seg.index.lastSeq());
    }
    this.losses.evicted(dropped, this.maySentThrough, this.now());
    await this.saveLedger(); // the loss is recorded before the records disappear
    await this.files.removeHead(victims);
  }

  /** Leading segments holding nothing pending: acknowledged (the window) or empty and not being written. */
  private acknowledgedHead() {
    return this.files.headAtOrBelow(this.floorSeq());
  }

  /** Removes acknowledged segments beyond the window's size or age; returns how many. */
  private async pruneWindow(): Promise<number> {
    const head = this.acknowledgedHead();
    let bytes = head.reduce((n, s) => n + s.size, 0);
    const tooOld = this.now() - this.window.ms;
    let count = 0;
    for (const seg of head) {
      if (bytes <= this.window.bytes && seg.writtenAt >= tooOld) break;
      bytes -= seg.size;
      count++;
    }
    await this.files.removeHead(count);
    return count;
  }

  private async removeWindowSegments(): Promise<number> {
    const count = this.acknowledgedHead().length;
    await this.files.removeHead(count);
    return count;
  }
}
