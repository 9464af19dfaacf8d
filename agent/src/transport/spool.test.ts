import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SpoolOptions } from './spool.js';
import { Spool } from './spool.js';
import { crc32Portable, encodeRecord, HEADER_BYTES, segmentFileName } from './spool-format.js';

let root: string;
let dir: string;
let warnings: string[];
const opened: Spool[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'vigie-spool-'));
  dir = join(root, 'state', 'spool');
  warnings = [];
});
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

async function openSpool(opts: Partial<SpoolOptions> = {}): Promise<Spool> {
  const s = await Spool.open({ dir, fsync: 'never', onWarn: (m) => warnings.push(m), ...opts });
  opened.push(s);
  return s;
}
async function reopen(s: Spool, opts: Partial<SpoolOptions> = {}): Promise<Spool> {
  await s.close();
  return openSpool(opts);
}
/** A payload of exactly `bytes` bytes that names its seq, so a record can be checked against its seq. */
const fixed = (bytes: number) => (seq: number) => `${String(seq).padStart(8, '0')}:`.padEnd(bytes, 'x');
const frame = (seq: number) => JSON.stringify({ v: 1, type: 'metrics', seq, body: { n: seq } });
async function appendMany(s: Spool, n: number, build: (seq: number) => string = frame): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < n; i++) seqs.push((await s.append(build)).seq);
  return seqs;
}
const seqsOf = async (s: Spool) => (await s.read(0, 1_000_000)).map((r) => r.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const segmentFiles = async () => (await readdir(dir)).filter((f) => f.endsWith('.seg')).sort();

describe('record format', () => {
  it('uses the standard CRC-32 (the portable fallback matches zlib)', () => {
    const check = Buffer.from('123456789');
    expect(crc32Portable(check)).toBe(0xcbf43926);
    const data = randomBytes(4096);
    expect(crc32Portable(data.subarray(100), crc32Portable(data.subarray(0, 100)))).toBe(zlib.crc32(data));
  });

  it('lays a record out as length, CRC, seq, UTF-8 payload', () => {
    const rec = encodeRecord(2 ** 40 + 5, 'é');
    expect(rec.length).toBe(HEADER_BYTES + 2);
    expect(rec.readUInt32BE(0)).toBe(2);
    expect(rec.readUInt32BE(8) * 2 ** 32 + rec.readUInt32BE(12)).toBe(2 ** 40 + 5);
  });
});

describe('Spool: append, read, ack', () => {
  it('assigns seqs from 1, reads them back in order after a given seq, and honours the limit', async () => {
    const s = await openSpool();
    const rec = await s.append((seq) => `payload ${seq} ✓`);
    expect(rec).toEqual({ seq: 1, payload: 'payload 1 ✓' });
    await appendMany(s, 9);
    expect(await seqsOf(s)).toEqual(range(1, 10));
    expect((await s.read(4, 3)).map((r) => r.seq)).toEqual([5, 6, 7]);
    expect((await s.read(3, 100))[0]).toEqual({ seq: 4, payload: frame(4) });
    expect(await s.read(10, 5)).toEqual([]);
    expect(await s.read(0, 0)).toEqual([]);
  });

  it('acknowledges cumulatively: acked records are no longer read, and fully acked segments are deleted', async () => {
    const s = await openSpool({ segmentBytes: 500 });
    await appendMany(s, 30, fixed(84)); // 100 bytes a record, 5 a segment
    expect(await segmentFiles()).toHaveLength(6);
    await s.ack(12);
    expect(await seqsOf(s)).toEqual(range(13, 30));
    expect((await s.read(5, 2)).map((r) => r.seq)).toEqual([13, 14]);
    expect(await segmentFiles()).toEqual([segmentFileName(11), segmentFileName(16), segmentFileName(21), segmentFileName(26)]);
    expect(s.stats()).toEqual({ pendingFrames: 18, pendingBytes: 1800, droppedFrames: 0, ackedSeq: 12, nextSeq: 31 });
    await s.ack(5); // below the current ack: ignored
    expect(s.stats().ackedSeq).toBe(12);
    await s.ack(30);
    expect(await segmentFiles()).toEqual([]);
    expect(s.stats()).toMatchObject({ pendingFrames: 0, pendingBytes: 0, ackedSeq: 30, nextSeq: 31 });
    expect((await s.append(frame)).seq).toBe(31);
  });

  it('clamps an ack beyond the last assigned seq instead of acknowledging future records', async () => {
    const s = await openSpool();
    await appendMany(s, 3);
    await s.ack(1_000);
    expect(s.stats()).toMatchObject({ ackedSeq: 3, nextSeq: 4 });
    expect(warnings.some((w) => w.includes('beyond'))).toBe(true);
    const next = await s.append(frame);
    expect(next.seq).toBe(4);
    expect(await seqsOf(s)).toEqual([4]);
    await expect(s.ack(Number.NaN)).rejects.toThrow(RangeError);
  });

  it('gives a record larger than segmentBytes a segment of its own', async () => {
    const s = await openSpool({ segmentBytes: 1024 });
    await s.append(fixed(100));
    const big = await s.append(fixed(5000));
    await s.append(fixed(100));
    expect(await segmentFiles()).toEqual([segmentFileName(1), segmentFileName(2), segmentFileName(3)]);
    expect((await s.read(1, 1))[0]?.payload).toBe(big.payload);
  });

  it('does not consume a seq when build() throws', async () => {
    const s = await openSpool();
    await expect(
      s.append(() => {
        throw new Error('probe failed');
      }),
    ).rejects.toThrow('probe failed');
    expect((await s.append(frame)).seq).toBe(1);
  });

  it('rejects calls after close, and a second open of the same directory in this process', async () => {
    const s = await openSpool();
    await expect(Spool.open({ dir })).rejects.toThrow(/already open/);
    await s.close();
    await expect(s.append(frame)).rejects.toThrow(/closed/);
    await expect(s.read(0, 1)).rejects.toThrow(/closed/);
    await expect(openSpool({ segmentBytes: 1000, maxBytes: 999 })).rejects.toThrow(RangeError);
  });
});

describe('Spool: concurrency', () => {
  for (const fsync of ['always', 'batch', 'never'] as const) {
    it(`gives overlapping appends distinct increasing seqs, resolved in seq order (fsync ${fsync})`, async () => {
      const s = await openSpool({ fsync, segmentBytes: 2048 });
      const resolved: number[] = [];
      const calls = Array.from({ length: 60 }, (_, i) =>
        s
          .append((seq) => `${seq}:${'y'.repeat(i * 7)}`)
          .then((r) => {
            resolved.push(r.seq);
            return r;
          }),
      );
      const ack = s.ack(10); // interleaved with the appends, applied in call order
      const records = await Promise.all(calls);
      await ack;
      expect(records.map((r) => r.seq)).toEqual(range(1, 60));
      expect(resolved).toEqual(range(1, 60));
      expect((await s.read(0, 100)).map((r) => r.payload)).toEqual(records.slice(10).map((r) => r.payload));
    });
  }
});

describe('Spool: restart', () => {
  it('keeps pending records, the ack and the seq counter across close and reopen', async () => {
    let s = await openSpool({ segmentBytes: 300 });
    await appendMany(s, 20);
    await s.ack(7);
    s = await reopen(s, { segmentBytes: 300 });
    expect(s.stats()).toMatchObject({ pendingFrames: 13, ackedSeq: 7, nextSeq: 21 });
    expect(await seqsOf(s)).toEqual(range(8, 20));
    expect((await s.append(frame)).seq).toBe(21);
    s = await reopen(s, { segmentBytes: 300 });
    expect(await seqsOf(s)).toEqual(range(8, 21));
    expect(s.recovery).toMatchObject({ truncatedBytes: 0, corruptRegions: 0, ledger: 'ok' });
  });

  it('never reuses a seq after everything was acked and every segment deleted', async () => {
    let s = await openSpool();
    await appendMany(s, 5);
    await s.ack(5);
    expect(await segmentFiles()).toEqual([]);
    s = await reopen(s);
    expect(s.stats()).toMatchObject({ pendingFrames: 0, ackedSeq: 5, nextSeq: 6 });
    expect((await s.append(frame)).seq).toBe(6);
  });

  it('recovers the seq counter from the segments when the ledger is lost or corrupt', async () => {
    let s = await openSpool();
    await appendMany(s, 4);
    await s.close();
    await writeFile(join(dir, 'ledger.json'), '{"version":1,"acke');
    s = await openSpool();
    expect(s.recovery.ledger).toBe('corrupt');
    expect(await seqsOf(s)).toEqual(range(1, 4));
    expect((await s.append(frame)).seq).toBe(5);
  });

  it('bumpSeq raises the counter, survives a restart, and never lowers it', async () => {
    let s = await openSpool();
    await appendMany(s, 3);
    await s.bumpSeq(1_000);
    expect((await s.append(frame)).seq).toBe(1_000);
    await s.bumpSeq(10);
    expect(s.stats().nextSeq).toBe(1_001);
    await s.bumpSeq(5_000);
    s = await reopen(s);
    expect((await s.append(frame)).seq).toBe(5_000);
    expect(await seqsOf(s)).toEqual([1, 2, 3, 1_000, 5_000]);
    await expect(s.bumpSeq(0)).rejects.toThrow(RangeError);
  });
});

describe('Spool: damaged files', () => {
  const size = 100; // fixed(84) + 16-byte header

  it('truncates a torn last record and keeps every complete one', async () => {
    let s = await openSpool();
    await appendMany(s, 10, fixed(84));
    await s.close();
    const last = join(dir, segmentFileName(1));
    await truncate(last, 9 * size + 37); // the 10th record was half written when the power went
    s = await openSpool();
    expect(await seqsOf(s)).toEqual(range(1, 9));
    expect(s.recovery.truncatedBytes).toBe(37);
    expect((await stat(last)).size).toBe(9 * size);
    expect(warnings.some((w) => w.includes('torn tail'))).toBe(true);
    const next = await s.append(fixed(84)); // appends continue in the repaired segment
    expect(next.seq).toBe(11);
    s = await reopen(s);
    expect(await seqsOf(s)).toEqual([...range(1, 9), 11]);
    expect(s.recovery.truncatedBytes).toBe(0);
  });

  it('recovers from a tail cut inside a record header', async () => {
    let s = await openSpool();
    await appendMany(s, 3, fixed(84));
    await s.close();
    await truncate(join(dir, segmentFileName(1)), 2 * size + 5);
    s = await openSpool();
    expect(await seqsOf(s)).toEqual([1, 2]);
  });

  it('drops garbage appended after the last record', async () => {
    let s = await openSpool();
    await appendMany(s, 5);
    await s.close();
    await appendFile(join(dir, segmentFileName(1)), randomBytes(333));
    s = await openSpool();
    expect(await seqsOf(s)).toEqual(range(1, 5));
    expect(s.recovery.truncatedBytes).toBe(333);
    await s.append(frame);
    s = await reopen(s);
    expect(await seqsOf(s)).toEqual(range(1, 6));
  });

  it('skips a record with a flipped byte in an older segment and keeps all the others', async () => {
    let s = await openSpool({ segmentBytes: 1000 });
    await appendMany(s, 30, fixed(84)); // segments 1, 11, 21
    await s.close();
    const middle = join(dir, segmentFileName(11));
    const bytes = await readFile(middle);
    bytes[4 * size + HEADER_BYTES + 20]! ^= 0x01; // payload of seq 15
    bytes[7 * size + 1]! ^= 0x40; // length field of seq 18: the scan must resynchronise
    await writeFile(middle, bytes);
    s = await openSpool({ segmentBytes: 1000 });
    expect(await seqsOf(s)).toEqual([...range(1, 14), 16, 17, ...range(19, 30)]);
    expect(s.recovery).toMatchObject({ corruptRegions: 2, truncatedBytes: 0 });
    expect((await s.read(16, 1))[0]?.payload).toBe(fixed(84)(17));
  });

  it('skips a corrupt record in the middle of the last segment without truncating what follows', async () => {
    let s = await openSpool();
    await appendMany(s, 6, fixed(84));
    await s.close();
    const file = join(dir, segmentFileName(1));
    const bytes = await readFile(file);
    bytes[2 * size + 6]! ^= 0xff; // CRC of seq 3
    await writeFile(file, bytes);
    s = await openSpool();
    expect(await seqsOf(s)).toEqual([1, 2, 4, 5, 6]);
    expect(s.recovery).toMatchObject({ corruptRegions: 1, truncatedBytes: 0 });
    expect((await s.append(fixed(84))).seq).toBe(7);
  });

  it('removes an empty segment left by a crash between creating the file and writing to it', async () => {
    let s = await openSpool();
    await appendMany(s, 2);
    await s.close();
    await writeFile(join(dir, segmentFileName(3)), '', { mode: 0o600 });
    s = await openSpool();
    expect(await seqsOf(s)).toEqual([1, 2]);
    expect(await segmentFiles()).toEqual([segmentFileName(1)]);
    expect((await s.append(frame)).seq).toBe(3);
  });
});

describe('Spool: size bound', () => {
  // 200-byte records, 5 a segment, 3 segments fit.
  const opts = { segmentBytes: 1000, maxBytes: 3000 };
  const build = fixed(184);

  it('drops the oldest whole segment first and reports exactly the dropped seq range', async () => {
    const s = await openSpool(opts);
    await appendMany(s, 15, build);
    expect(s.takeDrops()).toEqual([]);
    expect((await s.append(build)).seq).toBe(16); // the record being appended is never the one dropped
    expect(s.takeDrops()).toEqual([{ frames: 5, bytes: 1000, fromSeq: 1, toSeq: 5 }]);
    expect(s.takeDrops()).toEqual([]);
    expect(await seqsOf(s)).toEqual(range(6, 16));
    await s.ack(7); // partly acked segment: only the unacknowledged part counts as dropped
    await appendMany(s, 5, build);
    expect(s.takeDrops()).toEqual([{ frames: 3, bytes: 600, fromSeq: 8, toSeq: 10 }]);
    expect(s.stats()).toMatchObject({ droppedFrames: 8, pendingFrames: 11, ackedSeq: 7 });
    expect(await seqsOf(s)).toEqual(range(11, 21));
  });

  it('merges consecutive drops into one range until they are taken', async () => {
    const s = await openSpool(opts);
    await appendMany(s, 21, build);
    expect(s.takeDrops()).toEqual([{ frames: 10, bytes: 2000, fromSeq: 1, toSeq: 10 }]);
  });

  it('keeps pending drop reports across a restart, and forgets them once taken', async () => {
    let s = await openSpool(opts);
    await appendMany(s, 16, build);
    s = await reopen(s, opts);
    expect(s.stats().droppedFrames).toBe(5);
    expect(s.takeDrops()).toEqual([{ frames: 5, bytes: 1000, fromSeq: 1, toSeq: 5 }]);
    s = await reopen(s, opts);
    expect(s.takeDrops()).toEqual([]);
    expect(await seqsOf(s)).toEqual(range(6, 16));
  });

  it('keeps a single record larger than maxBytes rather than losing it', async () => {
    const s = await openSpool(opts);
    await appendMany(s, 3, build);
    const huge = await s.append(fixed(5000));
    expect(s.takeDrops()).toEqual([{ frames: 3, bytes: 600, fromSeq: 1, toSeq: 3 }]);
    expect((await s.read(0, 10)).map((r) => r.seq)).toEqual([huge.seq]);
  });
});

describe.skipIf(process.platform === 'win32')('Spool: permissions', () => {
  it('creates the directory 0700 and its files 0600', async () => {
    const s = await openSpool({ segmentBytes: 300 });
    await appendMany(s, 10);
    await s.ack(2);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const files = await readdir(dir);
    expect(files).toContain('ledger.json');
    expect(files.filter((f) => f.endsWith('.seg')).length).toBeGreaterThan(1);
    for (const f of files) expect({ f, mode: (await stat(join(dir, f))).mode & 0o777 }).toEqual({ f, mode: 0o600 });
  });
});

// Append and read throughput: `npm run bench -- agent-timings` (no test asserts a time).

describe('Spool: crash safety', () => {
  const agentDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const spoolUrl = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'spool.ts')).href;
  const child = `
    import { Spool } from ${JSON.stringify(spoolUrl)};
    const [dir, fsync] = process.argv.slice(2);
    const spool = await Spool.open({ dir, fsync, segmentBytes: 64 * 1024, onWarn: () => {} });
    process.stdout.write('open ' + spool.stats().nextSeq + '\\n');
    for (let round = 1; ; round++) {
      const batch = [];
      for (let k = 0; k < 4; k++) {
        const pad = 'x'.repeat(Math.floor(Math.random() * 30_000));
        // stdout is a pipe, written synchronously on Linux: a printed seq was resolved before.
        batch.push(spool.append((seq) => JSON.stringify({ seq, pad })).then((r) => process.stdout.write('ok ' + r.seq + '\\n')));
      }
      await Promise.all(batch);
      if (round % 8 === 0) {
        const upTo = spool.stats().nextSeq - 30;
        if (upTo > 0) { await spool.ack(upTo); process.stdout.write('ack ' + upTo + '\\n'); }
      }
    }
  `;

  /** Runs the child until it has reported `killAfter` resolved appends, then SIGKILLs it; returns what it printed. */
  function runAndKill(script: string, fsync: string, killAfter: number): Promise<{ open: number; ok: number[]; acks: number[] }> {
    return new Promise((resolvePromise, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', script, dir, fsync], { cwd: agentDir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      let killed = false;
      proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (!killed && (out.match(/^ok /gm)?.length ?? 0) >= killAfter) {
          killed = true;
          setTimeout(() => proc.kill('SIGKILL'), Math.random() * 40); // land anywhere in a write or an fsync
        }
      });
      proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      proc.on('error', reject);
      proc.on('close', (_code, signal) => {
        if (signal !== 'SIGKILL') return reject(new Error(`child ended without being killed: ${err}`));
        const lines = out.split('\n').slice(0, -1); // the last piece may be a half-received line
        const nums = (tag: string) => lines.filter((l) => l.startsWith(`${tag} `)).map((l) => Number(l.slice(tag.length + 1)));
        resolvePromise({ open: nums('open')[0] ?? -1, ok: nums('ok'), acks: nums('ack') });
      });
    });
  }

  it('after SIGKILL, every record whose append resolved is there, once, in order', { timeout: 60_000 }, async () => {
    const script = join(root, 'spool-crash-child.mts');
    await writeFile(script, child);
    let everPrinted = 0;
    for (const [round, fsync] of (['always', 'batch', 'always'] as const).entries()) {
      const run = await runAndKill(script, fsync, 60 + round * 50);
      expect(run.open).toBeGreaterThan(everPrinted); // no seq reused across crashes
      const acked = Math.max(0, ...run.acks);
      const s = await openSpool({ fsync, segmentBytes: 64 * 1024 });
      const records = await s.read(0, 1_000_000);
      const seqs = records.map((r) => r.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      for (const r of records) expect(JSON.parse(r.payload).seq).toBe(r.seq);
      expect(s.stats().ackedSeq).toBeGreaterThanOrEqual(acked);
      const mustHave = run.ok.filter((seq) => seq > s.stats().ackedSeq);
      expect(mustHave.filter((seq) => !seqs.includes(seq))).toEqual([]);
      expect(run.ok.length).toBeGreaterThanOrEqual(60);
      console.info(
        `spool crash round ${round + 1} (fsync ${fsync}): ${run.ok.length} appends resolved before SIGKILL, ${seqs.length} pending on disk after ack ${s.stats().ackedSeq}, recovery ${JSON.stringify(s.recovery)}`,
      );
      everPrinted = Math.max(everPrinted, ...run.ok, ...seqs);
      await s.close();
      opened.splice(opened.indexOf(s), 1);
    }
  });
});
