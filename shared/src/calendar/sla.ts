import { VigieError } from '../errors.js';
import { addBusinessDays, businessDaysBetween, isBusinessDay } from './business-days.js';
import { assertLocalDate, type LocalDate } from './local-date.js';
import { fromParis, toParis } from './paris-time.js';

/** Contract 2.6: programmed (≥ 5 business days ahead) or urgent (< 5). */
export type InterventionKind = 'programmed' | 'urgent';
/** Contract 2.6: on the client's site or remote. */
export type InterventionMode = 'on_site' | 'remote';
/** Contract 2.6.3: the only three channels a request may come through. */
export type RequestChannel = 'portal' | 'email' | 'phone';

/** Contract 2.6.3: hotline hours, also the hours the SLA clock runs in: [09:00, 13:00) and [14:00, 18:00). */
export const BUSINESS_HOURS = [
  { from: 9 * 60, to: 13 * 60 },
  { from: 14 * 60, to: 18 * 60 },
] as const;

/** Contract 2.6.2: urgent commitment in business days. */
export const URGENT_BUSINESS_DAYS: Record<InterventionMode, number> = { remote: 1, on_site: 2 };

/** Contract 2.6 / 2.6.1: a programmed intervention is planned 5 business days or more after the request. */
export const PROGRAMMED_MIN_BUSINESS_DAYS = 5;

/** Seconds since local midnight, for half-open comparisons with the opening hours. */
function secondOfDay(t: { hour: number; minute: number; second: number }): number {
  return t.hour * 3600 + t.minute * 60 + t.second;
}

/** True at 09:00:00 and 12:59:59, false at 13:00:00 and 18:00:00 (windows are half-open). */
export function isWithinBusinessHours(atUtc: number): boolean {
  const p = toParis(atUtc);
  if (!isBusinessDay(p.date)) return false;
  const s = secondOfDay(p);
  return BUSINESS_HOURS.some((w) => s >= w.from * 60 && s < w.to * 60);
}

/**
 * Contract 2.6.2 as specified in issue 5: the SLA clock starts at reception when that is within
 * business hours, else at the next opening: 14:00 the same day during lunch, 09:00 the same day
 * before opening, otherwise 09:00 on the next business day.
 */
export function slaClockStart(receivedAtUtc: number): number {
  if (isWithinBusinessHours(receivedAtUtc)) return receivedAtUtc;
  const p = toParis(receivedAtUtc);
  if (isBusinessDay(p.date)) {
    const s = secondOfDay(p);
    for (const w of BUSINESS_HOURS) {
      if (s < w.from * 60) return fromParis(p.date, w.from / 60, 0, 0);
    }
  }
  return fromParis(addBusinessDays(p.date, 1), BUSINESS_HOURS[0].from / 60, 0, 0);
}

/**
 * Contract 2.6.2: deadline of an urgent request, the same Paris wall-clock time N business days after
 * the clock start (N = 1 remote, 2 on site), across any daylight-saving change. Business hours hold no
 * DST edge, so that wall-clock time always exists once. A programmed request has no SLA deadline —
 * its planned date is the commitment — so the answer is null.
 */
export function slaDeadline(receivedAtUtc: number, kind: InterventionKind, mode: InterventionMode): number | null {
  if (kind === 'programmed') return null;
  const days = URGENT_BUSINESS_DAYS[mode];
  if (kind !== 'urgent' || days === undefined) throw new VigieError('VALIDATION', `Type ou mode d'intervention inconnu : ${kind}/${mode}`);
  const start = slaClockStart(receivedAtUtc);
  const p = toParis(start);
  const ms = ((start % 1000) + 1000) % 1000;
  return fromParis(addBusinessDays(p.date, days), p.hour, p.minute, p.second) + ms;
}

/**
 * Contract 2.6 / 2.6.1: programmed when the planned date is 5 business days or more after the day the
 * request was made (its Paris calendar date, even when received outside business hours).
 */
export function isProgrammed(requestedAtUtc: number, plannedDateLocal: LocalDate): boolean {
  assertLocalDate(plannedDateLocal);
  return businessDaysBetween(toParis(requestedAtUtc).date, plannedDateLocal) >= PROGRAMMED_MIN_BUSINESS_DAYS;
}

/** Contract 2.6.3: the hotline takes requests on business days, 09:00–13:00 and 14:00–18:00 Paris time. */
export function acceptsPhoneRequest(atUtc: number): boolean {
  return isWithinBusinessHours(atUtc);
}

/** Contract 2.6.3: portal and e-mail 24/7, phone in business hours; any other channel is refused. */
export function acceptsRequest(channel: RequestChannel, atUtc: number): boolean {
  switch (channel) {
    case 'portal':
    case 'email':
      return true;
    case 'phone':
      return acceptsPhoneRequest(atUtc);
    default:
      return false;
  }
}
