import { VigieError } from '@vigie/shared';

/** A time as epoch milliseconds or an ISO 8601 string. */
export function parseTime(s: string): number {
  if (/^\d{1,15}$/.test(s)) return Number(s);
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new VigieError('VALIDATION', `Not a time: ${JSON.stringify(s.slice(0, 40))}`);
  return t;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30s`, `5m`, `1h`, `1d`, or a plain number of seconds. */
export function parseDuration(s: string): number {
  const m = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(s);
  if (!m) throw new VigieError('VALIDATION', `Not a duration: ${JSON.stringify(s.slice(0, 20))}`);
  const ms = Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000);
  if (ms <= 0) throw new VigieError('VALIDATION', 'Duration must be positive');
  return ms;
}
