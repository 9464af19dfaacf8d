import { readFileSync } from 'node:fs';
import { isSeriesKey } from '@vigie/shared';
import { describe, expect, it } from 'vitest';
import type { NetCounters, RawCounters } from './counters.js';
import { DEFAULT_MAX_INTERFACES, MetricsSampler } from './index.js';

const eth0 = (over: Partial<NetCounters> = {}): NetCounters => ({
  iface: 'eth0',
  rxBytes: 0,
  txBytes: 0,
  rxErrors: 0,
  txErrors: 0,
  rxDropped: 0,
  txDropped: 0,
  ...over,
});

function reading(atMs: number, over: Partial<RawCounters> = {}): RawCounters {
  return {
    atMs,
    cpu: { idleMs: 0, totalMs: 0 },
    load: [0.5, 0.25, 0.125],
    memory: { totalBytes: 1000, availableBytes: 250, swapTotalBytes: 100, swapUsedBytes: 10 },
    filesystems: [{ mount: '/', sizeBytes: 1000, usedBytes: 600, availableBytes: 200 }],
    net: [eth0()],
    uptimeS: 12.6,
    warnings: [],
    ...over,
  };
}

/** A sampler fed with the given readings, in order. */
function fed(...readings: RawCounters[]): MetricsSampler {
  let i = 0;
  return new MetricsSampler({
    readCounters: async () => {
      const r = readings[i++];
      if (!r) throw new Error('no more readings');
      return r;
    },
  });
}

describe('MetricsSampler with injected readings', () => {
  it('computes CPU usage and per-second network rates from two readings', async () => {
    const sampler = fed(
      reading(1_000, { cpu: { idleMs: 1_000, totalMs: 2_000 }, net: [eth0({ rxBytes: 1_000, txBytes: 500, rxErrors: 1, rxDropped: 2 })] }),
      reading(11_000, { cpu: { idleMs: 1_750, totalMs: 3_000 }, net: [eth0({ rxBytes: 11_000, txBytes: 1_500, rxErrors: 11, rxDropped: 2, txDropped: 5 })] }),
    );
    await sampler.prime();
    const m = await sampler.sample();
    expect(m['cpu.usage_pct']).toBe(25); // 750 idle of 1000 ms
    expect(m['net.rx_bps{iface=eth0}']).toBe(1_000); // 10,000 bytes in 10 s
    expect(m['net.tx_bps{iface=eth0}']).toBe(100);
    expect(m['net.rx_errors{iface=eth0}']).toBe(1);
    expect(m['net.rx_dropped{iface=eth0}']).toBe(0);
    expect(m['net.tx_dropped{iface=eth0}']).toBe(0.5);
  });

  it('reports gauges: memory used = total − available, df-style filesystem use, load, uptime', async () => {
    const m = await fed(reading(0)).sample();
    expect(m).toEqual({
      'cpu.load1': 0.5,
      'cpu.load5': 0.25,
      'cpu.load15': 0.13,
      'mem.total_bytes': 1000,
      'mem.used_bytes': 750,
      'mem.available_bytes': 250,
      'mem.used_pct': 75,
      'swap.total_bytes': 100,
      'swap.used_bytes': 10,
      'fs.used_pct{mount=/}': 75, // 600 / (600 + 200): reserved blocks are not usable
      'fs.used_bytes{mount=/}': 600,
      'fs.size_bytes{mount=/}': 1000,
      uptime_s: 13,
    });
  });

  it('gives no rates on the first sample without prime()', async () => {
    const m = await fed(reading(0)).sample();
    expect(Object.keys(m).filter((k) => k.startsWith('net.') || k === 'cpu.usage_pct')).toEqual([]);
  });

  it('skips a rate whose counter went backwards (reset), and keeps the others', async () => {
    const sampler = fed(
      reading(0, { net: [eth0({ rxBytes: 5_000_000, txBytes: 100 })] }),
      reading(10_000, { net: [eth0({ rxBytes: 2_000, txBytes: 1_100 })] }),
      reading(20_000, { net: [eth0({ rxBytes: 12_000, txBytes: 2_100 })] }),
    );
    await sampler.prime();
    const afterReset = await sampler.sample();
    expect(afterReset).not.toHaveProperty('net.rx_bps{iface=eth0}');
    expect(afterReset['net.tx_bps{iface=eth0}']).toBe(100);
    const next = await sampler.sample();
    expect(next['net.rx_bps{iface=eth0}']).toBe(1_000);
  });

  it('gives no rate for an interface that just appeared, nor for the loopback', async () => {
    const lo = { ...eth0(), iface: 'lo' };
    const sampler = fed(reading(0, { net: [lo] }), reading(1_000, { net: [{ ...lo, rxBytes: 10 }, eth0({ rxBytes: 10 })] }));
    await sampler.prime();
    const m = await sampler.sample();
    expect(Object.keys(m).filter((k) => k.startsWith('net.'))).toEqual([]);
  });

  it('gives no CPU or rates when the clock did not move, and never NaN', async () => {
    const sampler = fed(reading(5), reading(5, { memory: { totalBytes: 0, availableBytes: 0, swapTotalBytes: 0, swapUsedBytes: 0 } }));
    await sampler.prime();
    const m = await sampler.sample();
    expect(m).not.toHaveProperty('cpu.usage_pct');
    expect(m).not.toHaveProperty('mem.used_pct');
    expect(Object.values(m).every(Number.isFinite)).toBe(true);
  });

  it('caps filesystems and interfaces, and escapes label values into valid series keys', async () => {
    const filesystems = Array.from({ length: 5 }, (_, i) => ({ mount: `/data/{odd},=${i}`, sizeBytes: 10, usedBytes: 1, availableBytes: 9 }));
    const net = Array.from({ length: 5 }, (_, i) => eth0({ iface: `vEthernet (Switch ${i})` }));
    const readings = [reading(0, { filesystems, net }), reading(1_000, { filesystems, net })];
    let i = 0;
    const sampler = new MetricsSampler({ maxFilesystems: 2, maxInterfaces: 3, readCounters: async () => readings[i++]! });
    await sampler.prime();
    const m = await sampler.sample();
    expect(Object.keys(m).filter((k) => k.startsWith('fs.size_bytes'))).toEqual(['fs.size_bytes{mount=/data/_odd___0}', 'fs.size_bytes{mount=/data/_odd___1}']);
    expect(Object.keys(m).filter((k) => k.startsWith('net.rx_bps'))).toHaveLength(3);
    expect(Object.keys(m).every(isSeriesKey)).toBe(true);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new MetricsSampler({ maxFilesystems: 0 })).toThrow(RangeError);
    expect(() => new MetricsSampler({ maxInterfaces: 1.5 })).toThrow(RangeError);
  });
});

