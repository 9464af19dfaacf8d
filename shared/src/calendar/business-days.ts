import { VigieError } from '../errors.js';
import { isFrenchPublicHoliday } from './french-holidays.js';
import { addDays, assertLocalDate, dayOfWeek, type LocalDate } from './local-date.js';

/** Contract 2.6.2: business days are Monday–Friday except the public holidays of metropolitan France. */
export function isBusinessDay(date: LocalDate): boolean {
  const dow = dayOfWeek(date);
  return dow !== 0 && dow !== 6 && !isFrenchPublicHoliday(date);
}

/**
 * The n-th business day after `date` (before it when n < 0). The start day itself never counts, so
 * Friday + 1 = Monday and Saturday + 1 = Monday; n = 0 returns `date` unchanged, business day or not.
 */
export function addBusinessDays(date: LocalDate, n: number): LocalDate {
  assertLocalDate(date);
  if (!Number.isSafeInteger(n)) throw new VigieError('VALIDATION', `Nombre de jours ouvrés non entier : ${n}`);
  const step = n < 0 ? -1 : 1;
  let day = date;
  for (let left = Math.abs(n); left > 0; ) {
    day = addDays(day, step);
    if (isBusinessDay(day)) left--;
  }
  return day;
}

/**
 * The date itself when it is a business day, else the next business day: where a recurring
 * intervention due on a Saturday, a Sunday or a public holiday takes place (issue 18).
 */
export function businessDayOnOrAfter(date: LocalDate): LocalDate {
  assertLocalDate(date);
  return isBusinessDay(date) ? date : addBusinessDays(date, 1);
}

/**
 * Business days d with a < d ≤ b (negated when b < a), so that
 * businessDaysBetween(a, addBusinessDays(a, n)) === n.
 */
export function businessDaysBetween(a: LocalDate, b: LocalDate): number {
  assertLocalDate(a);
  assertLocalDate(b);
  if (b < a) return -businessDaysBetween(b, a);
  let count = 0;
  for (let day = addDays(a, 1); day <= b; day = addDays(day, 1)) if (isBusinessDay(day)) count++;
  return count;
}
