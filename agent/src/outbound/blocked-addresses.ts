import { BlockList, isIP } from 'node:net';

/**
 * Where an agent's probes may not connect unless a policy opts in (`allowLinkLocal`), and where
 * they may never connect. Private ranges (RFC 1918, CGNAT, IPv6 ULA) and loopback stay allowed:
 * an RMM agent pings the LAN's hosts and gateway and checks local services.
 */
export type BlockedReason = 'metadata' | 'link-local' | 'unspecified' | 'multicast' | 'reserved';

/** Reasons a policy's `allowLinkLocal` lifts; the others are never a host to probe. */
export const OPT_IN_REASONS: ReadonlySet<BlockedReason> = new Set(['metadata', 'link-local']);

const RULES: [BlockedReason, string, number, 'ipv4' | 'ipv6'][] = [
  // Cloud metadata services: AWS, GCP, Azure, OCI, DigitalOcean… (169.254.169.254 is link-local
  // too), Alibaba, Azure's WireServer, AWS's and GCP's IPv6 endpoints.
  ['metadata', '169.254.169.254', 32, 'ipv4'],
  ['metadata', '169.254.170.2', 32, 'ipv4'],
  ['metadata', '100.100.100.200', 32, 'ipv4'],
  ['metadata', '168.63.129.16', 32, 'ipv4'],
  ['metadata', 'fd00:ec2::254', 128, 'ipv6'],
  ['metadata', 'fd20:ce::254', 128, 'ipv6'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  // 0.0.0.0 reaches this machine on Linux; multicast and broadcast would make a probe reach many hosts.
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['multicast', 'ff00::', 8, 'ipv6'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
];

const lists = new Map<BlockedReason, BlockList>();
for (const [reason, net, prefix, family] of RULES) {
  const list = lists.get(reason) ?? new BlockList();
  lists.set(reason, list);
  list.addSubnet(net, prefix, family);
}
const metadataFirst: BlockedReason[] = ['metadata', 'link-local', 'unspecified', 'multicast', 'reserved'];

/**
 * An IP literal in one canonical form: IPv4 dotted decimal whatever its spelling (`2852039166`,
 * `0xa9fea9fe`, `0251.0376.0251.0376`, `169.254.43518`, a trailing dot), IPv6 compressed, lower
 * case, without brackets or zone. Undefined when `host` is not an IP literal (a name to resolve).
 */
export function canonicalIp(host: string): string | undefined {
  const bare = host.trim().replace(/^\[(.*)\]$/, '$1');
  if (bare.includes(':')) {
    const noZone = bare.replace(/%.*$/, '');
    if (isIP(noZone) !== 6) return undefined;
    try {
      return new URL(`http://[${noZone}]/`).hostname.slice(1, -1);
    } catch {
      return undefined;
    }
  }
  try {
    // The WHATWG host parser reads every IPv4 spelling that inet_aton (and so ping, curl, getaddrinfo) accepts.
    const h = new URL(`http://${bare}/`).hostname;
    return isIP(h) === 4 ? h : undefined;
  } catch {
    return undefined;
  }
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, SIIT, 6to4), if any. */
function embeddedIpv4(v6: string): string | undefined {
  const hex = (hi: string, lo: string) => {
    const n = (Number.parseInt(hi, 16) << 16) | Number.parseInt(lo, 16);
    return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
  };
  const tail = /^(?:::ffff:|::ffff:0:|64:ff9b::|::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (tail?.[1] && tail[2]) return hex(tail[1], tail[2]);
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4})(?::|$)/.exec(v6);
  if (sixToFour?.[1] && sixToFour[2]) return hex(sixToFour[1], sixToFour[2]);
  return undefined;
}

/** Why a probe may not connect to this address (any spelling), or undefined when it may. */
export function blockedReason(address: string): BlockedReason | undefined {
  const ip = canonicalIp(address);
  if (!ip) return undefined;
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  for (const reason of metadataFirst) if (lists.get(reason)!.check(ip, family)) return reason;
  if (family === 'ipv6') {
    const v4 = embeddedIpv4(ip);
    if (v4 && v4 !== '0.0.0.0' && v4 !== '0.0.0.1') return blockedReason(v4);
  }
  return undefined;
}
