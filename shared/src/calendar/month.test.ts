import { describe, expect, it } from 'vitest';
import { addMonths, assertLocalMonth, daysInMonth, monthBounds, monthOf, monthPeriod, monthsEndingWith, shiftMonth } from './month.js';

const H = 3_600_000;
const DAY = 24 * H;
const utc = (iso: string) => Date.parse(iso);
const validation = expect.objectContaining({ code: 'VIGIE_E_VALIDATION' });

describe('a month is taken in Europe/Paris, from local midnight to local midnight', () => {
  it.each([
    // month, first instant (UTC), first instant of the next month (UTC), length
    { month: '2026-01', from: '2025-12-31T23:00:00Z', to: '2026-01-31T23:00:00Z', length: 31 * DAY, why: 'winter time (UTC+1) throughout' },
    { month: '2026-02', from: '2026-01-31T23:00:00Z', to: '2026-02-28T23:00:00Z', length: 28 * DAY, why: 'not a leap year' },
    { month: '2024-02', from: '2024-01-31T23:00:00Z', to: '2024-02-29T23:00:00Z', length: 29 * DAY, why: 'leap year' },
    { month: '2026-03', from: '2026-02-28T23:00:00Z', to: '2026-03-31T22:00:00Z', length: 30 * DAY + 23 * H, why: 'clocks go forward on 29 March' },
    { month: '2026-07', from: '2026-06-30T22:00:00Z', to: '2026-07-31T22:00:00Z', length: 31 * DAY, why: 'summer time (UTC+2) throughout' },
    { month: '2026-10', from: '2026-09-30T22:00:00Z', to: '2026-10-31T23:00:00Z', length: 31 * DAY + H, why: 'clocks go back on 25 October' },
    { month: '2026-12', from: '2026-11-30T23:00:00Z', to: '2026-12-31T23:00:00Z', length: 31 * DAY, why: 'the next month is in the next year' },
    { month: '2027-03', from: '2027-02-28T23:00:00Z', to: '2027-03-31T22:00:00Z', length: 30 * DAY + 23 * H, why: 'clocks go forward on 28 March 2027' },
    {
      month: '2027-10',
      from: '2027-09-30T22:00:00Z',
      to: '2027-10-31T23:00:00Z',
      length: 31 * DAY + H,
      why: 'clocks go back on 31 October 2027, the last day',
    },
  ])('$month: $why', ({ month, from, to, length }) => {
    const p = monthPeriod(month);
    expect(p).toEqual({ month, from: utc(from), to: utc(to) });
    expect(p.to - p.from).toBe(length);
  });

  it.each(['2026-13', '2026-00', '2026-1', '26-01', '2026-01-01', '1969-12', ''])('refuses %j as a month', (month) => {
    expect(() => monthPeriod(month)).toThrow(validation);
  });
});

describe('first and last days of a month', () => {
  it.each([
    ['2026-01', '2026-01-01', '2026-01-31', 31],
    ['2026-02', '2026-02-01', '2026-02-28', 28],
    ['2024-02', '2024-02-01', '2024-02-29', 29],
    ['2000-02', '2000-02-01', '2000-02-29', 29],
    ['2100-02', '2100-02-01', '2100-02-28', 28],
    ['2026-04', '2026-04-01', '2026-04-30', 30],
    ['2026-12', '2026-12-01', '2026-12-31', 31],
  ])('%s runs from %s to %s (%i days)', (month, start, end, days) => {
    expect(monthBounds(month)).toEqual({ start, end });
    expect(daysInMonth(month)).toBe(days);
  });

  it.each(['2026-13', '2026-00', '2026-1', '2026-01-01', 'mars'])('refuses %j with a French message', (month) => {
    expect(() => monthBounds(month)).toThrow(validation);
    expect(() => assertLocalMonth(month)).toThrow(/Mois invalide \(AAAA-MM attendu\)/);
  });
});

describe('month arithmetic', () => {
  it.each([
    ['2026-01', -1, '2025-12'],
    ['2026-11', 2, '2027-01'],
    ['2026-03', 0, '2026-03'],
    ['2026-03', -27, '2023-12'],
    ['2026-03', 24, '2028-03'],
  ])('shiftMonth(%s, %i) = %s', (month, n, expected) => {
    expect(shiftMonth(month, n)).toBe(expected);
  });

  it('gives the previous month of a Paris date, across a year (the monthly reports and invoices run on it)', () => {
    expect(['2026-11-26', '2027-01-01', '2026-10-31'].map((d) => shiftMonth(monthOf(d), -1))).toEqual(['2026-10', '2026-12', '2026-09']);
  });

  it('lists the months ending with one, oldest first, across a year', () => {
    expect(monthsEndingWith('2026-02', 4)).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsEndingWith('2026-02', 1)).toEqual(['2026-02']);
    expect(() => monthsEndingWith('2026-02', 0)).toThrow(validation);
  });

  it('gives the month of a date', () => {
    expect(monthOf('2026-03-29')).toBe('2026-03');
    expect(() => monthOf('2026-02-30')).toThrow(validation);
  });

  // Contract 6 (terms, notices) counts months as the code de procédure civile, art. 641, does.
  it.each([
    ['2026-01-31', 1, '2026-02-28', 'the 31st into a 28-day February: its last day'],
    ['2024-01-31', 1, '2024-02-29', 'into a leap February'],
    ['2026-03-31', 3, '2026-06-30', 'into a 30-day month'],
    ['2026-03-31', 1, '2026-04-30', 'the 31st into April'],
    ['2026-05-31', -3, '2026-02-28', 'backwards into February'],
    ['2024-02-29', 12, '2025-02-28', 'a leap day a year later'],
    ['2024-02-29', 48, '2028-02-29', 'a leap day four years later'],
    ['2026-01-15', 1, '2026-02-15', 'a mid-month day keeps its number'],
    ['2026-12-31', 2, '2027-02-28', 'across the year'],
    ['2026-01-30', 13, '2027-02-28', 'over a year and into February'],
  ])('addMonths(%s, %i) = %s (%s)', (date, n, expected) => {
    expect(addMonths(date, n)).toBe(expected);
  });

  it('refuses a non-integer count or an impossible date', () => {
    expect(() => addMonths('2026-01-31', 1.5)).toThrow(validation);
    expect(() => shiftMonth('2026-01', 0.5)).toThrow(validation);
    expect(() => addMonths('2026-02-30', 1)).toThrow(validation);
  });
});
