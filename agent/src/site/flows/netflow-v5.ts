import { formatIpv4 } from './ip-address.js';
import { type DecodeOutcome, type FlowRecord, reject } from './model.js';

export const V5_HEADER_LENGTH = 24;
export const V5_RECORD_LENGTH = 48;
const V5_MAX_RECORDS = 30;

/**
 * The wall-clock time of an uptime reading, given the uptime and the clock at export.
 * The difference is taken as a signed 32-bit number so that a flow read just before the
 * exporter's uptime wrapped (every 49.7 days) still lands before the export — softflowd reading
 * a capture even reports uptime 0 at export and flow times just below 2^32.
 */
export function uptimeToClock(uptimeMs: number, exportUptimeMs: number, exportMs: number): number {
  return exportMs - ((exportUptimeMs - uptimeMs) | 0);
}

/** NetFlow v5: fixed 24-byte header, then `count` records of 48 bytes, IPv4 only. */
export function decodeNetflowV5(buf: Buffer, exporter: string): DecodeOutcome {
  if (buf.length < V5_HEADER_LENGTH) return reject('truncated-header', `${buf.length} bytes, v5 header is 24`, 5);
  const count = buf.readUInt16BE(2);
  if (count === 0 || count > V5_MAX_RECORDS) return reject('record-count-mismatch', `count ${count} outside 1..30`, 5);
  const needed = V5_HEADER_LENGTH + count * V5_RECORD_LENGTH;
  if (buf.length < needed) return reject('record-count-mismatch', `count ${count} needs ${needed} bytes, got ${buf.length}`, 5);
  const sysUptime = buf.readUInt32BE(4);
  const exportMs = buf.readUInt32BE(8) * 1000 + Math.floor(buf.readUInt32BE(12) / 1e6);
  const records: FlowRecord[] = [];
  for (let i = 0; i < count; i++) {
    const o = V5_HEADER_LENGTH + i * V5_RECORD_LENGTH;
    records.push({
      exporter,
      ipVersion: 4,
      srcAddr: formatIpv4(buf, o),
      dstAddr: formatIpv4(buf, o + 4),
      inputIf: buf.readUInt16BE(o + 12),
      outputIf: buf.readUInt16BE(o + 14),
      packets: buf.readUInt32BE(o + 16),
      bytes: buf.readUInt32BE(o + 20),
      start: uptimeToClock(buf.readUInt32BE(o + 24), sysUptime, exportMs),
      end: uptimeToClock(buf.readUInt32BE(o + 28), sysUptime, exportMs),
      srcPort: buf.readUInt16BE(o + 32),
      dstPort: buf.readUInt16BE(o + 34),
      tcpFlags: buf.readUInt8(o + 37),
      protocol: buf.readUInt8(o + 38),
    });
  }
  return { ok: true, version: 5, records, templates: 0, pending: 0 };
}
