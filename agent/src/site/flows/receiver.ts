import { createSocket, type Socket } from 'node:dgram';
import { FlowDecoder, type FlowDecoderStats } from './flow-decoder.js';
import { normaliseIp } from './ip-address.js';
import type { DecodeOutcome, FlowRecord, RejectReason } from './model.js';
import { SubnetSet } from './subnets.js';
import type { TemplateStoreLimits } from './template-store.js';

/** Where decoded flows go; FlowAggregator is one. */
export interface FlowSink {
  add(record: FlowRecord, receivedAt: number): void;
}

export interface FlowReceiverOptions {
  /** UDP port (default 2055; 0 picks a free one). */
  port?: number;
  /** Bind address (default 0.0.0.0, or :: with `ipv6`). */
  host?: string;
  /** Listen on an IPv6 socket, which also receives IPv4 unless `ipv6Only`. */
  ipv6?: boolean;
  ipv6Only?: boolean;
  /** Exporters (addresses or CIDR blocks) whose datagrams are accepted; others are counted and dropped. */
  allowedExporters: readonly string[];
  sink: FlowSink;
  /** Memory bounds: exporters tracked, templates, data waiting for its template. */
  memory?: Partial<TemplateStoreLimits> & { maxExporters?: number };
  /** Kernel receive buffer, bytes (bursts of exports arrive faster than they are decoded). */
  recvBufferSize?: number;
  now?: () => number;
}

export interface ExporterStats {
  address: string;
  datagrams: number;
  flows: number;
  decodeErrors: number;
  /** Rejected datagrams per reason. */
  errors: Partial<Record<RejectReason, number>>;
  /** Export version of the last datagram. */
  version?: number;
  lastSeen: number;
}

export interface FlowReceiverStats {
  datagrams: number;
  flows: number;
  /** Datagrams from exporters not in the allowlist. */
  refused: number;
  /** The last few refused addresses, to help whoever configures the allowlist. */
  recentlyRefused: string[];
  /** Datagrams from allowed exporters beyond `maxExporters`. */
  overExporterLimit: number;
  /** Exceptions caught from the decoder or the sink (bugs: should stay 0). */
  faults: number;
  lastFault?: string;
  exporters: ExporterStats[];
  decoder: FlowDecoderStats;
}

export const DEFAULT_FLOW_PORT = 2055;
const RECENTLY_REFUSED = 8;

/** Receives NetFlow v5/v9 and IPFIX over UDP from allowed exporters, decodes, and feeds a sink. */
export class FlowReceiver {
  private readonly options: FlowReceiverOptions;
  private readonly allowed: SubnetSet;
  private readonly decoder: FlowDecoder;
  private readonly maxExporters: number;
  private readonly now: () => number;
  private readonly exporters = new Map<string, ExporterStats>();
  private readonly totals = { datagrams: 0, flows: 0, refused: 0, overExporterLimit: 0, faults: 0 };
  private recentlyRefused: string[] = [];
  private lastFault: string | undefined;
  private socket: Socket | undefined;

  constructor(options: FlowReceiverOptions) {
    this.options = options;
    this.allowed = new SubnetSet(options.allowedExporters);
    this.decoder = new FlowDecoder(options.memory);
    this.maxExporters = options.memory?.maxExporters ?? 64;
    this.now = options.now ?? Date.now;
  }

  /** Binds the socket; resolves with the address actually bound. */
  async start(): Promise<{ address: string; port: number }> {
    if (this.socket) throw new Error('flow receiver already started');
    const { ipv6 = false, ipv6Only = false } = this.options;
    const socket = createSocket({ type: ipv6 ? 'udp6' : 'udp4', ipv6Only, recvBufferSize: this.options.recvBufferSize });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port ?? DEFAULT_FLOW_PORT, this.options.host ?? (ipv6 ? '::' : '0.0.0.0'), () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('message', (msg, rinfo) => this.ingest(msg, rinfo.address));
    socket.on('error', (err) => this.fault(err));
    this.socket = socket;
    const { address, port } = socket.address();
    return { address, port };
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /**
   * Handles one datagram from `from`. Public so that tests and other transports can feed it;
   * returns the decode outcome, or undefined when the exporter was not accepted.
   */
  ingest(datagram: Buffer, from: string, receivedAt = this.now()): DecodeOutcome | undefined {
    const exporter = normaliseIp(from);
    if (!this.allowed.has(exporter)) {
      this.totals.refused++;
      this.recentlyRefused = [exporter, ...this.recentlyRefused.filter((a) => a !== exporter)].slice(0, RECENTLY_REFUSED);
      return undefined;
    }
    let stats = this.exporters.get(exporter);
    if (!stats) {
      if (this.exporters.size >= this.maxExporters) {
        this.totals.overExporterLimit++;
        return undefined;
      }
      stats = { address: exporter, datagrams: 0, flows: 0, decodeErrors: 0, errors: {}, lastSeen: receivedAt };
      this.exporters.set(exporter, stats);
    }
    this.totals.datagrams++;
    stats.datagrams++;
    stats.lastSeen = receivedAt;
    let outcome: DecodeOutcome;
    try {
      outcome = this.decoder.decode(datagram, exporter);
    } catch (err) {
      this.fault(err);
      return undefined;
    }
    if (outcome.version !== undefined) stats.version = outcome.version;
    if (!outcome.ok) {
      stats.decodeErrors++;
      stats.errors[outcome.reason] = (stats.errors[outcome.reason] ?? 0) + 1;
      return outcome;
    }
    // Flows decoded from data that waited for its template are counted with this exporter too:
    // the wait is keyed by exporter, so they are its own.
    stats.flows += outcome.records.length;
    this.totals.flows += outcome.records.length;
    for (const record of outcome.records) {
      try {
        this.options.sink.add(record, receivedAt);
      } catch (err) {
        this.fault(err);
      }
    }
    return outcome;
  }

  private fault(err: unknown): void {
    this.totals.faults++;
    this.lastFault = err instanceof Error ? err.message : String(err);
  }

  stats(): FlowReceiverStats {
    const s: FlowReceiverStats = {
      ...this.totals,
      recentlyRefused: [...this.recentlyRefused],
      exporters: [...this.exporters.values()].map((e) => ({ ...e, errors: { ...e.errors } })),
      decoder: this.decoder.stats(),
    };
    if (this.lastFault !== undefined) s.lastFault = this.lastFault;
    return s;
  }
}
