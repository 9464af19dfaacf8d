import { describe, expect, it } from 'vitest';
import { type CounterReading, counterDelta, type DeviceClock, type InterfaceCounters, interfaceRates, uptimeProgress } from './counters.js';

// A real snmpd cannot be made to wrap a counter or to reboot between two polls: the rules of
// counters.ts are checked here as a pure function, one row per case.

const c32 = (n: number | bigint): CounterReading => ({ value: BigInt(n), bits: 32 });
const c64 = (n: number | bigint): CounterReading => ({ value: BigInt(n), bits: 64 });
const MAX32 = 2n ** 32n;
const MAX64 = 2n ** 64n;

const T0 = 1_800_000_000_000;
/** Device at T0 with `upS` seconds of uptime, and `dt` seconds later with `up2S`. */
const clocks = (upS: number, dtS: number, up2S = upS + dtS): { prev: DeviceClock; cur: DeviceClock } => ({
  prev: { atMs: T0, sysUpTimeCs: Math.round(upS * 100) },
  cur: { atMs: T0 + dtS * 1000, sysUpTimeCs: Math.round(up2S * 100) },
});
const iface = (over: Partial<InterfaceCounters> = {}): InterfaceCounters => ({
  identity: 'Gi0/1',
  inOctets: c64(1_000_000),
  outOctets: c64(2_000_000),
  inErrors: c32(5),
  outErrors: c32(0),
  inDiscards: c32(0),
  outDiscards: c32(0),
  ...over,
});

describe('counterDelta', () => {
  it.each([
    ['Counter32 that grew', c32(100), c32(350), 250n],
    ['Counter32 that did not move', c32(7), c32(7), 0n],
    ['Counter32 lower than before: one wrap at 2^32', c32(MAX32 - 100n), c32(50), 150n],
    ['Counter32 wrapped from its last value to 0', c32(MAX32 - 1n), c32(0), 1n],
    ['Counter64 that grew past 2^32', c64(MAX32 - 10n), c64(MAX32 + 990n), 1000n],
    ['Counter64 that grew near 2^64', c64(MAX64 - 1000n), c64(MAX64 - 1n), 999n],
    ['Counter64 lower than before: reset, no delta', c64(5_000_000), c64(1_000), null],
    ['width changed (32 → 64): no delta', c32(10), c64(20), null],
    ['no previous reading', undefined, c64(20), null],
    ['no current reading', c64(20), undefined, null],
  ])('%s', (_case, prev, cur, expected) => {
    expect(counterDelta(prev, cur)).toBe(expected);
  });
});

describe('uptimeProgress: did the device keep running between two polls?', () => {
  it.each([
    ['uptime advanced with the clock', clocks(1000, 60), false],
    ['uptime advanced a little less than the clock (within the slack)', clocks(1000, 60, 1000 + 55), false],
    ['uptime went back: restart', clocks(86_400, 60, 30), true],
    ['uptime back to 0: restart', clocks(86_400, 60, 0), true],
    ['restart early in a long interval: uptime higher than before but far behind the clock', clocks(1000, 3600, 3590 - 600), true],
    ['sysUpTime (32-bit TimeTicks) wrapped after 497 days', clocks((2 ** 32 - 3000) / 100, 60, (2 ** 32 - 3000 + 6000) / 100 - 2 ** 32 / 100), false],
    ['uptime near the TimeTicks wrap went back, but not where a wrap would land: restart', clocks((2 ** 32 - 3000) / 100, 60, 5), true],
  ])('%s', (_case, c, restarted) => {
    expect(uptimeProgress(c.prev, c.cur).restarted).toBe(restarted);
  });

  it('gives the device time elapsed across a TimeTicks wrap', () => {
    const c = clocks((2 ** 32 - 3000) / 100, 60, 30);
    expect(uptimeProgress(c.prev, c.cur)).toEqual({ restarted: false, elapsedCs: 6000 });
  });
});

