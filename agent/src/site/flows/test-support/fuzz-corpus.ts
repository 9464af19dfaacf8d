// Thousands of truncated, bit-flipped and randomly assembled NetFlow/IPFIX datagrams, the same on
// every run (seeded PRNG): the decoder's fuzz test checks each answer, the agent-timings benchmark
// times decoding them all.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataSet, IE, ipfixMessage, ipfixTemplateSet, type TemplateDef, V4_UPTIME_FIELDS, VARLEN, v9Datagram, v9TemplateSet } from './datagram-builders.js';

/** Small deterministic PRNG (mulberry32), so that a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const recorded = ['v5', 'v9', 'ipfix'].map((n) =>
  Buffer.from(readFileSync(join(import.meta.dirname, '..', 'testdata', 'softflowd-1.1.0-debian12', `${n}.hex`), 'utf8').trim(), 'hex'),
);
const varT: TemplateDef = {
  id: 300,
  fields: [
    { id: IE.sourceIPv4Address, length: 4 },
    { id: IE.interfaceName, length: VARLEN },
    { id: IE.destinationIPv4Address, length: 4 },
    { id: 9, length: VARLEN, enterprise: 1 },
    { id: IE.octetDeltaCount, length: 3 },
  ],
};
const built = [
  v9Datagram({ sysUptime: 1, unixSecs: 2 }, [
    v9TemplateSet([{ id: 256, fields: V4_UPTIME_FIELDS }]),
    dataSet({ id: 256, fields: V4_UPTIME_FIELDS }, [['10.0.0.1', '10.0.0.2', 1, 2, 6, 3, 4, 5, 6]]),
  ]),
  ipfixMessage({ exportTime: 5 }, [ipfixTemplateSet([varT]), dataSet(varT, [['10.0.0.1', Buffer.from('wan0'), '10.0.0.2', Buffer.alloc(300), 7]])]),
];
const seeds = [...recorded, ...built];

/** Random sets for v9 / IPFIX: template-like, data-like or junk, with lengths sometimes lying. */
function randomTemplated(rand: () => number, version: 9 | 10): Buffer {
  const int = (n: number) => Math.floor(rand() * n);
  const sets: Buffer[] = [];
  for (let s = int(5); s >= 0; s--) {
    const templateId = version === 9 ? int(2) : 2 + int(2);
    const id = rand() < 0.4 ? templateId : rand() < 0.8 ? 256 + int(4) : int(65_536);
    const words: number[] = [];
    if (id === templateId) {
      const count = rand() < 0.9 ? int(6) : int(70_000);
      words.push(256 + int(4), count % 65_536);
      if (id % 2 === 1) words.push(int(count + 2));
      for (let f = 0; f < Math.min(count, 8); f++) words.push(int(2) ? int(200) : 0x8000 | int(200), rand() < 0.2 ? 0xffff : int(20));
    } else {
      for (let w = int(40); w > 0; w--) words.push(int(65_536));
    }
    const body = Buffer.alloc(words.length * 2);
    for (const [i, w] of words.entries()) body.writeUInt16BE(w, i * 2);
    const head = Buffer.alloc(4);
    head.writeUInt16BE(id, 0);
    head.writeUInt16BE(rand() < 0.85 ? 4 + body.length : int(65_536), 2);
    sets.push(head, body.subarray(0, rand() < 0.9 ? body.length : int(body.length + 1)));
  }
  if (version === 9) return v9Datagram({ sysUptime: int(2 ** 32), unixSecs: int(2 ** 32), sourceId: int(3) }, sets);
  return ipfixMessage({ exportTime: int(2 ** 32), domain: int(3) }, sets);
}

export function fuzzCorpus(): Buffer[] {
  const rand = prng(20_260_101);
  const out: Buffer[] = [];
  for (const seed of seeds) for (let len = 0; len < seed.length; len++) out.push(seed.subarray(0, len));
  for (let i = 0; i < 3000; i++) {
    const copy = Buffer.from(seeds[i % seeds.length]!);
    for (let flips = 1 + Math.floor(rand() * 6); flips > 0; flips--) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
    out.push(copy);
  }
  for (let i = 0; i < 3000; i++) out.push(randomTemplated(rand, i % 2 === 0 ? 9 : 10));
  for (let i = 0; i < 1000; i++) {
    const junk = Buffer.alloc(Math.floor(rand() * 1500));
    for (let j = 0; j < junk.length; j++) junk[j] = Math.floor(rand() * 256);
    if (junk.length >= 2) junk.writeUInt16BE([5, 9, 10][i % 3]!, 0);
    out.push(junk);
  }
  return out;
}
