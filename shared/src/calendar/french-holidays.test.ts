import { describe, expect, it } from 'vitest';
import { easterSunday, frenchPublicHolidays, isFrenchPublicHoliday } from './french-holidays.js';

describe('2.6.2 — jours fériés de France métropolitaine', () => {
  it.each([
    [1818, '1818-03-22'], // earliest possible date
    [2008, '2008-03-23'],
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2038, '2038-04-25'], // latest possible date
    [2285, '2285-03-22'],
  ])('Pâques %i = %s (algorithme grégorien anonyme)', (year, expected) => {
    expect(easterSunday(year)).toBe(expected);
  });

  it('2026: the eleven holidays, movable ones from Easter 2026-04-05', () => {
    expect(frenchPublicHolidays(2026).map((h) => `${h.date} ${h.name}`)).toEqual([
      "2026-01-01 Jour de l'an",
      '2026-04-06 Lundi de Pâques',
      '2026-05-01 Fête du Travail',
      '2026-05-08 Victoire 1945',
      '2026-05-14 Ascension',
      '2026-05-25 Lundi de Pentecôte',
      '2026-07-14 Fête nationale',
      '2026-08-15 Assomption',
      '2026-11-01 Toussaint',
      '2026-11-11 Armistice 1918',
      '2026-12-25 Noël',
    ]);
  });

  it('2008: Ascension falls on 1 May, one entry per date', () => {
    const days = frenchPublicHolidays(2008).map((h) => h.date);
    expect(days).toHaveLength(10);
    expect(days).toContain('2008-05-01');
    expect(days).toContain('2008-05-12'); // Whit Monday
  });

  it.each([
    ['2026-05-14', true], // Ascension
    ['2026-05-25', true], // Whit Monday
    ['2027-05-06', true], // Ascension 2027
    ['2027-05-17', true], // Whit Monday 2027
    ['2026-04-03', false], // Good Friday: Alsace-Moselle only
    ['2026-12-26', false], // Saint-Étienne: Alsace-Moselle only
    ['2026-04-05', false], // Easter Sunday is a Sunday, not listed
  ])('%s férié = %s', (date, expected) => {
    expect(isFrenchPublicHoliday(date)).toBe(expected);
  });

  it.each([1582, 10000, 2026.5, Number.NaN])('refuses year %s', (year) => {
    expect(() => easterSunday(year)).toThrow(/grégorien/);
  });

  it.each(['2026-02-30', '2026-5-14', '14/05/2026', ''])('refuses malformed date %j', (date) => {
    expect(() => isFrenchPublicHoliday(date)).toThrow(/Date/);
  });
});
