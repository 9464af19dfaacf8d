import { formatIpv4, formatIpv6 } from './ip-address.js';
import type { FlowRecord } from './model.js';
import { uptimeToClock } from './netflow-v5.js';
import { type Template, VARIABLE_LENGTH } from './template-store.js';

/** What times in a record are relative to. */
export interface TimeBase {
  exportMs: number;
  /** NetFlow v9: header sysUptime (flowStart/EndSysUpTime are relative to it). */
  sysUptimeMs?: number;
  /** IPFIX: systemInitTimeMilliseconds learned from options data. */
  systemInitMs?: number;
}

export interface DecodedSet {
  records: FlowRecord[];
  /** Records without both addresses (e.g. a template for MPLS or layer-2 flows): not flows for us. */
  withoutAddress: number;
  /** Records whose times could not be placed (no time field, or sysUpTime without an init time). */
  approximateTimes: number;
}

const NTP_TO_UNIX_SECONDS = 2_208_988_800;
const TWO_32 = 2 ** 32;

/** Unsigned big-endian integer of 1–8 bytes (reduced-size encoding, RFC 7011 §6.2). */
export function readUnsigned(buf: Buffer, off: number, len: number): number {
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + (buf[off + i] ?? 0);
  return v;
}

function ntpToMs(buf: Buffer, off: number): number {
  return (buf.readUInt32BE(off) - NTP_TO_UNIX_SECONDS) * 1000 + Math.floor((buf.readUInt32BE(off + 4) * 1000) / TWO_32);
}

/** The fields of one record that matter to us, as read off the wire. */
class RawRecord {
  src?: string;
  dst?: string;
  family?: 4 | 6;
  ipVersion?: number;
  srcPort = 0;
  dstPort = 0;
  protocol = 0;
  bytes?: number;
  packets?: number;
  totalBytes?: number;
  totalPackets?: number;
  outBytes?: number;
  outPackets?: number;
  inputIf?: number;
  outputIf?: number;
  tcpFlags?: number;
  startUptime?: number;
  endUptime?: number;
  startMs?: number;
  endMs?: number;
  startDeltaUs?: number;
  endDeltaUs?: number;
  durationMs?: number;
  systemInitMs?: number;

  /** Information element numbers shared by NetFlow v9 and IPFIX (IANA "IPFIX Information Elements"). */
  read(id: number, buf: Buffer, off: number, len: number): void {
    const counter = len >= 1 && len <= 8;
    switch (id) {
      case 1: // octetDeltaCount / IN_BYTES
        if (counter) this.bytes = readUnsigned(buf, off, len);
        break;
      case 2: // packetDeltaCount / IN_PKTS
        if (counter) this.packets = readUnsigned(buf, off, len);
        break;
      case 23: // postOctetDeltaCount / OUT_BYTES
        if (counter) this.outBytes = readUnsigned(buf, off, len);
        break;
      case 24:
        if (counter) this.outPackets = readUnsigned(buf, off, len);
        break;
      case 85: // octetTotalCount
        if (counter) this.totalBytes = readUnsigned(buf, off, len);
        break;
      case 86:
        if (counter) this.totalPackets = readUnsigned(buf, off, len);
        break;
      case 4:
        if (len === 1) this.protocol = buf[off] ?? 0;
        break;
      case 6: // tcpControlBits: 1 byte in v9, 2 in IPFIX (RFC 7125)
        if (len <= 2) this.tcpFlags = readUnsigned(buf, off, len);
        break;
      case 7:
        if (len === 2) this.srcPort = buf.readUInt16BE(off);
        break;
      case 11:
        if (len === 2) this.dstPort = buf.readUInt16BE(off);
        break;
      case 8:
        if (len === 4) [this.src, this.family] = [formatIpv4(buf, off), 4];
        break;
      case 12:
        if (len === 4) this.dst = formatIpv4(buf, off);
        break;
      case 27:
        if (len === 16) [this.src, this.family] = [formatIpv6(buf, off), 6];
        break;
      case 28:
        if (len === 16) this.dst = formatIpv6(buf, off);
        break;
      case 10:
        if (len <= 4) this.inputIf = readUnsigned(buf, off, len);
        break;
      case 14:
        if (len <= 4) this.outputIf = readUnsigned(buf, off, len);
        break;
      case 60:
        if (len === 1) this.ipVersion = buf[off];
        break;
      case 21: // flowEndSysUpTime / LAST_SWITCHED
        if (len === 4) this.endUptime = buf.readUInt32BE(off);
        break;
      case 22:
        if (len === 4) this.startUptime = buf.readUInt32BE(off);
        break;
      case 150: // flowStartSeconds
        if (len === 4) this.startMs = buf.readUInt32BE(off) * 1000;
        break;
      case 151:
        if (len === 4) this.endMs = buf.readUInt32BE(off) * 1000;
        break;
      case 152: // flowStartMilliseconds
        if (counter) this.startMs = readUnsigned(buf, off, len);
        break;
      case 153:
        if (counter) this.endMs = readUnsigned(buf, off, len);
        break;
      case 154: // flowStartMicroseconds, NTP format
      case 156: // flowStartNanoseconds, NTP format
        if (len === 8) this.startMs = ntpToMs(buf, off);
        break;
      case 155:
      case 157:
        if (len === 8) this.endMs = ntpToMs(buf, off);
        break;
      case 158: // flowStartDeltaMicroseconds, before the export time
        if (len === 4) this.startDeltaUs = buf.readUInt32BE(off);
        break;
      case 159:
        if (len === 4) this.endDeltaUs = buf.readUInt32BE(off);
        break;
      case 160: // systemInitTimeMilliseconds
        if (counter) this.systemInitMs = readUnsigned(buf, off, len);
        break;
      case 161: // flowDurationMilliseconds
        if (len <= 4) this.durationMs = readUnsigned(buf, off, len);
        break;
    }
  }

