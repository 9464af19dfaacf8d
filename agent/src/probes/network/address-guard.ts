import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * Link-local and cloud-metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254): an HTTP check
 * must not be turned into a way to read a metadata service. Decimal, hex or octal spellings of an
 * IPv4 address are normalised by the URL parser before this check.
 */
export function isLinkLocalOrMetadata(address: string): boolean {
  const v = isIP(address);
  if (v === 4) return address.startsWith('169.254.');
  if (v === 6) {
    const a = address.toLowerCase();
    if (/^fe[89ab][0-9a-f]:/.test(a)) return true;
    if (a === 'fd00:ec2::254') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    if (mapped?.[1]) return mapped[1].startsWith('169.254.');
    const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
    if (mappedHex?.[1]) return Number.parseInt(mappedHex[1], 16) === 0xa9fe;
  }
  return false;
}

/** The addresses a URL's host resolves to, with the URL parser's normalisation of IPv4 spellings. */
export async function resolveUrlHost(url: URL): Promise<string[]> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return [host];
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}
