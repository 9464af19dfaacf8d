import { describe, expect, it } from 'vitest';
import { assertLocalDate, frenchDate, isLocalDate } from './local-date.js';

describe('a local date is a real YYYY-MM-DD day', () => {
  it.each(['2026-03-29', '2024-02-29', '2000-02-29', '2026-12-31'])('%s is one', (date) => {
    expect(isLocalDate(date)).toBe(true);
    expect(() => assertLocalDate(date)).not.toThrow();
  });

  it.each(['', '2026-02-29', '2100-02-29', '2026-04-31', '2026-13-01', '2026-3-29', '29/03/2026', '2026-03-29T00:00', undefined, 20260329])(
    '%j is not (an empty or half-typed form field, an impossible day)',
    (date) => {
      expect(isLocalDate(date)).toBe(false);
      expect(() => assertLocalDate(date as string)).toThrow();
    },
  );
});

describe('a local date in French', () => {
  it('is written JJ/MM/AAAA, and a malformed date is refused rather than sliced', () => {
    expect(frenchDate('2026-12-05')).toBe('05/12/2026');
    expect(frenchDate('2028-02-29')).toBe('29/02/2028');
    expect(() => frenchDate('2026-02-30')).toThrow(/Date inexistante/);
    expect(() => frenchDate('5/12/2026')).toThrow(/AAAA-MM-JJ/);
  });
});
