/** One unidirectional flow as any exporter version reports it, normalised. */
export interface FlowRecord {
  /** Address the datagram came from (IPv4 plain, IPv6 in RFC 5952 form). */
  exporter: string;
  ipVersion: 4 | 6;
  srcAddr: string;
  dstAddr: string;
  /** 0 when the protocol has no ports or the template does not carry them. */
  srcPort: number;
  dstPort: number;
  /** IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6…). */
  protocol: number;
  /** Bytes at the IP layer (IP header included), as exporters count them. */
  bytes: number;
  packets: number;
  /** First and last packet of the flow, ms UTC. */
  start: number;
  end: number;
  inputIf?: number;
  outputIf?: number;
  tcpFlags?: number;
}

/** Why a datagram was rejected. Stable strings: they are counted and reported as they are. */
export const REJECT_REASONS = [
  'truncated-header', // shorter than its version's fixed header
  'unsupported-version', // not NetFlow v5, v9 or IPFIX
  'record-count-mismatch', // v5: count of 0, over 30, or more records than bytes
  'length-mismatch', // IPFIX: the message length is not the datagram length
  'set-length-invalid', // a (flow)set shorter than its own header or running past the datagram
  'template-invalid', // template id < 256, no fields, counts running past the set, empty record
  'record-invalid', // a variable-length field running past its set
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type ExportVersion = 5 | 9 | 10;

export type DecodeOutcome =
  | {
      ok: true;
      version: ExportVersion;
      /** Flows decoded from this datagram, and from earlier data whose template it brought. */
      records: FlowRecord[];
      /** Templates (data and options) this datagram defined or refreshed. */
      templates: number;
      /** Data sets kept aside until their template arrives. */
      pending: number;
    }
  | { ok: false; version?: number; reason: RejectReason; detail: string };

export function reject(reason: RejectReason, detail: string, version?: number): DecodeOutcome {
  return version === undefined ? { ok: false, reason, detail } : { ok: false, version, reason, detail };
}
