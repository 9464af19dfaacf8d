import { formatSeriesKey, isSeriesKey } from '@vigie/shared';
import type { NetCounters, RawCounters, ReadCounters } from './counters.js';
import { isLoopback } from './counters.js';
import { createReadCounters } from './read-counters.js';

export type { RawCounters, ReadCounters } from './counters.js';

export interface MetricsSamplerOptions {
  /** Most filesystems reported per sample (default 64). */
  maxFilesystems?: number;
  /** Most network interfaces reported per sample (default 64). */
  maxInterfaces?: number;
  /** Where raw readings come from (default: this machine); tests inject their own. */
  readCounters?: ReadCounters;
}

export const DEFAULT_MAX_FILESYSTEMS = 64;
export const DEFAULT_MAX_INTERFACES = 64;

const NET_RATES: ReadonlyArray<[metric: string, counter: keyof Omit<NetCounters, 'iface'>]> = [
  ['net.rx_bps', 'rxBytes'],
  ['net.tx_bps', 'txBytes'],
  ['net.rx_errors', 'rxErrors'],
  ['net.tx_errors', 'txErrors'],
  ['net.rx_dropped', 'rxDropped'],
  ['net.tx_dropped', 'txDropped'],
];

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

const round = (value: number, digits: number): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
const clampPct = (value: number): number => round(Math.min(100, Math.max(0, value)), 2);

/**
 * Host metrics as series key → number. Gauges come from each reading; CPU usage and network rates
 * come from the difference with the previous reading, so the first sample after construction has
 * no rates unless prime() was called. A counter that went backwards (interface re-created, counter
 * wrapped) yields no rate for that sample rather than a negative or huge one.
 */
export class MetricsSampler {
  readonly #maxFilesystems: number;
  readonly #maxInterfaces: number;
  readonly #readCounters: ReadCounters;
  #previous: RawCounters | undefined;
  #lastWarnings: string[] = [];

  constructor(opts: MetricsSamplerOptions = {}) {
    this.#maxFilesystems = positiveInteger('maxFilesystems', opts.maxFilesystems, DEFAULT_MAX_FILESYSTEMS);
    this.#maxInterfaces = positiveInteger('maxInterfaces', opts.maxInterfaces, DEFAULT_MAX_INTERFACES);
    this.#readCounters = opts.readCounters ?? createReadCounters();
  }

  /** What the last reading could not read (empty when everything was read). */
  get lastWarnings(): readonly string[] {
    return this.#lastWarnings;
  }

  /** Takes the reference reading, so the next sample() has rates. */
  async prime(): Promise<void> {
    this.#previous = await this.#read();
  }

  async sample(): Promise<Record<string, number>> {
    const current = await this.#read();
    const previous = this.#previous;
    this.#previous = current;

    const out: Record<string, number> = {};
    const put = (name: string, value: number, labels?: Record<string, string>): void => {
      if (!Number.isFinite(value)) return;
      const key = formatSeriesKey(name, labels);
      if (isSeriesKey(key)) out[key] = value;
    };
    const seconds = previous ? (current.atMs - previous.atMs) / 1000 : 0;

    if (previous?.cpu && current.cpu) {
      const total = current.cpu.totalMs - previous.cpu.totalMs;
      const idle = current.cpu.idleMs - previous.cpu.idleMs;
      if (total > 0 && idle >= 0) put('cpu.usage_pct', clampPct((1 - idle / total) * 100));
    }
    if (current.load) {
      put('cpu.load1', round(current.load[0], 2));
      put('cpu.load5', round(current.load[1], 2));
      put('cpu.load15', round(current.load[2], 2));
    }

    const mem = current.memory;
    if (mem && mem.totalBytes > 0) {
      const used = Math.max(0, mem.totalBytes - mem.availableBytes);
      put('mem.total_bytes', mem.totalBytes);
      put('mem.used_bytes', used);
      put('mem.available_bytes', mem.availableBytes);
      put('mem.used_pct', clampPct((used / mem.totalBytes) * 100));
      put('swap.total_bytes', mem.swapTotalBytes);
      put('swap.used_bytes', mem.swapUsedBytes);
    }

    for (const fs of current.filesystems.slice(0, this.#maxFilesystems)) {
      const labels = { mount: fs.mount };
      // df's Use%: used over what users can have, root-reserved blocks excluded.
      const usable = fs.usedBytes + fs.availableBytes;
      if (usable > 0) put('fs.used_pct', clampPct((fs.usedBytes / usable) * 100), labels);
      put('fs.used_bytes', fs.usedBytes, labels);
      put('fs.size_bytes', fs.sizeBytes, labels);
    }

    if (previous && seconds > 0) {
      const before = new Map(previous.net.map((n) => [n.iface, n]));
      for (const now of current.net.filter((n) => !isLoopback(n.iface)).slice(0, this.#maxInterfaces)) {
        const then = before.get(now.iface);
        if (!then) continue;
        for (const [metric, counter] of NET_RATES) {
          const delta = now[counter] - then[counter];
          if (delta >= 0) put(metric, round(delta / seconds, 3), { iface: now.iface });
        }
      }
    }

    if (current.uptimeS !== undefined) put('uptime_s', Math.round(current.uptimeS));
    return out;
  }

  async #read(): Promise<RawCounters> {
    const counters = await this.#readCounters();
    this.#lastWarnings = counters.warnings;
    return counters;
  }
}
