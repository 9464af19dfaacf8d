/**
 * On-disk layout of the spool: records inside segment files and segment names (the ledger is in
 * spool-ledger.ts).
 *
 * Record (big-endian):
 *   0..4   payload length in bytes (uint32)
 *   4..8   CRC-32 of bytes 0..4 and 8..end (length, seq and payload; not the CRC itself)
 *   8..16  seq (uint64; kept below 2^53 so it fits a JS number)
 *   16..   payload, UTF-8
 */

import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import * as zlib from 'node:zlib';

export const HEADER_BYTES = 16;
const TWO_32 = 2 ** 32;
/** seq's high word must stay below 2^21 for the seq to be a safe integer. */
const MAX_SEQ_HIGH = 2 ** 21;
const SEGMENT_NAME = /^(\d{20})\.seg$/;

// ---- CRC-32 (zlib.crc32 exists from Node 20.15; the table is the fallback for older runtimes) ----

type Crc32 = (data: Uint8Array, value?: number) => number;
const nativeCrc32 = (zlib as { crc32?: Crc32 }).crc32;
let crcTable: Uint32Array | undefined;

export function crc32Portable(data: Uint8Array, value = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = (value ^ 0xffffffff) >>> 0;
  for (const byte of data) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export const crc32: Crc32 = typeof nativeCrc32 === 'function' ? nativeCrc32 : crc32Portable;

function recordCrc(buf: Buffer, pos: number, payloadLength: number): number {
  return crc32(buf.subarray(pos + 8, pos + HEADER_BYTES + payloadLength), crc32(buf.subarray(pos, pos + 4)));
}

// ---- records ----

export function encodeRecord(seq: number, payload: string): Buffer {
  const length = Buffer.byteLength(payload, 'utf8');
  if (length > 0xffffffff) throw new RangeError(`spool: payload of ${length} bytes exceeds the record format`);
  const buf = Buffer.allocUnsafe(HEADER_BYTES + length);
  buf.writeUInt32BE(length, 0);
  buf.writeUInt32BE(Math.floor(seq / TWO_32), 8);
  buf.writeUInt32BE(seq >>> 0, 12);
  buf.write(payload, HEADER_BYTES, length, 'utf8');
  buf.writeUInt32BE(recordCrc(buf, 0, length), 4);
  return buf;
}

/** The record starting at `pos` if it is complete, its CRC matches and its seq is above `afterSeq`. */
export function recordAt(buf: Buffer, pos: number, afterSeq: number): { seq: number; size: number } | null {
  if (pos < 0 || pos + HEADER_BYTES > buf.length) return null;
  const length = buf.readUInt32BE(pos);
  const size = HEADER_BYTES + length;
  if (pos + size > buf.length) return null;
  const high = buf.readUInt32BE(pos + 8);
  if (high >= MAX_SEQ_HIGH) return null;
  const seq = high * TWO_32 + buf.readUInt32BE(pos + 12);
  if (seq <= afterSeq) return null;
  if (recordCrc(buf, pos, length) !== buf.readUInt32BE(pos + 4)) return null;
  return { seq, size };
}

export function payloadAt(buf: Buffer, pos: number, size: number): string {
  return buf.toString('utf8', pos + HEADER_BYTES, pos + size);
}

export interface SegmentScan {
  /** End of the last valid record: everything after it is a torn or corrupt tail. */
  validEnd: number;
  lastSeq: number;
  /** Corrupt stretches followed by a valid record (each hides one or more records). */
  corruptRegions: number;
  corruptBytes: number;
}

/**
 * Walks a segment's bytes, calling `onRecord` for each valid record whose seq is above the
 * previous one. After a bad record it resynchronises on the next offset holding a valid record,
 * so one flipped byte costs one record, not the rest of the segment.
 */
export function scanSegment(buf: Buffer, afterSeq: number, onRecord: (seq: number, offset: number, size: number) => void): SegmentScan {
  const scan: SegmentScan = { validEnd: 0, lastSeq: afterSeq, corruptRegions: 0, corruptBytes: 0 };
  let pos = 0;
  while (pos + HEADER_BYTES <= buf.length) {
    const rec = recordAt(buf, pos, scan.lastSeq);
    if (rec) {
      onRecord(rec.seq, pos, rec.size);
      scan.lastSeq = rec.seq;
      pos += rec.size;
      scan.validEnd = pos;
      continue;
    }
    let next = pos + 1;
    while (next + HEADER_BYTES <= buf.length && !recordAt(buf, next, scan.lastSeq)) next++;
    if (next + HEADER_BYTES > buf.length) break;
    scan.corruptRegions++;
    scan.corruptBytes += next - pos;
    pos = next;
  }
  return scan;
}

// ---- in-memory index of a segment ----

/** seq, offset and size of each record of one segment, in typed arrays: no payloads, 24 bytes a record. */
export class SegmentIndex {
  private seqs: Float64Array = new Float64Array(16);
  private offsets: Float64Array = new Float64Array(16);
  private sizes: Float64Array = new Float64Array(16);
  count = 0;

  push(seq: number, offset: number, size: number): void {
    if (this.count === this.seqs.length) {
      const grow = (a: Float64Array): Float64Array => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.seqs = grow(this.seqs);
      this.offsets = grow(this.offsets);
      this.sizes = grow(this.sizes);
    }
    this.seqs[this.count] = seq;
    this.offsets[this.count] = offset;
    this.sizes[this.count] = size;
    this.count++;
  }
  seq(i: number): number {
    return this.seqs[i] ?? 0;
  }
  offset(i: number): number {
    return this.offsets[i] ?? 0;
  }
  size(i: number): number {
    return this.sizes[i] ?? 0;
  }
  lastSeq(): number {
    return this.count > 0 ? this.seq(this.count - 1) : 0;
  }
  /** Index of the first record whose seq is above `seq`. */
  firstAfter(seq: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seq(mid) <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

// ---- segment names ----

export function segmentFileName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}.seg`;
}

export function parseSegmentFileName(name: string): number | null {
  const match = SEGMENT_NAME.exec(name);
  if (!match?.[1]) return null;
  const seq = Number(match[1]);
  return Number.isSafeInteger(seq) ? seq : null;
}

/** Makes file creations, renames and removals in `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; their file system journals names itself.
  } finally {
    await fh?.close();
  }
}
