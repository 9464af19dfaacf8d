import os from 'node:os';
import si from 'systeminformation';
import { type CpuTimes, type FilesystemUsage, isCountedFilesystem, type MemoryUsage, type NetCounters } from './counters.js';

/** Sources that work on every platform (os module, systeminformation); Linux replaces some of them. */

export function readCpuTimes(): CpuTimes | undefined {
  const cpus = os.cpus();
  if (cpus.length === 0) return undefined;
  let idleMs = 0;
  let totalMs = 0;
  for (const { times } of cpus) {
    idleMs += times.idle;
    totalMs += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idleMs, totalMs };
}

export function readLoad(): readonly [number, number, number] {
  const [l1 = 0, l5 = 0, l15 = 0] = os.loadavg();
  return [l1, l5, l15];
}

export async function readMemory(): Promise<MemoryUsage> {
  const m = await si.mem();
  return { totalBytes: m.total, availableBytes: m.available, swapTotalBytes: m.swaptotal, swapUsedBytes: m.swapused };
}

export async function readSiFilesystems(): Promise<FilesystemUsage[]> {
  const seen = new Set<string>();
  const out: FilesystemUsage[] = [];
  for (const f of await si.fsSize()) {
    if (!isCountedFilesystem(f.type) || seen.has(f.mount) || !(f.size > 0)) continue;
    seen.add(f.mount);
    out.push({ mount: f.mount, sizeBytes: f.size, usedBytes: f.used, availableBytes: f.available });
  }
  return out;
}

/** systeminformation's raw counters only: its own rx_sec needs two calls and shared state. */
export async function readSiNetCounters(): Promise<NetCounters[]> {
  const stats = await si.networkStats('*');
  return stats.map((s) => ({
    iface: s.iface,
    rxBytes: s.rx_bytes,
    txBytes: s.tx_bytes,
    rxErrors: s.rx_errors,
    txErrors: s.tx_errors,
    rxDropped: s.rx_dropped,
    txDropped: s.tx_dropped,
  }));
}
