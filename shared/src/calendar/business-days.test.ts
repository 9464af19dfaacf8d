import { describe, expect, it } from 'vitest';
import { addBusinessDays, businessDayOnOrAfter, businessDaysBetween, isBusinessDay } from './business-days.js';

describe('2.6.2 — jours ouvrés : lundi–vendredi hors fériés', () => {
  it.each([
    ['2026-05-13', true, 'Wednesday'],
    ['2026-05-14', false, 'Ascension 2026 (Thursday)'],
    ['2026-05-15', true, 'Friday after Ascension'],
    ['2026-05-16', false, 'Saturday'],
    ['2026-05-17', false, 'Sunday'],
    ['2026-05-25', false, 'Whit Monday 2026'],
    ['2026-07-14', false, '14 July 2026 (Tuesday)'],
    ['2026-11-11', false, '11 Nov 2026 (Wednesday)'],
    ['2026-04-06', false, 'Easter Monday 2026'],
    ['2026-04-03', true, 'Good Friday is worked in metropolitan France'],
  ])('%s → %s (%s)', (date, expected) => {
    expect(isBusinessDay(date)).toBe(expected);
  });

  it.each([
    ['2026-05-15', 1, '2026-05-18', 'Friday + 1 → Monday'],
    ['2026-05-13', 1, '2026-05-15', 'over Ascension'],
    ['2026-05-22', 1, '2026-05-26', 'over weekend and Whit Monday'],
    ['2026-05-16', 1, '2026-05-18', 'from a Saturday'],
    ['2026-11-10', 1, '2026-11-12', 'over 11 November'],
    ['2026-07-13', 1, '2026-07-15', 'over 14 July'],
    ['2026-12-24', 2, '2026-12-29', 'over Christmas and a weekend'],
    ['2026-12-30', 2, '2027-01-04', 'over New Year into 2027'],
    ['2026-05-04', 5, '2026-05-12', 'five days over 8 May'],
    ['2026-05-16', 0, '2026-05-16', 'zero keeps the date'],
    ['2026-05-18', -1, '2026-05-15', 'backwards over a weekend'],
    ['2026-05-15', -1, '2026-05-13', 'backwards over Ascension'],
  ])('%s + %i business days = %s (%s)', (date, n, expected) => {
    expect(addBusinessDays(date, n)).toBe(expected);
  });

  it.each([
    ['2026-05-13', '2026-05-15', 1],
    ['2026-05-22', '2026-05-26', 1],
    ['2026-05-13', '2026-05-13', 0],
    ['2026-05-15', '2026-05-13', -1],
    ['2025-12-31', '2026-12-31', 252], // 261 weekdays − 9 weekday holidays
  ])('between %s and %s: %i', (a, b, expected) => {
    expect(businessDaysBetween(a, b)).toBe(expected);
  });

  it.each(['2026-05-16', '2026-05-13', '2026-12-24'])('businessDaysBetween(d, addBusinessDays(d, n)) === n from %s', (d) => {
    for (const n of [0, 1, 2, 5, 20]) expect(businessDaysBetween(d, addBusinessDays(d, n))).toBe(n);
  });

  it('refuses a fractional count or a malformed date', () => {
    expect(() => addBusinessDays('2026-05-13', 1.5)).toThrow(/entier/);
    expect(() => addBusinessDays('2026-13-01', 1)).toThrow(/Date/);
    expect(() => businessDaysBetween('2026-05-13', 'demain')).toThrow(/Date/);
  });
});

describe('businessDayOnOrAfter (recurring interventions, issue 18)', () => {
  it.each([
    ['2026-03-13', '2026-03-13', 'a Friday stays'],
    ['2026-03-14', '2026-03-16', 'a Saturday goes to Monday'],
    ['2026-03-15', '2026-03-16', 'a Sunday goes to Monday'],
    ['2026-04-06', '2026-04-07', 'Easter Monday goes to Tuesday'],
    ['2026-05-01', '2026-05-04', 'Labour Day, a Friday, goes to Monday'],
    ['2026-12-25', '2026-12-28', 'Christmas, a Friday, goes to Monday'],
    ['2027-12-25', '2027-12-27', 'Christmas, a Saturday, goes to Monday'],
  ])('%s → %s (%s)', (date, expected) => {
    expect(businessDayOnOrAfter(date)).toBe(expected);
  });
});
