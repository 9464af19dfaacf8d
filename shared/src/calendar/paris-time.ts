import { VigieError } from '../errors.js';
import { assertLocalDate, type LocalDate, localDate } from './local-date.js';

/**
 * The one conversion between UTC instants and Europe/Paris wall-clock time (issue 15): storage
 * speaks UTC milliseconds, the contract and the clients speak Paris dates and hours.
 */

/** The zone every date of the contract is read in (metropolitan France); for display formatters and cron. */
export const PARIS_TIME_ZONE = 'Europe/Paris';

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
    timeZone: PARIS_TIME_ZONE,
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

/** Local midnight in Paris starting `date`, as UTC ms (never in a DST gap: Paris changes at 02:00/03:00). */
export function parisMidnight(date: LocalDate): number {
  return fromParis(date, 0, 0);
}
