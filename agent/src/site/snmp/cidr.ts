import { isIPv4, isIPv6 } from 'node:net';

// CIDR ranges for the subnet scan: parsing, the private-range rule, and the address list.

/** Largest range a scan may cover: a /22 in IPv4 (1024 addresses), the same count in IPv6 (/118). */
export const MAX_SCAN_ADDRESSES = 1024;

export class ScanRefusedError extends Error {
  constructor(
    readonly reason: 'invalid' | 'too-large' | 'public',
    message: string,
  ) {
    super(message);
    this.name = 'ScanRefusedError';
  }
}

interface Range {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function parseV4(s: string): bigint {
  return s.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

function parseV6(s: string): bigint {
  let text = s.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const n = parseV4(v4[1]);
    text = `${text.slice(0, v4.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

function format(family: 4 | 6, n: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - i * 16)) & 0xffffn));
  // RFC 5952: the longest run (two or more) of zero groups becomes `::`.
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j > i ? j : i + 1;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

export function parseCidr(cidr: string): Range {
  const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(cidr.trim());
  const addr = m?.[1] ?? '';
  const family = isIPv4(addr) ? 4 : isIPv6(addr) ? 6 : undefined;
  const prefix = Number(m?.[2]);
  if (!family || !(prefix >= 0 && prefix <= BITS[family])) throw new ScanRefusedError('invalid', `not a CIDR range: ${JSON.stringify(cidr.slice(0, 64))}`);
  const bits = BigInt(BITS[family]);
  const hostBits = bits - BigInt(prefix);
  const value = family === 4 ? parseV4(addr) : parseV6(addr);
  return { family, network: (value >> hostBits) << hostBits, prefix };
}

/** RFC 1918, loopback, IPv6 unique local (RFC 4193) and ::1: where a site agent may look around. */
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', 'fc00::/7', '::1/128'].map(parseCidr);

export function isPrivateRange(r: Range): boolean {
  return PRIVATE.some((p) => {
    if (p.family !== r.family || r.prefix < p.prefix) return false;
    const shift = BigInt(BITS[r.family] - p.prefix);
    return r.network >> shift === p.network >> shift;
  });
}

/**
 * The addresses a scan of `cidr` probes. Refuses a range of more than 1024 addresses, and a public
 * one unless `allowPublic`. IPv4 ranges of /30 and wider leave out the network and broadcast addresses.
 */
export function scanAddresses(cidr: string, opts: { allowPublic?: boolean } = {}): string[] {
  const r = parseCidr(cidr);
  const count = 2n ** BigInt(BITS[r.family] - r.prefix);
  if (count > BigInt(MAX_SCAN_ADDRESSES))
    throw new ScanRefusedError('too-large', `${cidr} has ${count} addresses; a scan covers at most ${MAX_SCAN_ADDRESSES} (/22 in IPv4)`);
  if (!opts.allowPublic && !isPrivateRange(r))
    throw new ScanRefusedError('public', `${cidr} is not a private range (RFC 1918, loopback, IPv6 ULA): scanning it needs allowPublic`);
  const skipEnds = r.family === 4 && r.prefix <= 30;
  const out: string[] = [];
  for (let i = skipEnds ? 1n : 0n; i < (skipEnds ? count - 1n : count); i++) out.push(format(r.family, r.network + i));
  return out;
}
