import { VigieError } from '../errors.js';
import { addDays, assertLocalDate, type LocalDate, localDate } from './local-date.js';

export interface PublicHoliday {
  date: LocalDate;
  name: string;
}

/** Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
export function easterSunday(year: number): LocalDate {
  assertGregorianYear(year);
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return localDate(year, month, day);
}

const cache = new Map<number, readonly PublicHoliday[]>();

/**
 * The eleven public holidays of metropolitan France (Code du travail L3133-1), sorted by date.
 * Alsace-Moselle's extra days (Good Friday, 26 Dec) are not included: the contract's business days
 * are those of metropolitan France in general.
 */
export function frenchPublicHolidays(year: number): readonly PublicHoliday[] {
  const hit = cache.get(year);
  if (hit) return hit;
  const easter = easterSunday(year);
  const list: PublicHoliday[] = [
    { date: localDate(year, 1, 1), name: "Jour de l'an" },
    { date: addDays(easter, 1), name: 'Lundi de Pâques' },
    { date: localDate(year, 5, 1), name: 'Fête du Travail' },
    { date: localDate(year, 5, 8), name: 'Victoire 1945' },
    { date: addDays(easter, 39), name: 'Ascension' },
    { date: addDays(easter, 50), name: 'Lundi de Pentecôte' },
    { date: localDate(year, 7, 14), name: 'Fête nationale' },
    { date: localDate(year, 8, 15), name: 'Assomption' },
    { date: localDate(year, 11, 1), name: 'Toussaint' },
    { date: localDate(year, 11, 11), name: 'Armistice 1918' },
    { date: localDate(year, 12, 25), name: 'Noël' },
  ];
  // Ascension can fall on 1 or 8 May (e.g. 2008): keep one entry per date.
  const unique = [...new Map(list.map((h) => [h.date, h])).values()].sort((x, y) => (x.date < y.date ? -1 : 1));
  const frozen = Object.freeze(unique.map((h) => Object.freeze(h)));
  cache.set(year, frozen);
  return frozen;
}

export function isFrenchPublicHoliday(date: LocalDate): boolean {
  assertLocalDate(date);
  const year = Number(date.slice(0, 4));
  return frenchPublicHolidays(year).some((h) => h.date === date);
}

function assertGregorianYear(year: number): void {
  if (!Number.isInteger(year) || year < 1583 || year > 9999) {
    throw new VigieError('VALIDATION', `Année hors du calendrier grégorien pris en charge (1583–9999) : ${year}`);
  }
}