/** The interface names the kernel lists in /proc/net/dev (read here on its own, not by the code under test). */
function procNetDevInterfaces(): Set<string> {
  if (process.platform !== 'linux') return new Set();
  return new Set(
    readFileSync('/proc/net/dev', 'utf8')
      .split('\n')
      .slice(2)
      .map((l) => l.split(':')[0]!.trim())
      .filter(Boolean),
  );
}

describe('MetricsSampler on this machine', () => {
  it('produces the expected keys on two samples in a row, in range, for the interfaces this machine has', async () => {
    const ifacesBefore = procNetDevInterfaces();
    const sampler = new MetricsSampler();
    await sampler.prime();
    let m: Record<string, number> = {};
    for (let i = 0; i < 2; i++) {
      // CPU times tick every 10 ms (USER_HZ): back-to-back samples would see no CPU time pass.
      await new Promise((resolve) => setTimeout(resolve, 100));
      m = await sampler.sample();
    }
    const ifacesAfter = procNetDevInterfaces();

    for (const key of [
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
    ]) {
      expect(m, key).toHaveProperty([key]);
    }
    expect(Object.keys(m).some((k) => k.startsWith('fs.used_pct{mount='))).toBe(true);
    if (process.platform === 'linux') {
      expect(m).toHaveProperty(['fs.used_pct{mount=/}']);
      // Every interface the kernel lists, whatever its name (eth0, ens3, enp0s31f6…), but lo; of
      // those there before and after: other tests may add and remove interfaces meanwhile.
      const stable = [...ifacesBefore].filter((i) => i !== 'lo' && ifacesAfter.has(i));
      const rates = Object.keys(m).filter((k) => k.startsWith('net.rx_bps{'));
      if (stable.length <= DEFAULT_MAX_INTERFACES) for (const iface of stable) expect(rates).toContain(`net.rx_bps{iface=${iface}}`);
      else expect(rates).toHaveLength(DEFAULT_MAX_INTERFACES);
      expect(Object.keys(m).some((k) => k.includes('iface=lo}'))).toBe(false);
    }
    for (const [key, value] of Object.entries(m)) {
      expect(isSeriesKey(key), key).toBe(true);
      expect(Number.isFinite(value), key).toBe(true);
      expect(value, key).toBeGreaterThanOrEqual(0);
      if (key.includes('_pct')) expect(value, key).toBeLessThanOrEqual(100);
    }
    expect(sampler.lastWarnings).toEqual([]);
    // How long a sample takes is measured by `npm run bench -- agent-timings`, not asserted here.
  });
});
