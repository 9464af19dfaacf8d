import { isIP } from 'node:net';

/** Dotted-quad text of the 4 bytes at `offset`. */
export function formatIpv4(buf: Uint8Array, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

/** RFC 5952 text of the 16 bytes at `offset`: lower case, no leading zeros, longest zero run as `::`. */
export function formatIpv6(buf: Uint8Array, offset: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((buf[offset + 2 * i] ?? 0) << 8) | (buf[offset + 2 * i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 1; // a single zero group is not compressed (RFC 5952 §4.2.2)
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** The bytes of an IPv4 or IPv6 address (4 or 16), or undefined if the text is not an address. */
export function parseIp(text: string): Uint8Array | undefined {
  const family = isIP(text);
  if (family === 4) return Uint8Array.from(text.split('.').map(Number));
  if (family !== 6) return undefined;
  let s = text.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const out = new Uint8Array(16);
  // A trailing dotted quad (::ffff:1.2.3.4) stands for the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: number[] = [];
  if (dotted?.[1]) {
    const v4 = dotted[1].split('.').map(Number);
    tail = [((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0)];
    s = s.slice(0, s.length - dotted[1].length);
    if (s.endsWith(':') && !s.endsWith('::')) s = s.slice(0, -1);
  }
  const [head = '', rest] = s.split('::');
  const parseGroups = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parseGroups(head);
  const right = [...(rest === undefined ? [] : parseGroups(rest)), ...tail];
  const groups = rest === undefined ? [...left, ...right] : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/**
 * The address as this module writes it: an IPv4-mapped IPv6 address (what a dual-stack socket
 * reports for an IPv4 sender) becomes plain IPv4, IPv6 is put in RFC 5952 form.
 */
export function normaliseIp(text: string): string {
  const bytes = parseIp(text);
  if (!bytes) return text;
  if (bytes.length === 4) return formatIpv4(bytes, 0);
  const mapped = bytes.subarray(0, 12).every((b, i) => (i < 10 ? b === 0 : b === 0xff));
  return mapped ? formatIpv4(bytes, 12) : formatIpv6(bytes, 0);
}
