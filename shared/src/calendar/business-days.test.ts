import { describe, expect, it } from 'vitest';
import { addBusinessDays, businessDayOnOrAfter, businessDaysBetween, fromParis, isBusinessDay, toParis } from './business-days.js';

const iso = (utcMs: number) => new Date(utcMs).toISOString();

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