  private fromUptime(uptime: number | undefined, time: TimeBase): number | undefined {
    if (uptime === undefined) return undefined;
    if (time.sysUptimeMs !== undefined) return uptimeToClock(uptime, time.sysUptimeMs, time.exportMs);
    const init = this.systemInitMs ?? time.systemInitMs;
    if (init === undefined) return undefined;
    // A 32-bit uptime wraps every 49.7 days: take the reading nearest the uptime at export.
    const wraps = Math.round((time.exportMs - init - uptime) / TWO_32);
    return init + uptime + wraps * TWO_32;
  }

  /** The normalised record, or undefined when it lacks addresses. `approximate` is set when times fell back to the export time. */
  toFlow(exporter: string, time: TimeBase): { flow?: FlowRecord; approximate: boolean } {
    if (this.src === undefined || this.dst === undefined || this.family === undefined) return { approximate: false };
    let start = this.startMs ?? this.fromUptime(this.startUptime, time);
    let end = this.endMs ?? this.fromUptime(this.endUptime, time);
    if (start === undefined && this.startDeltaUs !== undefined) start = time.exportMs - Math.round(this.startDeltaUs / 1000);
    if (end === undefined && this.endDeltaUs !== undefined) end = time.exportMs - Math.round(this.endDeltaUs / 1000);
    if (end === undefined && start !== undefined) end = start + (this.durationMs ?? 0);
    if (start === undefined && end !== undefined) start = end - (this.durationMs ?? 0);
    const approximate = start === undefined || end === undefined;
    const flow: FlowRecord = {
      exporter,
      ipVersion: this.ipVersion === 4 || this.ipVersion === 6 ? this.ipVersion : this.family,
      srcAddr: this.src,
      dstAddr: this.dst,
      srcPort: this.srcPort,
      dstPort: this.dstPort,
      protocol: this.protocol,
      bytes: this.bytes ?? this.totalBytes ?? this.outBytes ?? 0,
      packets: this.packets ?? this.totalPackets ?? this.outPackets ?? 0,
      start: start ?? time.exportMs,
      end: end ?? time.exportMs,
    };
    if (this.inputIf !== undefined) flow.inputIf = this.inputIf;
    if (this.outputIf !== undefined) flow.outputIf = this.outputIf;
    if (this.tcpFlags !== undefined) flow.tcpFlags = this.tcpFlags;
    return { flow, approximate };
  }
}

/**
 * Walks the records of a data set (bytes `start`..`end` after the set header). Trailing bytes
 * shorter than the smallest record are padding. Returns an error text when a variable-length
 * field runs past the set.
 */
function walkRecords(template: Template, buf: Buffer, start: number, end: number, onRecord: (raw: RawRecord) => void): string | undefined {
  // The parser never makes an empty record; were one to slip through, it would never end.
  if (template.minLength < 1) return 'template with empty records';
  let off = start;
  while (end - off >= template.minLength) {
    const raw = new RawRecord();
    for (const field of template.fields) {
      let len = field.length;
      if (len === VARIABLE_LENGTH) {
        // RFC 7011 §7: one length byte, or 255 then two length bytes.
        if (off + 1 > end) return `variable-length field ${field.id} has no length`;
        len = buf[off++] ?? 0;
        if (len === 255) {
          if (off + 2 > end) return `variable-length field ${field.id} has a truncated length`;
          len = buf.readUInt16BE(off);
          off += 2;
        }
      }
      if (off + len > end) return `field ${field.id} (${len} bytes) runs past the set`;
      if (field.enterprise === undefined) raw.read(field.id, buf, off, len);
      off += len;
    }
    onRecord(raw);
  }
  return undefined;
}

export function decodeDataSet(template: Template, buf: Buffer, start: number, end: number, exporter: string, time: TimeBase): DecodedSet | string {
  const out: DecodedSet = { records: [], withoutAddress: 0, approximateTimes: 0 };
  const error = walkRecords(template, buf, start, end, (raw) => {
    const { flow, approximate } = raw.toFlow(exporter, time);
    if (!flow) out.withoutAddress++;
    else out.records.push(flow);
    if (approximate) out.approximateTimes++;
  });
  return error ?? out;
}

/** The systemInitTimeMilliseconds carried by an options data set, if any (IPFIX). */
export function readSystemInit(template: Template, buf: Buffer, start: number, end: number): { systemInitMs?: number } | string {
  let systemInitMs: number | undefined;
  const error = walkRecords(template, buf, start, end, (raw) => {
    if (raw.systemInitMs !== undefined) systemInitMs = raw.systemInitMs;
  });
  if (error) return error;
  return systemInitMs === undefined ? {} : { systemInitMs };
}
