import { parseIp } from '../ip-address.js';

// Hand-built export datagrams, byte by byte from RFC 3954 / RFC 7011 and Cisco's v5 layout,
// independent of the decoders they test.

export const VARLEN = 0xffff;

export interface TemplateField {
  id: number;
  length: number;
  enterprise?: number;
}

export interface TemplateDef {
  id: number;
  fields: TemplateField[];
}

/** A field value: an address, an unsigned integer (written on the field's length) or raw bytes. */
export type Value = string | number | bigint | Buffer;

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function uint(length: number, value: number | bigint): Buffer {
  const b = Buffer.alloc(length);
  let v = BigInt(value);
  for (let i = length - 1; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

/** RFC 7011 §7: one length byte below 255, else 255 and two length bytes. */
export function varlen(data: Buffer): Buffer {
  return Buffer.concat([data.length < 255 ? Buffer.from([data.length]) : Buffer.from([255, data.length >> 8, data.length & 0xff]), data]);
}

export function encodeValue(field: TemplateField, value: Value): Buffer {
  if (field.length === VARLEN) return varlen(Buffer.isBuffer(value) ? value : Buffer.from(String(value)));
  let bytes: Buffer;
  if (Buffer.isBuffer(value)) bytes = value;
  else if (typeof value === 'string') bytes = Buffer.from(parseIp(value) ?? Buffer.from(value));
  else bytes = uint(field.length, value);
  if (bytes.length !== field.length) throw new Error(`field ${field.id}: ${bytes.length} bytes for length ${field.length}`);
  return bytes;
}

/** A set (or v9 flowset): id, length including the 4-byte header, body, optional zero padding. */
export function set(id: number, body: Buffer, padding = 0): Buffer {
  return Buffer.concat([u16(id), u16(4 + body.length + padding), body, Buffer.alloc(padding)]);
}

export function dataSet(template: TemplateDef, rows: Value[][], padding = 0): Buffer {
  const body = rows.map((row) => Buffer.concat(template.fields.map((f, i) => encodeValue(f, row[i] ?? 0))));
  return set(template.id, Buffer.concat(body), padding);
}

function fieldSpecs(fields: TemplateField[], ipfix: boolean): Buffer {
  return Buffer.concat(
    fields.map((f) => {
      if (f.enterprise === undefined) return Buffer.concat([u16(f.id), u16(f.length)]);
      if (!ipfix) throw new Error('NetFlow v9 has no enterprise fields');
      return Buffer.concat([u16(f.id | 0x8000), u16(f.length), u32(f.enterprise)]);
    }),
  );
}

// ---- NetFlow v5 ----

export interface V5Record {
  src: string;
  dst: string;
  nextHop?: string;
  input?: number;
  output?: number;
  packets: number;
  bytes: number;
  first: number;
  last: number;
  srcPort: number;
  dstPort: number;
  tcpFlags?: number;
  protocol: number;
}

export function v5Datagram(h: { sysUptime: number; unixSecs: number; unixNsecs?: number; count?: number }, records: V5Record[]): Buffer {
  const header = Buffer.concat([u16(5), u16(h.count ?? records.length), u32(h.sysUptime), u32(h.unixSecs), u32(h.unixNsecs ?? 0), u32(1), Buffer.alloc(4)]);
  const body = records.map((r) => {
    const b = Buffer.alloc(48);
    b.set(parseIp(r.src)!, 0);
    b.set(parseIp(r.dst)!, 4);
    b.set(parseIp(r.nextHop ?? '0.0.0.0')!, 8);
    b.writeUInt16BE(r.input ?? 0, 12);
    b.writeUInt16BE(r.output ?? 0, 14);
    b.writeUInt32BE(r.packets, 16);
    b.writeUInt32BE(r.bytes, 20);
    b.writeUInt32BE(r.first >>> 0, 24);
    b.writeUInt32BE(r.last >>> 0, 28);
    b.writeUInt16BE(r.srcPort, 32);
    b.writeUInt16BE(r.dstPort, 34);
    b.writeUInt8(r.tcpFlags ?? 0, 37);
    b.writeUInt8(r.protocol, 38);
    return b;
  });
  return Buffer.concat([header, ...body]);
}

// ---- NetFlow v9 ----

export function v9Datagram(h: { sysUptime: number; unixSecs: number; sourceId?: number; count?: number }, flowsets: Buffer[]): Buffer {
  const header = Buffer.concat([u16(9), u16(h.count ?? flowsets.length), u32(h.sysUptime), u32(h.unixSecs), u32(1), u32(h.sourceId ?? 0)]);
  return Buffer.concat([header, ...flowsets]);
}

export function v9TemplateSet(templates: TemplateDef[], padding = 0): Buffer {
  return set(0, Buffer.concat(templates.map((t) => Buffer.concat([u16(t.id), u16(t.fields.length), fieldSpecs(t.fields, false)]))), padding);
}

export function v9OptionsTemplateSet(t: { id: number; scope: TemplateField[]; options: TemplateField[] }, padding = 0): Buffer {
  const body = Buffer.concat([u16(t.id), u16(t.scope.length * 4), u16(t.options.length * 4), fieldSpecs(t.scope, false), fieldSpecs(t.options, false)]);
  return set(1, body, padding);
}

// ---- IPFIX ----

export function ipfixMessage(h: { exportTime: number; domain?: number; length?: number }, sets: Buffer[]): Buffer {
  const body = Buffer.concat(sets);
  return Buffer.concat([u16(10), u16(h.length ?? 16 + body.length), u32(h.exportTime), u32(1), u32(h.domain ?? 0), body]);
}

export function ipfixTemplateSet(templates: TemplateDef[], padding = 0): Buffer {
  return set(2, Buffer.concat(templates.map((t) => Buffer.concat([u16(t.id), u16(t.fields.length), fieldSpecs(t.fields, true)]))), padding);
}

export function ipfixOptionsTemplateSet(t: { id: number; scope: TemplateField[]; options: TemplateField[]; scopeCount?: number }, padding = 0): Buffer {
  const fields = [...t.scope, ...t.options];
  const body = Buffer.concat([u16(t.id), u16(fields.length), u16(t.scopeCount ?? t.scope.length), fieldSpecs(fields, true)]);
  return set(3, body, padding);
}

// ---- Information elements used by the tests (IANA numbers; v9 uses the same ones) ----

export const IE = {
  octetDeltaCount: 1,
  packetDeltaCount: 2,
  protocolIdentifier: 4,
  tcpControlBits: 6,
  sourceTransportPort: 7,
  sourceIPv4Address: 8,
  ingressInterface: 10,
  destinationTransportPort: 11,
  destinationIPv4Address: 12,
  egressInterface: 14,
  flowEndSysUpTime: 21,
  flowStartSysUpTime: 22,
  sourceIPv6Address: 27,
  destinationIPv6Address: 28,
  ipVersion: 60,
  interfaceName: 82,
  flowStartSeconds: 150,
  flowEndSeconds: 151,
  flowStartMilliseconds: 152,
  flowEndMilliseconds: 153,
  flowStartMicroseconds: 154,
  flowEndMicroseconds: 155,
  systemInitTimeMilliseconds: 160,
  samplingInterval: 34,
} as const;

/** A typical IPv4 template: addresses, ports, protocol, counters, uptimes (what v9 exporters send). */
export const V4_UPTIME_FIELDS: TemplateField[] = [
  { id: IE.sourceIPv4Address, length: 4 },
  { id: IE.destinationIPv4Address, length: 4 },
  { id: IE.sourceTransportPort, length: 2 },
  { id: IE.destinationTransportPort, length: 2 },
  { id: IE.protocolIdentifier, length: 1 },
  { id: IE.octetDeltaCount, length: 4 },
  { id: IE.packetDeltaCount, length: 4 },
  { id: IE.flowStartSysUpTime, length: 4 },
  { id: IE.flowEndSysUpTime, length: 4 },
];
