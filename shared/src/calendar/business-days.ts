import { VigieError } from '../errors.js';
import { isFrenchPublicHoliday } from './french-holidays.js';
import { addDays, assertLocalDate, dayOfWeek, type LocalDate, localDate } from './local-date.js';

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

/** A Europe/Paris wall-clock reading. */
export interface ParisTime {
  date: LocalDate;
  hour: number;
  minute: number;
  second: number;
}

// Made on first use, not at import: a time-zone formatter maps ICU's data (~8 MB of resident memory)
// into every process that imports this package, the agent included, which never converts a date.
let parisFormat: Intl.DateTimeFormat | undefined;
const parisFormatter = () =>
  (parisFormat ??= new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Paris',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }));

/** Paris wall-clock time of a UTC instant (milliseconds are dropped). */
export function toParis(utcMs: number): ParisTime {
  if (!Number.isFinite(utcMs)) throw new VigieError('VALIDATION', `Instant invalide : ${utcMs}`);
  const parts: Record<string, number> = {};
  for (const p of parisFormatter().formatToParts(utcMs)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    date: localDate(parts.year!, parts.month!, parts.day!),
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** Paris offset from UTC at an instant, in ms (+3_600_000 in winter, +7_200_000 in summer). */
function parisOffsetMs(utcMs: number): number {
  const whole = Math.floor(utcMs / 1000) * 1000;
  const p = toParis(whole);
  const [y, mo, d] = p.date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, mo - 1, d, p.hour, p.minute, p.second) - whole;
}

/**
 * The UTC instant of a Paris wall-clock time. Daylight-saving edges follow Temporal's 'compatible'
 * disambiguation, the one calendars use:
 * - a time that does not exist (02:00–02:59 on the last Sunday of March) is moved forward by the
 *   length of the gap: 02:30 → 03:30 CEST;
 * - a time that occurs twice (02:00–02:59 on the last Sunday of October) is the earlier one, in
 *   summer time: 02:30 → 00:30 UTC, not 01:30 UTC.
 * Business hours (09:00–18:00) never meet either case.
 */
export function fromParis(date: LocalDate, hour: number, minute: number, second = 0): number {
  assertLocalDate(date);
  const ok = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
  if (!ok(hour, 23) || !ok(minute, 59) || !ok(second, 59)) {
    throw new VigieError('VALIDATION', `Heure invalide : ${hour}:${minute}:${second}`);
  }
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const naive = Date.UTC(y, mo - 1, d, hour, minute, second);
  const before = parisOffsetMs(naive - 86_400_000);
  const after = parisOffsetMs(naive + 86_400_000);
  const matches = [naive - before, naive - after].filter((t) => {
    const p = toParis(t);
    return p.date === date && p.hour === hour && p.minute === minute && p.second === second;
  });
  if (matches.length === 0) return naive - before; // in the spring gap: the pre-change offset lands after it
  return Math.min(...matches);
}

/** Today's date in Paris at a UTC instant. */
export function parisDate(utcMs: number): LocalDate {
  return toParis(utcMs).date;
}
