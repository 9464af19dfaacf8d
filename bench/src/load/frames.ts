import { formatSeriesKey, type Inventory } from '@vigie/shared';
import { sampleInventory } from '@vigie/shared/fixtures';

/**
 * Series keys like a real agent's: host gauges, then filesystems and interfaces until `count`.
 * (For the ceiling benchmark, large frames simply add more mounts and interfaces.)
 */
export function seriesKeys(count: number): string[] {
  const base = [
    'cpu.usage_pct',
    'cpu.load1',
    'cpu.load5',
    'cpu.load15',
    'mem.total_bytes',
    'mem.used_bytes',
    'mem.available_bytes',
    'mem.used_pct',
    'swap.total_bytes',
    'swap.used_bytes',
    'uptime_s',
  ];
  const keys = base.slice(0, count);
  for (let i = 0; keys.length < count; i++) {
    const mount = i === 0 ? '/' : `/srv/data${i}`;
    const iface = `eth${i}`;
    for (const k of [
      formatSeriesKey('fs.used_pct', { mount }),
      formatSeriesKey('fs.used_bytes', { mount }),
      formatSeriesKey('fs.size_bytes', { mount }),
      formatSeriesKey('net.rx_bps', { iface }),
      formatSeriesKey('net.tx_bps', { iface }),
      formatSeriesKey('net.rx_errors', { iface }),
      formatSeriesKey('net.tx_errors', { iface }),
    ]) {
      if (keys.length < count) keys.push(k);
    }
  }
  return keys;
}

/**
 * Builds metrics frames as text. The constant part of the JSON is prepared once; each frame only
 * adds fresh numbers, so the generator spends its CPU on sending, not on JSON.stringify.
 */
export class MetricsFrameBuilder {
  private readonly quotedKeys: string[];

  constructor(keys: string[]) {
    this.quotedKeys = keys.map((k) => `${JSON.stringify(k)}:`);
  }

  build(seq: number, ts: number): string {
    let values = '';
    for (let i = 0; i < this.quotedKeys.length; i++) {
      if (i > 0) values += ',';
      values += this.quotedKeys[i]! + ((Math.random() * 1000) | 0) / 10;
    }
    return `{"v":1,"type":"metrics","seq":${seq},"ts":${ts},"body":{"samples":[{"ts":${ts},"values":{${values}}}]}}`;
  }

  get size(): number {
    return this.quotedKeys.length;
  }
}

/** A realistic full inventory (hardware of the shared fixture, `software` packages). */
export function inventoryBody(hostname: string, software: number): Inventory {
  return {
    ...sampleInventory,
    collectedAt: Date.now(),
    os: { ...sampleInventory.os, hostname },
    system: { ...sampleInventory.system, serial: `SIM-${hostname}` },
    software: Array.from({ length: software }, (_, i) => ({
      name: `package-${i}`,
      version: `${1 + (i % 7)}.${i % 13}.${i % 5}-1+deb12u${i % 3}`,
      publisher: 'Debian Maintainers <maintainers@example.org>',
      source: 'dpkg' as const,
      arch: 'amd64',
    })),
  };
}
