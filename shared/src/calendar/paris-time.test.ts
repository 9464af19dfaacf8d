import { describe, expect, it } from 'vitest';
import { fromParis, parisDate, parisMidnight, toParis } from './paris-time.js';

const iso = (utcMs: number) => new Date(utcMs).toISOString();

describe('2.6.3 — heure de Paris (Europe/Paris), changements d’heure', () => {
  it.each([
    ['2026-01-15T11:00:00.000Z', '2026-01-15', 12, 0, 0, 'winter, UTC+1'],
    ['2026-07-15T10:00:00.000Z', '2026-07-15', 12, 0, 0, 'summer, UTC+2'],
    ['2026-03-29T00:59:59.000Z', '2026-03-29', 1, 59, 59, 'last second before spring-forward'],
    ['2026-03-29T01:00:00.000Z', '2026-03-29', 3, 0, 0, 'spring-forward: 02:00 never shows'],
    ['2026-10-25T00:30:00.000Z', '2026-10-25', 2, 30, 0, 'doubled hour, first pass (CEST)'],
    ['2026-10-25T01:30:00.000Z', '2026-10-25', 2, 30, 0, 'doubled hour, second pass (CET)'],
    ['2026-12-31T23:30:00.000Z', '2027-01-01', 0, 30, 0, 'date changes before UTC does'],
  ])('toParis(%s) = %s %i:%i:%i (%s)', (utc, date, hour, minute, second) => {
    expect(toParis(Date.parse(utc))).toEqual({ date, hour, minute, second });
  });

  it.each([
    ['2026-01-15', 12, 0, 0, '2026-01-15T11:00:00.000Z', 'winter'],
    ['2026-07-15', 12, 0, 0, '2026-07-15T10:00:00.000Z', 'summer'],
    ['2026-03-29', 1, 59, 59, '2026-03-29T00:59:59.000Z', 'just before the gap'],
    ['2026-03-29', 2, 30, 0, '2026-03-29T01:30:00.000Z', 'inside the gap: moved forward to 03:30 CEST'],
    ['2026-03-29', 3, 0, 0, '2026-03-29T01:00:00.000Z', 'end of the gap'],
    ['2026-10-25', 1, 59, 59, '2026-10-24T23:59:59.000Z', 'before the doubled hour'],
    ['2026-10-25', 2, 30, 0, '2026-10-25T00:30:00.000Z', 'doubled hour: the earlier (summer-time) instant'],
    ['2026-10-25', 3, 0, 0, '2026-10-25T02:00:00.000Z', 'after the doubled hour'],
  ])('fromParis(%s %i:%i:%i) = %s (%s)', (date, h, m, s, expected) => {
    expect(iso(fromParis(date, h, m, s))).toBe(expected);
  });

  it('round-trips every quarter of an hour around both 2026 changes, except the second pass of the doubled hour', () => {
    const secondPass = (t: number) => t >= Date.parse('2026-10-25T01:00:00Z') && t < Date.parse('2026-10-25T02:00:00Z');
    for (const from of ['2026-03-28T00:00:00Z', '2026-10-24T00:00:00Z']) {
      for (let t = Date.parse(from); t < Date.parse(from) + 3 * 86_400_000; t += 15 * 60_000) {
        const p = toParis(t);
        const back = fromParis(p.date, p.hour, p.minute, p.second);
        expect(iso(back)).toBe(iso(secondPass(t) ? t - 3_600_000 : t));
      }
    }
  });

  it.each([
    ['2026-05-13', 24, 0, 0],
    ['2026-05-13', 9, 60, 0],
    ['2026-05-13', 9, 0, 1.5],
    ['2026-02-29', 9, 0, 0],
  ])('fromParis refuses %s %s:%s:%s', (date, h, m, s) => {
    expect(() => fromParis(date, h, m, s)).toThrow();
  });

  it('toParis refuses a non-finite instant', () => {
    expect(() => toParis(Number.NaN)).toThrow(/Instant/);
  });
});

describe('the Paris date and midnight of an instant (what invoices, tickets and reports date things with)', () => {
  it.each([
    ['2026-03-29T00:59:59Z', '2026-03-29', 'last winter second of 29 March 2026 (01:59:59 CET)'],
    ['2026-03-29T01:00:00Z', '2026-03-29', 'first summer second (03:00 CEST)'],
    ['2026-03-28T22:59:59Z', '2026-03-28', 'last second of the 28th (23:59:59 CET)'],
    ['2026-03-28T23:00:00Z', '2026-03-29', 'midnight before the change is still UTC+1'],
    ['2026-10-24T21:59:59Z', '2026-10-24', '23:59:59 CEST'],
    ['2026-10-24T22:00:00Z', '2026-10-25', 'midnight before the change back is still UTC+2'],
    ['2026-10-25T02:30:00Z', '2026-10-25', '03:30 CET, after the doubled hour'],
    ['2026-10-25T22:59:59Z', '2026-10-25', '23:59:59 CET'],
    ['2026-10-25T23:00:00Z', '2026-10-26', 'midnight after the change is UTC+1'],
    ['2024-02-29T23:00:00Z', '2024-03-01', 'a leap day ends at 23:00 UTC'],
  ])('parisDate(%s) = %s (%s)', (utc, date) => {
    expect(parisDate(Date.parse(utc))).toBe(date);
  });

  it.each([
    ['2026-01-15', '2026-01-14T23:00:00.000Z', 'winter, UTC+1'],
    ['2026-03-29', '2026-03-28T23:00:00.000Z', 'the day the clocks go forward starts in winter time'],
    ['2026-03-30', '2026-03-29T22:00:00.000Z', 'the day after, in summer time'],
    ['2026-10-25', '2026-10-24T22:00:00.000Z', 'the day the clocks go back starts in summer time'],
    ['2026-10-26', '2026-10-25T23:00:00.000Z', 'the day after, in winter time'],
    ['2028-02-29', '2028-02-28T23:00:00.000Z', 'a leap day'],
  ])('parisMidnight(%s) = %s (%s)', (date, expected) => {
    expect(iso(parisMidnight(date))).toBe(expected);
    expect(parisDate(parisMidnight(date))).toBe(date);
    expect(parisDate(parisMidnight(date) - 1)).not.toBe(date);
  });

  it('refuses an impossible date', () => {
    expect(() => parisMidnight('2026-02-29')).toThrow(expect.objectContaining({ code: 'VIGIE_E_VALIDATION' }));
  });
});
