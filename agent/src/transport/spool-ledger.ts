/**
 * The spool's ledger: acknowledged seq, seq counter and the loss accounting, kept in two fixed-size
 * slot files written in place by turns (each write goes to the slot not holding the newest valid
 * copy). A crash mid-write spoils one slot, never both; and writing in place needs no new disk
 * space, so a full disk cannot stop the agent from recording what it had to drop.
 *
 * Slot layout (big-endian): 0..4 magic `VLG2`, 4..12 generation (uint64), 12..16 JSON length,
 * 16..20 CRC-32 of bytes 4..16 and the JSON, 20.. JSON (UTF-8), zero padding up to SLOT_BYTES.
 */

import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpoolDrop } from '@vigie/shared';
import { crc32, syncDir } from './spool-format.js';

export const SLOT_BYTES = 32 * 1024;
const HEADER = 20;
const MAGIC = 0x564c4732; // 'VLG2'
const SLOTS = ['ledger-a.bin', 'ledger-b.bin'] as const;
/** Version 1: one JSON file replaced by rename (read once, then replaced by the slots). */
const LEGACY_FILE = 'ledger.json';
const LEGACY_TMP = 'ledger.json.tmp';
const TWO_32 = 2 ** 32;

/** A run of consecutive seqs. */
export interface SeqRun {
  from: number;
  to: number;
}

export interface LedgerState {
  ackedSeq: number;
  nextSeq: number;
  /** Every seq up to here was dropped or acked: segments holding only such records are acknowledged or gone. */
  droppedThroughSeq: number;
  /** Cumulative: frames removed unsent by the size limit (including settled in-doubt ones). */
  droppedFrames: number;
  /** Cumulative: frames that could not be written at all. */
  unspooledFrames: number;
  /** Id of the latest loss run (ids increase by one per run). */
  lastDropId: number;
  /** The latest loss runs, oldest first. */
  drops: SpoolDrop[];
  /** Records removed by the size limit after being sent: the next first acknowledgement settles them. */
  doubt: SeqRun[];
}

