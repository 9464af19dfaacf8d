import { VigieError } from '../errors.js';

/** A calendar date in Europe/Paris, 'YYYY-MM-DD'. No time, no zone: arithmetic on it is pure calendar arithmetic. */
export type LocalDate = string;

const DAY_MS = 86_400_000;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a valid local date; throws VALIDATION on a malformed or impossible date (2026-02-30). */
function toDayNumber(date: LocalDate): number {
  const m = LOCAL_DATE.exec(date);
  if (!m) throw new VigieError('VALIDATION', `Date locale invalide (attendu AAAA-MM-JJ) : ${JSON.stringify(date)}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  // Date.UTC rolls 2026-02-30 over to March: a round trip catches impossible dates.
  if (fromDayNumber(ms / DAY_MS) !== date) throw new VigieError('VALIDATION', `Date inexistante : ${date}`);
  return ms / DAY_MS;
}

function fromDayNumber(day: number): LocalDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Whether `date` is a real 'YYYY-MM-DD' date (a form field's value, which may be empty or half typed). */
export function isLocalDate(date: unknown): date is LocalDate {
  if (typeof date !== 'string') return false;
  const m = LOCAL_DATE.exec(date);
  return m !== null && fromDayNumber(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS) === date;
}

/** Throws VALIDATION unless `date` is a real 'YYYY-MM-DD' date. */
export function assertLocalDate(date: LocalDate): void {
  toDayNumber(date);
}

export function localDate(year: number, month: number, day: number): LocalDate {
  return fromDayNumber(Date.UTC(year, month - 1, day) / DAY_MS);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  if (!Number.isInteger(days)) throw new VigieError('VALIDATION', `Nombre de jours non entier : ${days}`);
  return fromDayNumber(toDayNumber(date) + days);
}

/** Calendar days from `a` to `b` (negative when b is before a). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return toDayNumber(b) - toDayNumber(a);
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: LocalDate): number {
  return new Date(toDayNumber(date) * DAY_MS).getUTCDay();
}

/** A local date as French documents write it: 'JJ/MM/AAAA' (2026-12-05 → 05/12/2026). Throws VALIDATION on a malformed date. */
export function frenchDate(date: LocalDate): string {
  assertLocalDate(date);
  return `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;
}
