import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type BlockedReason, blockedReason, canonicalIp, OPT_IN_REASONS } from './blocked-addresses.js';

export interface OutboundOptions {
  /** The policy's opt-in: link-local and cloud-metadata addresses become reachable. */
  allowLinkLocal?: boolean;
  /** Name resolution (default: the system's, as every other program of the machine resolves). */
  lookup?: (host: string) => Promise<string[]>;
}

/** The address a probe connects to: checked, and the only one it uses (no second resolution). */
export interface OutboundAddress {
  host: string;
  address: string;
  family: 4 | 6;
}

const REASON_TEXT: Record<BlockedReason, string> = {
  metadata: 'a cloud metadata address',
  'link-local': 'a link-local address',
  unspecified: 'an unspecified address (this machine)',
  multicast: 'a multicast address',
  reserved: 'a reserved or broadcast address',
};

/** A target the guard refused: the probe reports it (status unknown), never connects. */
export class OutboundRefusedError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: BlockedReason,
  ) {
    const via = canonicalIp(host) === address ? '' : ` (${host} resolves to ${address})`;
    const hint = OPT_IN_REASONS.has(reason) ? '; allow link-local addresses in the policy to reach it' : '';
    super(`${address}${via} is ${REASON_TEXT[reason]}${hint}`);
    this.name = 'OutboundRefusedError';
  }
}

/** What may be looked up as a name: letters, digits, `_`, `.`, `-`, not starting with `-` (no query for garbage). */
const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$/;

const systemLookup = async (host: string) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * The one guard of every outbound probe (HTTP, TCP, DNS resolver, ping, SNMP): resolves `host`
 * once, refuses it if any of its addresses is blocked, and returns the address to connect to. The
 * caller connects to that address and no other, so a name that answers differently the second time
 * (DNS rebinding) cannot lead elsewhere. Any spelling of an IPv4 literal is read as the resolver
 * would read it. Throws OutboundRefusedError, or the resolver's error for a name that does not resolve.
 */
export async function resolveOutbound(host: string, opts: OutboundOptions = {}): Promise<OutboundAddress> {
  const literal = canonicalIp(host);
  if (!literal && !HOST_NAME.test(host)) throw Object.assign(new Error(`not a host name: ${JSON.stringify(host.slice(0, 64))}`), { code: 'EINVALIDHOST' });
  const addresses = literal ? [literal] : (await (opts.lookup ?? systemLookup)(host)).map((a) => canonicalIp(a) ?? a);
  if (addresses.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
  for (const address of addresses) {
    const reason = blockedReason(address);
    if (reason && !(opts.allowLinkLocal && OPT_IN_REASONS.has(reason))) throw new OutboundRefusedError(host, address, reason);
  }
  const address = addresses[0]!;
  return { host, address, family: isIP(address) === 6 ? 6 : 4 };
}
