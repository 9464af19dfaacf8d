import { describe, expect, it } from 'vitest';

describe('a custom period of whole Paris days', () => {
  it('runs from Paris midnight to the Paris midnight after the last day, across clock changes', async () => {
    // period.tsx reaches i18n.ts, which reads localStorage and document: give it a minimal browser.
    (globalThis as any).localStorage = { getItem: () => null, setItem: () => {} };
    (globalThis as any).document = { documentElement: {} };
    const { customPeriod } = await import('./period.js');
    // 29 March 2026 has 23 hours, 25 October 2026 has 25.
    expect(customPeriod('2026-03-29', '2026-03-29')).toMatchObject({ from: Date.UTC(2026, 2, 28, 23), to: Date.UTC(2026, 2, 29, 22), spanMs: 23 * 3600_000 });
    expect(customPeriod('2026-10-25', '2026-10-25')).toMatchObject({ from: Date.UTC(2026, 9, 24, 22), to: Date.UTC(2026, 9, 25, 23), spanMs: 25 * 3600_000 });
    expect(customPeriod('2026-03-01', '2026-03-31')).toMatchObject({ from: Date.UTC(2026, 1, 28, 23), to: Date.UTC(2026, 2, 31, 22) });
    expect(customPeriod('2026-03-02', '2026-03-01')).toBeUndefined();
  });

  it('is no period while a date field is empty or half typed (it used to throw on an empty end date)', async () => {
    const { customPeriod } = await import('./period.js');
    for (const [from, to] of [
      ['', '2026-03-01'],
      ['2026-03-01', ''],
      ['2026-02-30', '2026-03-01'],
    ] as const)
      expect(customPeriod(from, to), `${from} → ${to}`).toBeUndefined();
  });
});
