import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('reconnect backoff', () => {
  it('grows exponentially up to the cap, with full jitter, and resets', () => {
    const top = new Backoff(1000, 60_000, () => 0.999999);
    const ceilings = Array.from({ length: 10 }, () => top.next());
    expect(ceilings.slice(0, 7)).toEqual([1249, 2249, 4249, 8249, 16249, 32249, 60249]);
    expect(Math.max(...ceilings)).toBe(60_249);
    top.reset();
    expect(top.next()).toBe(1249);
    const low = new Backoff(1000, 60_000, () => 0);
    expect(low.next()).toBe(250);
  });

  it('spreads agents out: delays at one attempt differ', () => {
    const delays = new Set(Array.from({ length: 50 }, () => new Backoff().next()));
    expect(delays.size).toBeGreaterThan(40);
  });

  it('waits minutes after a credential refusal', () => {
    expect(new Backoff(1000, 60_000, () => 0.5).longest()).toBe(330_000);
  });
});
