/** IP protocol numbers a report names; others are written `ip-<n>`. */
const PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  1: 'icmp',
  2: 'igmp',
  6: 'tcp',
  17: 'udp',
  41: 'ipv6-in-ipv4',
  47: 'gre',
  50: 'esp',
  51: 'ah',
  58: 'icmpv6',
  89: 'ospf',
  112: 'vrrp',
  132: 'sctp',
};

export function protocolName(protocol: number): string {
  return PROTOCOL_NAMES[protocol] ?? `ip-${protocol}`;
}

/** Well-known ports seen on small-business networks, per transport (IANA names where they exist). */
const TCP_SERVICES: Readonly<Record<number, string>> = {
  20: 'ftp-data',
  21: 'ftp',
  22: 'ssh',
  23: 'telnet',
  25: 'smtp',
  53: 'dns',
  80: 'http',
  88: 'kerberos',
  110: 'pop3',
  135: 'msrpc',
  139: 'netbios-ssn',
  143: 'imap',
  389: 'ldap',
  443: 'https',
  445: 'smb',
  465: 'smtps',
  587: 'submission',
  636: 'ldaps',
  853: 'dns-over-tls',
  993: 'imaps',
  995: 'pop3s',
  1433: 'mssql',
  1723: 'pptp',
  3268: 'ldap-gc',
  3306: 'mysql',
  3389: 'rdp',
  5060: 'sip',
  5432: 'postgresql',
  5900: 'vnc',
  8080: 'http-alt',
  8443: 'https-alt',
};

const UDP_SERVICES: Readonly<Record<number, string>> = {
  53: 'dns',
  67: 'dhcp',
  68: 'dhcp',
  69: 'tftp',
  88: 'kerberos',
  123: 'ntp',
  137: 'netbios-ns',
  138: 'netbios-dgm',
  161: 'snmp',
  162: 'snmp-trap',
  443: 'quic',
  500: 'ipsec-ike',
  514: 'syslog',
  1194: 'openvpn',
  1900: 'ssdp',
  3389: 'rdp',
  3478: 'stun',
  4500: 'ipsec-nat-t',
  5060: 'sip',
  5353: 'mdns',
  51820: 'wireguard',
};

export const OTHER_SERVICE = 'other';

/**
 * The service a flow belongs to: the well-known port on either side (the lower one when both
 * are known, servers sit on low ports), the protocol's name for protocols without ports (icmp,
 * esp, gre…), else "other".
 */
export function serviceOf(protocol: number, srcPort: number, dstPort: number): string {
  const table = protocol === 6 ? TCP_SERVICES : protocol === 17 ? UDP_SERVICES : undefined;
  if (!table) return protocol === 132 || PROTOCOL_NAMES[protocol] === undefined ? OTHER_SERVICE : protocolName(protocol);
  const src = table[srcPort];
  const dst = table[dstPort];
  if (src !== undefined && dst !== undefined) return srcPort < dstPort ? src : dst;
  return dst ?? src ?? OTHER_SERVICE;
}
