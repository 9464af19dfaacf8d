import { parseIp } from './ip-address.js';

interface Prefix {
  bytes: Uint8Array;
  bits: number;
}

function parsePrefix(cidr: string): Prefix {
  const slash = cidr.indexOf('/');
  const addr = slash < 0 ? cidr : cidr.slice(0, slash);
  const bytes = parseIp(addr.trim());
  if (!bytes) throw new Error(`not an IP address or CIDR: "${cidr}"`);
  const max = bytes.length * 8;
  const bitsText = slash < 0 ? String(max) : cidr.slice(slash + 1).trim();
  const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
  if (!(bits >= 0 && bits <= max)) throw new Error(`bad prefix length in "${cidr}"`);
  return { bytes, bits };
}

function inPrefix(addr: Uint8Array, p: Prefix): boolean {
  if (addr.length !== p.bytes.length) return false;
  const whole = p.bits >> 3;
  for (let i = 0; i < whole; i++) if (addr[i] !== p.bytes[i]) return false;
  const rest = p.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((addr[whole] ?? 0) & mask) === ((p.bytes[whole] ?? 0) & mask);
}

/** A list of CIDR blocks (IPv4 and IPv6; a bare address is a /32 or /128). Throws on a bad entry. */
export class SubnetSet {
  private readonly prefixes: Prefix[];

  constructor(cidrs: readonly string[]) {
    this.prefixes = cidrs.map(parsePrefix);
  }

  get size(): number {
    return this.prefixes.length;
  }

  has(address: string): boolean {
    const bytes = parseIp(address);
    if (!bytes) return false;
    return this.prefixes.some((p) => inPrefix(bytes, p));
  }
}
