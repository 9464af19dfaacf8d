import { parseIp } from '../ip-address.js';

/** One packet of a synthetic capture: Ethernet + IPv4/IPv6 + TCP/UDP + `payload` zero bytes. */
export interface PacketSpec {
  /** Capture time, ms UTC. */
  ts: number;
  src: string;
  dst: string;
  protocol: 'tcp' | 'udp';
  srcPort: number;
  dstPort: number;
  payload: number;
  /** TCP flags byte (default ACK). */
  tcpFlags?: number;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

const ETHERNET = 14;
const L4_HEADER = { tcp: 20, udp: 8 } as const;

function addressOf(text: string): Uint8Array {
  const bytes = parseIp(text);
  if (!bytes) throw new Error(`bad address ${text}`);
  return bytes;
}

/** Bytes counted at the IP layer (IP header + transport header + payload), what a flow exporter reports. */
export function ipLayerBytes(p: PacketSpec): number {
  const ipHeader = addressOf(p.src).length === 4 ? 20 : 40;
  return ipHeader + L4_HEADER[p.protocol] + p.payload;
}

function ipv4Checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function frame(p: PacketSpec): Buffer {
  const src = addressOf(p.src);
  const dst = addressOf(p.dst);
  if (src.length !== dst.length) throw new Error('source and destination families differ');
  const v4 = src.length === 4;
  const l4Len = L4_HEADER[p.protocol] + p.payload;
  const ipLen = ipLayerBytes(p);
  const buf = Buffer.alloc(ETHERNET + ipLen);
  // Ethernet: locally administered MACs, then the EtherType.
  buf.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01], 0);
  buf.writeUInt16BE(v4 ? 0x0800 : 0x86dd, 12);
  let off = ETHERNET;
  const proto = p.protocol === 'tcp' ? 6 : 17;
  if (v4) {
    buf.writeUInt8(0x45, off);
    buf.writeUInt16BE(ipLen, off + 2);
    buf.writeUInt8(64, off + 8);
    buf.writeUInt8(proto, off + 9);
    buf.set(src, off + 12);
    buf.set(dst, off + 16);
    buf.writeUInt16BE(ipv4Checksum(buf.subarray(off, off + 20)), off + 10);
    off += 20;
  } else {
    buf.writeUInt32BE(0x60000000, off);
    buf.writeUInt16BE(l4Len, off + 4);
    buf.writeUInt8(proto, off + 6);
    buf.writeUInt8(64, off + 7);
    buf.set(src, off + 8);
    buf.set(dst, off + 24);
    off += 40;
  }
  buf.writeUInt16BE(p.srcPort, off);
  buf.writeUInt16BE(p.dstPort, off + 2);
  if (p.protocol === 'tcp') {
    buf.writeUInt8(5 << 4, off + 12); // data offset: 5 words
    buf.writeUInt8(p.tcpFlags ?? TCP_ACK, off + 13);
    buf.writeUInt16BE(65535, off + 14);
  } else {
    buf.writeUInt16BE(l4Len, off + 4);
  }
  return buf;
}

/** A classic libpcap file (microsecond timestamps, Ethernet link type) holding the packets. */
export function writePcap(packets: readonly PacketSpec[]): Buffer {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const parts: Buffer[] = [global];
  for (const p of packets) {
    const data = frame(p);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(p.ts / 1000), 0);
    rec.writeUInt32LE((p.ts % 1000) * 1000, 4);
    rec.writeUInt32LE(data.length, 8);
    rec.writeUInt32LE(data.length, 12);
    parts.push(rec, data);
  }
  return Buffer.concat(parts);
}
