import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';
import { CollectorRotation } from './collector-rotation.js';

/** A random source replaying given values (the jitter's draws), so delays are exact. */
const draws = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

/** A clock the test moves by hand: how long a connection stayed up, without waiting. */
const handClock = () => {
  const c = { t: 1_000_000, now: () => c.t };
  return c;
};

describe('fail-over between collectors', () => {
  it('retries the same collector once after losing an accepted connection, then moves on and cycles', () => {
    const clock = handClock();
    const r = new CollectorRotation(['http://a', 'http://b', 'http://c'], new Backoff(1000, 60_000, draws(0.5)), 10_000, 30_000, clock.now);
    expect(r.current).toBe('http://a');
    r.accepted();
    clock.t += 30_000;
    expect(r.afterClose({ wasAccepted: true })).toEqual({ url: 'http://a', switched: false, delayMs: 750 });
    expect(r.afterClose({ wasAccepted: false })).toMatchObject({ url: 'http://b', switched: true });
    expect(r.afterClose({ wasAccepted: false })).toMatchObject({ url: 'http://c', switched: true });
    expect(r.afterClose({ wasAccepted: false })).toMatchObject({ url: 'http://a', switched: true });
    expect(r.failovers).toBe(3);
  });

  it('stays on the collector it is connected to: the primary coming back does not pull it back', () => {
    const clock = handClock();
    const r = new CollectorRotation(['http://a', 'http://b'], new Backoff(1000, 60_000, draws(0.5)), 10_000, 30_000, clock.now);
    r.afterClose({ wasAccepted: false }); // a unreachable
    r.accepted(); // connected to b
    clock.t += 60_000;
    expect(r.current).toBe('http://b');
    // b restarts: the agent waits for b, it is not moved back to a.
    expect(r.afterClose({ wasAccepted: true })).toMatchObject({ url: 'http://b', switched: false });
  });

  it('spreads a fail-over over the whole spread window, whatever the backoff step (full jitter)', () => {
    const delays = [0, 0.25, 0.5, 0.999].map(
      (x) => new CollectorRotation(['http://a', 'http://b'], new Backoff(1000, 60_000, () => x), 10_000).afterClose({ wasAccepted: false }).delayMs,
    );
    // floor 250 ms + x × 10 s: agents failing over at the same moment arrive over ten seconds, not at once.
    expect(delays).toEqual([250, 2750, 5250, 10_240]);
  });

  it('different random draws give different fail-over delays (10,000 agents do not move in the same second)', () => {
    const seeds = Array.from({ length: 100 }, (_, i) => (i + 0.5) / 100);
    const delays = seeds.map(
      (x) => new CollectorRotation(['http://a', 'http://b'], new Backoff(1000, 60_000, () => x)).afterClose({ wasAccepted: false }).delayMs,
    );
    const perSecond = new Map<number, number>();
    for (const d of delays) perSecond.set(Math.floor(d / 1000), (perSecond.get(Math.floor(d / 1000)) ?? 0) + 1);
    expect(new Set(delays).size).toBe(100);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(11);
  });

  it('keeps growing the backoff while no collector answers, and starts afresh once one accepts', () => {
    const top = new Backoff(1000, 60_000, () => 0.999999);
    const clock = handClock();
    const r = new CollectorRotation(['http://a', 'http://b'], top, 0, 30_000, clock.now);
    const outage = Array.from({ length: 5 }, () => r.afterClose({ wasAccepted: false }).delayMs);
    expect(outage).toEqual([1249, 2249, 4249, 8249, 16249]);
    r.accepted();
    clock.t += 30_000;
    expect(r.afterClose({ wasAccepted: true }).delayMs).toBe(1249);
  });

  it('after a credential refusal waits minutes, then tries the next collector', () => {
    const r = new CollectorRotation(['http://a', 'http://b'], new Backoff(1000, 60_000, () => 0.5));
    expect(r.afterClose({ wasAccepted: false, credentialRefused: true })).toEqual({ url: 'http://b', switched: true, delayMs: 330_000 });
  });

  it('with one collector, behaves as before: same URL, exponential backoff', () => {
    const r = new CollectorRotation(['http://a'], new Backoff(1000, 60_000, () => 0.999999));
    expect([r.afterClose({ wasAccepted: false }), r.afterClose({ wasAccepted: false })]).toEqual([
      { url: 'http://a', switched: false, delayMs: 1249 },
      { url: 'http://a', switched: false, delayMs: 2249 },
    ]);
  });

  it('a collector that accepts then drops the agent at once does not keep it: backoff grows, the next collector is tried', () => {
    const clock = handClock();
    const r = new CollectorRotation(['http://a', 'http://b'], new Backoff(1000, 60_000, () => 0.999999), 0, 30_000, clock.now);
    const attempts = Array.from({ length: 4 }, () => {
      r.accepted();
      clock.t += 29_999; // up, but not long enough to count
      return r.afterClose({ wasAccepted: true });
    });
    expect(attempts.map((a) => a.url)).toEqual(['http://b', 'http://a', 'http://b', 'http://a']);
    expect(attempts.map((a) => a.delayMs)).toEqual([1249, 2249, 4249, 8249]);
    // Once a connection stays up, the next loss starts afresh at the same collector.
    r.accepted();
    clock.t += 30_000;
    expect(r.afterClose({ wasAccepted: true })).toEqual({ url: 'http://a', switched: false, delayMs: 1249 });
  });

  it('with one collector, a connection dropped at once still grows the backoff', () => {
    const clock = handClock();
    const r = new CollectorRotation(['http://a'], new Backoff(1000, 60_000, () => 0.999999), 10_000, 30_000, clock.now);
    const delays = Array.from({ length: 3 }, () => {
      r.accepted();
      clock.t += 5_000;
      return r.afterClose({ wasAccepted: true }).delayMs;
    });
    expect(delays).toEqual([1249, 2249, 4249]);
  });
});