describe('interfaceRates', () => {
  const prev = iface();
  it.each([
    ['first poll: no previous reading, no rate', undefined, iface(), clocks(1000, 60), { noRate: 'first-poll', inBps: null }],
    ['clock did not advance', prev, iface(), clocks(1000, 0), { noRate: 'clock', inBps: null }],
    [
      'normal 64-bit interval: bytes × 8 / seconds, errors as a delta',
      prev,
      iface({ inOctets: c64(1_000_000 + 7_500_000), outOctets: c64(2_000_000 + 750_000), inErrors: c32(8) }),
      clocks(1000, 60),
      { inBps: 1_000_000, outBps: 100_000, inErrors: 3, outErrors: 0, noRate: undefined },
    ],
    [
      '32-bit counter wrapped once while the device kept running',
      iface({ inOctets: c32(MAX32 - 1_000n), outOctets: c32(0) }),
      iface({ inOctets: c32(6_499_000), outOctets: c32(0) }),
      clocks(1000, 52),
      { inBps: 1_000_000, outBps: 0, noRate: undefined },
    ],
    [
      '64-bit counter went down: reset, no rate (never a spike)',
      prev,
      iface({ inOctets: c64(10), outOctets: c64(20) }),
      clocks(1000, 60),
      { inBps: null, outBps: null, noRate: 'counter-reset' },
    ],
    [
      'one 64-bit direction reset, the other fine',
      prev,
      iface({ inOctets: c64(10), outOctets: c64(2_000_000 + 750_000) }),
      clocks(1000, 60),
      { inBps: null, outBps: 100_000, noRate: undefined },
    ],
    [
      'device rebooted (sysUpTime went back): no rate even where a 32-bit counter looks wrapped',
      iface({ inOctets: c32(4_000_000_000), outOctets: c32(3_000_000_000) }),
      iface({ inOctets: c32(12_000), outOctets: c32(9_000) }),
      clocks(86_400, 60, 45),
      { inBps: null, outBps: null, inErrors: null, noRate: 'device-restarted' },
    ],
    [
      'device rebooted early in a long interval: counters higher than before, still no rate',
      prev,
      iface({ inOctets: c64(900_000_000), outOctets: c64(900_000_000) }),
      clocks(100, 3600, 600),
      { inBps: null, noRate: 'device-restarted' },
    ],
    [
      'ifCounterDiscontinuityTime changed: counters reset on this interface',
      iface({ discontinuityCs: 0 }),
      iface({ discontinuityCs: 99_000, inOctets: c64(5_000_000) }),
      clocks(1000, 60),
      { inBps: null, noRate: 'counter-discontinuity' },
    ],
    [
      'ifIndex now names another interface',
      prev,
      iface({ identity: 'Gi0/2', inOctets: c64(9_000_000) }),
      clocks(1000, 60),
      { inBps: null, noRate: 'interface-changed' },
    ],
    [
      'HC counters appeared (width changed): no rate this time',
      iface({ inOctets: c32(1_000), outOctets: c32(1_000) }),
      iface({ inOctets: c64(90_000), outOctets: c64(90_000) }),
      clocks(1000, 60),
      { inBps: null, outBps: null, noRate: 'counter-reset' },
    ],
    [
      'interface without octet counters',
      iface({ inOctets: undefined, outOctets: undefined }),
      iface({ inOctets: undefined, outOctets: undefined }),
      clocks(1000, 60),
      { inBps: null, noRate: 'no-counters' },
    ],
    ['32-bit error counter wrapped', iface({ inErrors: c32(MAX32 - 2n) }), iface({ inErrors: c32(3) }), clocks(1000, 60), { inErrors: 5, noRate: undefined }],
  ])('%s', (_case, before, after, c, expected) => {
    const rates = interfaceRates(before, after, c);
    expect({ ...rates, noRate: rates.noRate }).toMatchObject(expected);
  });
});
