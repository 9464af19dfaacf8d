import { describe, expect, it } from 'vitest';
import { initialState, type RuleState, step, thresholdBreached } from './evaluate.js';

const MIN = 60_000;

function run(observations: [number, boolean][], forMs: number) {
  let s: RuleState = initialState();
  const out: string[] = [];
  for (const [t, v] of observations) {
    const r = step(s, v, t, forMs);
    s = r.state;
    if (r.transition) out.push(`${t / MIN}:${r.transition}`);
  }
  return { out, state: s };
}

describe('rule evaluation', () => {
  it('opens only when the condition held for the `for` duration', () => {
    expect(
      run(
        [
          [0, true],
          [2 * MIN, true],
          [4 * MIN, true],
          [5 * MIN, true],
        ],
        5 * MIN,
      ).out,
    ).toEqual(['5:open']);
    // Interrupted before 5 minutes: the clock restarts.
    expect(
      run(
        [
          [0, true],
          [3 * MIN, false],
          [4 * MIN, true],
          [8 * MIN, true],
          [9 * MIN, true],
        ],
        5 * MIN,
      ).out,
    ).toEqual(['9:open']);
  });

  it('closes when the condition stops, and opens again later', () => {
    expect(
      run(
        [
          [0, true],
          [1 * MIN, false],
          [60 * MIN, true],
        ],
        0,
      ).out,
    ).toEqual(['0:open', '1:close', '60:open']);
  });

  it('recovers only past the hysteresis threshold', () => {
    const p = { metric: 'fs.used_pct', op: '>' as const, value: 90, forSec: 0, recoverValue: 85 };
    expect(thresholdBreached(p, 91, false)).toBe(true);
    expect(thresholdBreached(p, 88, false)).toBe(false);
    expect(thresholdBreached(p, 88, true)).toBe(true); // still a problem at 88 % once firing
    expect(thresholdBreached(p, 84, true)).toBe(false);
  });

  it('turns a problem toggling 4 times in 30 minutes into one flapping problem, settled after a quiet window', () => {
    const obs: [number, boolean][] = [
      [0, true],
      [2 * MIN, false],
      [4 * MIN, true],
      [6 * MIN, false],
      [8 * MIN, true],
      [10 * MIN, false],
      [60 * MIN, false],
    ];
    const { out } = run(obs, 0);
    expect(out).toEqual(['0:open', '2:close', '4:open', '6:flapping', '8:open', '10:close', '60:settled']);
  });
});
