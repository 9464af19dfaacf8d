// Rates from SNMP counters between two polls. Pure functions: the poller keeps the readings.
//
// Counters only mean something as differences, and only while nothing reset them. The rules:
// - a Counter32 lower than before while the device kept running wrapped once at 2^32;
// - a Counter64 lower than before was reset (it cannot wrap in a device's lifetime): no rate;
// - sysUpTime lower than before (and not its own 2^32 wrap), or grown much less than the time
//   between the polls, means the device or its agent restarted: no rate for any interface;
// - ifCounterDiscontinuityTime changed: the interface's counters were reset: no rate for it;
// - the counter width changed (HC counters appeared or vanished), or the ifIndex now names
//   another interface: no rate.
// A gap is better than a spike: a rate is given only when every rule holds.

const TWO_32 = 2n ** 32n;
const TIMETICKS_WRAP = 2 ** 32;

export interface CounterReading {
  value: bigint;
  bits: 32 | 64;
}

/** What the device said when the poll started, and when (agent clock, ms). */
export interface DeviceClock {
  atMs: number;
  /** sysUpTime in hundredths of a second. */
  sysUpTimeCs: number;
}

export interface InterfaceCounters {
  /** ifName/ifDescr: tells an ifIndex re-used by another interface. */
  identity: string;
  inOctets?: CounterReading;
  outOctets?: CounterReading;
  inErrors?: CounterReading;
  outErrors?: CounterReading;
  inDiscards?: CounterReading;
  outDiscards?: CounterReading;
  /** ifCounterDiscontinuityTime (sysUpTime hundredths), when the device has it. */
  discontinuityCs?: number;
}

export type NoRateReason = 'first-poll' | 'clock' | 'device-restarted' | 'counter-discontinuity' | 'interface-changed' | 'no-counters' | 'counter-reset';

export interface InterfaceRates {
  inBps: number | null;
  outBps: number | null;
  /** New errors and discards since the previous poll. */
  inErrors: number | null;
  outErrors: number | null;
  inDiscards: number | null;
  outDiscards: number | null;
  /** Why there are no rates, when there are none. */
  noRate?: NoRateReason;
}

/** How sysUpTime moved between two polls: the elapsed device time, or a restart. */
export function uptimeProgress(prev: DeviceClock, cur: DeviceClock): { restarted: true } | { restarted: false; elapsedCs: number } {
  const wallCs = (cur.atMs - prev.atMs) / 10;
  // Slack for the device's clock and for when each poll read sysUpTime.
  const slackCs = Math.max(1_000, wallCs * 0.1);
  let elapsedCs = cur.sysUpTimeCs - prev.sysUpTimeCs;
  if (elapsedCs < 0) {
    // TimeTicks is 32 bits: sysUpTime wraps after 497 days. A wrap lands where the wall clock says.
    const expected = (prev.sysUpTimeCs + wallCs) % TIMETICKS_WRAP;
    if (prev.sysUpTimeCs + wallCs < TIMETICKS_WRAP || Math.abs(cur.sysUpTimeCs - expected) > slackCs) return { restarted: true };
    elapsedCs += TIMETICKS_WRAP;
  }
  // A restart early in a long interval leaves sysUpTime higher than before, but far behind the clock.
  if (elapsedCs < wallCs - slackCs) return { restarted: true };
  return { restarted: false, elapsedCs };
}

/** The increase of a counter, or null when it cannot be known (reset, width changed). */
export function counterDelta(prev: CounterReading | undefined, cur: CounterReading | undefined): bigint | null {
  if (!prev || !cur || prev.bits !== cur.bits) return null;
  if (cur.value >= prev.value) return cur.value - prev.value;
  return cur.bits === 32 ? cur.value + TWO_32 - prev.value : null;
}

const NO_RATES = { inBps: null, outBps: null, inErrors: null, outErrors: null, inDiscards: null, outDiscards: null } as const;
const toNumber = (d: bigint | null): number | null => (d === null ? null : Number(d));
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * Rates of one interface between two polls. `device` is the result of uptimeProgress for the
 * same two polls (undefined on the first poll).
 */
export function interfaceRates(
  prev: InterfaceCounters | undefined,
  cur: InterfaceCounters,
  clocks: { prev: DeviceClock; cur: DeviceClock } | undefined,
): InterfaceRates {
  if (!prev || !clocks) return { ...NO_RATES, noRate: 'first-poll' };
  const seconds = (clocks.cur.atMs - clocks.prev.atMs) / 1000;
  if (!(seconds > 0)) return { ...NO_RATES, noRate: 'clock' };
  if (uptimeProgress(clocks.prev, clocks.cur).restarted) return { ...NO_RATES, noRate: 'device-restarted' };
  if (prev.identity !== cur.identity) return { ...NO_RATES, noRate: 'interface-changed' };
  if (prev.discontinuityCs !== cur.discontinuityCs) return { ...NO_RATES, noRate: 'counter-discontinuity' };
  if (!cur.inOctets && !cur.outOctets) return { ...NO_RATES, noRate: 'no-counters' };

  const inDelta = counterDelta(prev.inOctets, cur.inOctets);
  const outDelta = counterDelta(prev.outOctets, cur.outOctets);
  const rates: InterfaceRates = {
    inBps: inDelta === null ? null : round3((Number(inDelta) * 8) / seconds),
    outBps: outDelta === null ? null : round3((Number(outDelta) * 8) / seconds),
    inErrors: toNumber(counterDelta(prev.inErrors, cur.inErrors)),
    outErrors: toNumber(counterDelta(prev.outErrors, cur.outErrors)),
    inDiscards: toNumber(counterDelta(prev.inDiscards, cur.inDiscards)),
    outDiscards: toNumber(counterDelta(prev.outDiscards, cur.outDiscards)),
  };
  if (rates.inBps === null && rates.outBps === null) rates.noRate = 'counter-reset';
  return rates;
}
