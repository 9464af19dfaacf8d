import { describe, expect, it } from 'vitest';
import { assertLocalDate, isLocalDate } from './local-date.js';

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
