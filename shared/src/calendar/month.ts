import { VigieError } from '../errors.js';
import { addDays, assertLocalDate, type LocalDate } from './local-date.js';
import { parisMidnight } from './paris-time.js';

/**
 * Calendar months in Europe/Paris, the one implementation (issue 15): invoices, reports, statistics
 * and the dashboard all count a month the same way.
 */

/** A Europe/Paris calendar month, 'YYYY-MM'. */
export type LocalMonth = string;

const LOCAL_MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

function parseMonth(month: LocalMonth): { year: number; month: number } {
  const m = typeof month === 'string' ? LOCAL_MONTH.exec(month) : null;
  if (!m) throw new VigieError('VALIDATION', `Mois invalide (AAAA-MM attendu) : ${JSON.stringify(String(month).slice(0, 20))}`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

/** Throws VALIDATION unless `month` is a real 'YYYY-MM' month. */
export function assertLocalMonth(month: LocalMonth): void {
  parseMonth(month);
}

/** The month holding a date: '2026-03-29' → '2026-03'. */
export function monthOf(date: LocalDate): LocalMonth {
  assertLocalDate(date);
  return date.slice(0, 7);
}

/** The month `n` months after `month` (before it when n < 0): '2026-11' + 2 = '2027-01'. */
export function shiftMonth(month: LocalMonth, n: number): LocalMonth {
  const p = parseMonth(month);
  if (!Number.isInteger(n)) throw new VigieError('VALIDATION', `Nombre de mois non entier : ${n}`);
  const index = p.year * 12 + (p.month - 1) + n;
  const year = Math.floor(index / 12);
  if (year < 0 || year > 9999) throw new VigieError('VALIDATION', `Mois hors calendrier : ${month} + ${n} mois`);
  return `${String(year).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The `count` months ending with `last`, oldest first. */
export function monthsEndingWith(last: LocalMonth, count: number): LocalMonth[] {
  if (!Number.isInteger(count) || count < 1) throw new VigieError('VALIDATION', `Nombre de mois invalide : ${count}`);
  return Array.from({ length: count }, (_, i) => shiftMonth(last, i - count + 1));
}

/** 28 to 31: February has 29 days in a leap year. */
export function daysInMonth(month: LocalMonth): number {
  const p = parseMonth(month);
  if (p.month === 2) return isLeapYear(p.year) ? 29 : 28;
  return [4, 6, 9, 11].includes(p.month) ? 30 : 31;
}

/** Gregorian rule: every 4th year, except centuries not divisible by 400 (2000 was leap, 2100 will not be). */
function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** The first and last days of `month`, both inclusive. */
export function monthBounds(month: LocalMonth): { start: LocalDate; end: LocalDate } {
  return { start: `${month}-01`, end: `${month}-${daysInMonth(month)}` };
}

/**
 * The same day `months` later; when that month is shorter, its last day (31 March + 3 months =
 * 30 June) — how French law counts a period in months (code de procédure civile, art. 641).
 */
export function addMonths(date: LocalDate, months: number): LocalDate {
  assertLocalDate(date);
  if (!Number.isInteger(months)) throw new VigieError('VALIDATION', `Nombre de mois non entier : ${months}`);
  const month = shiftMonth(monthOf(date), months);
  const day = Math.min(Number(date.slice(8, 10)), daysInMonth(month));
  return `${month}-${String(day).padStart(2, '0')}`;
}

/** A month as UTC instants: from local midnight on its first day to local midnight on the next month's. */
export interface MonthPeriod {
  month: LocalMonth;
  /** UTC ms of the first Paris midnight of the month (inclusive). */
  from: number;
  /** UTC ms of the first Paris midnight of the next month (exclusive). */
  to: number;
}

/**
 * The instants of a Paris month: 23 h shorter or longer than its days when the clocks change in it.
 * Months before 1970 are refused: no instant Vigie stores precedes the epoch.
 */
export function monthPeriod(month: LocalMonth): MonthPeriod {
  const { start, end } = monthBounds(month);
  if (start < '1970-01-01') throw new VigieError('VALIDATION', `Mois antérieur à 1970 : ${month}`);
  return { month, from: parisMidnight(start), to: parisMidnight(addDays(end, 1)) };
}
