import { parisMidnight, shiftMonth } from '@vigie/shared/calendar';
import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { fr } from './fr.js';

describe('message catalogues', () => {
  it('has the same keys in French and English, none empty', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(fr).sort());
    for (const v of [...Object.values(fr), ...Object.values(en)]) expect(v.trim()).not.toBe('');
  });

  it('uses the same placeholders in both languages', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const k of Object.keys(fr) as (keyof typeof fr)[]) expect(names(en[k]), k).toEqual(names(fr[k]));
  });
});

describe('formats at the edge (convention 10)', () => {
  it('shows money from integer cents in French euros and times in Paris', async () => {
    // i18n.ts reads localStorage and document: give it a minimal browser.
    (globalThis as any).localStorage = { getItem: () => null, setItem: () => {} };
    (globalThis as any).document = { documentElement: {} };
    const { fmt, fromParisLocal, parisLocal, parisToday, parseScaled, setLang, t } = await import('./i18n.js');
    expect(fmt.money(327706)).toBe('3\u202f277,06\u00a0€');
    expect(fmt.money(-1500)).toBe('-15,00\u00a0€');
    // 2026-03-29 00:30 UTC is 01:30 in Paris (winter time), 2026-03-29 01:30 UTC is 03:30 (summer time).
    expect(fmt.dateTime(Date.UTC(2026, 2, 29, 0, 30))).toBe('29/03/2026 01:30');
    expect(fmt.dateTime(Date.UTC(2026, 2, 29, 1, 30))).toBe('29/03/2026 03:30');
    expect(parisToday(Date.UTC(2026, 11, 31, 23, 30))).toBe('2027-01-01');
    expect(fmt.day('2026-10-05')).toBe('5 oct. 2026');
    expect(fmt.dayLong('2026-03-16')).toBe('lun. 16 mars 2026');
    // A chosen day starts at Paris midnight, winter (UTC+1) or summer (UTC+2), and the day clocks change.
    expect(parisMidnight('2026-01-15')).toBe(Date.UTC(2026, 0, 14, 23));
    expect(parisMidnight('2026-03-29')).toBe(Date.UTC(2026, 2, 28, 23));
    expect(parisMidnight('2026-03-30')).toBe(Date.UTC(2026, 2, 29, 22));
    expect(parisMidnight('2026-10-25')).toBe(Date.UTC(2026, 9, 24, 22));
    expect(fromParisLocal('2026-07-14T22:30')).toBe(Date.UTC(2026, 6, 14, 20, 30));
    expect(parisLocal(Date.UTC(2026, 0, 1, 7, 5))).toBe('2026-01-01T08:05');
    expect(fromParisLocal('2026-07-14 22:30')).toBeUndefined();
    // A datetime-local field's time through the shared calendar: the skipped hour moves forward, the doubled one is its first pass.
    expect(fromParisLocal('2026-03-29T02:30')).toBe(Date.UTC(2026, 2, 29, 1, 30));
    expect(fromParisLocal('2026-10-25T02:30')).toBe(Date.UTC(2026, 9, 25, 0, 30));
    expect(parisLocal(Date.UTC(2026, 9, 25, 1, 30))).toBe('2026-10-25T02:30');
    // A field still being typed, or an impossible day, is no time at all.
    for (const bad of ['', '2026-02-30T10:00', '2026-07-14T24:00', '2026-07-14T']) expect(fromParisLocal(bad), bad).toBeUndefined();
    expect(shiftMonth('2026-01', -1)).toBe('2025-12');
    expect(shiftMonth('2026-11', 2)).toBe('2027-01');
    // Amounts typed in euros become integer cents without floating point; weights in kg become grams.
    expect(parseScaled('1 234,56 €', 2)).toBe(123456);
    expect(parseScaled('0,29', 2)).toBe(29);
    expect(parseScaled('45', 2)).toBe(4500);
    expect(parseScaled('23,5', 3)).toBe(23500);
    expect(parseScaled('1,234', 2)).toBeUndefined();
    expect(parseScaled('douze', 2)).toBeUndefined();
    // Link rates in decimal units, as they are sold.
    expect(fmt.bps(45_200_000)).toBe('45,2 Mbit/s');
    expect(fmt.bps(1_000_000_000)).toBe('1 Gbit/s');
    expect(t('devices.count', { count: 12 })).toBe('12 équipements');
    setLang('en');
    expect(t('devices.count', { count: 12 })).toBe('12 devices');
    expect(fmt.money(327706)).toBe('3\u202f277,06\u00a0€');
    expect(fmt.dateTime(Date.UTC(2026, 6, 14, 10, 0))).toBe('14/07/2026, 12:00');
    setLang('fr');
  });
});