export function emptyLedger(): LedgerState {
  return { ackedSeq: 0, nextSeq: 1, droppedThroughSeq: 0, droppedFrames: 0, unspooledFrames: 0, lastDropId: 0, drops: [], doubt: [] };
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

function decodeState(raw: unknown, version: 1 | 2): LedgerState | null {
  const r = obj(raw);
  if (!isCount(r.ackedSeq) || !isCount(r.nextSeq) || r.nextSeq < 1 || !isCount(r.droppedThroughSeq) || !isCount(r.droppedFrames)) return null;
  const state: LedgerState = {
    ...emptyLedger(),
    ackedSeq: r.ackedSeq,
    nextSeq: r.nextSeq,
    droppedThroughSeq: r.droppedThroughSeq,
    droppedFrames: r.droppedFrames,
  };
  if (version === 1) return state; // its pending drop reports were counted in droppedFrames already
  if (!isCount(r.unspooledFrames) || !isCount(r.lastDropId) || !Array.isArray(r.drops) || !Array.isArray(r.doubt)) return null;
  state.unspooledFrames = r.unspooledFrames;
  state.lastDropId = r.lastDropId;
  for (const d of r.drops) {
    const e = obj(d);
    if (
      !isCount(e.id) ||
      (e.reason !== 'spool-full' && e.reason !== 'disk-full') ||
      !isCount(e.frames) ||
      !isCount(e.fromSeq) ||
      !isCount(e.toSeq) ||
      !isCount(e.at)
    )
      return null;
    state.drops.push({ id: e.id, reason: e.reason, frames: e.frames, fromSeq: e.fromSeq, toSeq: e.toSeq, at: e.at });
  }
  for (const d of r.doubt) {
    const e = obj(d);
    if (!isCount(e.from) || !isCount(e.to) || e.to < e.from) return null;
    state.doubt.push({ from: e.from, to: e.to });
  }
  return state;
}

function encodeSlot(generation: number, state: LedgerState): Buffer {
  const json = Buffer.from(JSON.stringify(state), 'utf8');
  if (json.length > SLOT_BYTES - HEADER) throw new RangeError(`spool ledger: ${json.length} bytes do not fit a slot`);
  const buf = Buffer.alloc(SLOT_BYTES);
  buf.writeUInt32BE(MAGIC, 0);
  buf.writeUInt32BE(Math.floor(generation / TWO_32), 4);
  buf.writeUInt32BE(generation >>> 0, 8);
  buf.writeUInt32BE(json.length, 12);
  json.copy(buf, HEADER);
  buf.writeUInt32BE(crc32(json, crc32(buf.subarray(4, 16))), 16);
  return buf;
}

function decodeSlot(buf: Buffer): { generation: number; state: LedgerState } | null {
  if (buf.length < HEADER || buf.readUInt32BE(0) !== MAGIC) return null;
  const length = buf.readUInt32BE(12);
  if (length > buf.length - HEADER) return null;
  const json = buf.subarray(HEADER, HEADER + length);
  if (crc32(json, crc32(buf.subarray(4, 16))) !== buf.readUInt32BE(16)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(json.toString('utf8'));
  } catch {
    return null;
  }
  const state = decodeState(raw, 2);
  return state ? { generation: buf.readUInt32BE(4) * TWO_32 + buf.readUInt32BE(8), state } : null;
}

async function readOptional(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The two slots of one spool directory. */
export class LedgerFile {
  private generation = 0;
  /** Index of the slot holding the newest valid copy (-1: none yet). */
  private current = -1;
  private readonly handles: (FileHandle | null)[] = [null, null];

  constructor(
    private readonly dir: string,
    private readonly durable: boolean,
  ) {}

  /** `missing` on first start; `corrupt` when ledger files exist but none can be trusted. */
  async read(): Promise<LedgerState | 'missing' | 'corrupt'> {
    let found = false;
    let best: { generation: number; state: LedgerState; slot: number } | null = null;
    for (const [slot, name] of SLOTS.entries()) {
      const buf = await readOptional(join(this.dir, name));
      if (buf === null) continue;
      found = true;
      const decoded = decodeSlot(buf);
      if (decoded && (!best || decoded.generation > best.generation)) best = { ...decoded, slot };
    }
    if (best) {
      this.generation = best.generation;
      this.current = best.slot;
      return best.state;
    }
    await rm(join(this.dir, LEGACY_TMP), { force: true });
    const legacy = await readOptional(join(this.dir, LEGACY_FILE));
    if (legacy !== null) {
      let raw: unknown;
      try {
        raw = JSON.parse(legacy.toString('utf8'));
      } catch {
        raw = null;
      }
      const state = obj(raw).version === 1 ? decodeState(raw, 1) : null;
      if (state) return state;
      found = true;
    }
    return found ? 'corrupt' : 'missing';
  }

  /** Writes `state` into the other slot, in place once the slot exists. */
  async write(state: LedgerState): Promise<void> {
    const slot = this.current === 0 ? 1 : 0;
    const buf = encodeSlot(this.generation + 1, state);
    let fh = this.handles[slot];
    if (!fh) {
      // Not 'a+': positional writes to a file opened for appending land at its end on Linux.
      fh = await open(join(this.dir, SLOTS[slot]), constants.O_RDWR | constants.O_CREAT, 0o600);
      this.handles[slot] = fh;
    }
    for (let done = 0; done < buf.length; ) {
      const { bytesWritten } = await fh.write(buf, done, buf.length - done, done);
      if (bytesWritten <= 0) throw new Error('spool ledger: short write');
      done += bytesWritten;
    }
    if (this.durable) await fh.datasync();
    if (this.current === -1) {
      // First write in this directory: make the new file's name durable, and retire a version-1 ledger.
      if (this.durable) await syncDir(this.dir);
      await rm(join(this.dir, LEGACY_FILE), { force: true });
    }
    this.generation++;
    this.current = slot;
  }

  /**
   * Creates whichever slot file does not exist yet (holding `state`), so that every later write is
   * in place: done at open, while the disk most likely still has room.
   */
  async ensureSlots(state: LedgerState): Promise<void> {
    for (let n = 0; n < SLOTS.length; n++) {
      const sizes = await Promise.all(
        SLOTS.map((name) =>
          stat(join(this.dir, name)).then(
            (st) => st.size,
            () => 0,
          ),
        ),
      );
      if (sizes.every((size) => size >= SLOT_BYTES)) return;
      await this.write(state); // goes to the slot not holding the newest valid copy: the missing or short one
    }
  }

  async close(): Promise<void> {
    for (const [i, fh] of this.handles.entries()) {
      this.handles[i] = null;
      await fh?.close();
    }
  }
}
