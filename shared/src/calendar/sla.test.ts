import { describe, expect, it } from 'vitest';
import { fromParis, toParis } from './paris-time.js';
import { acceptsPhoneRequest, acceptsRequest, isProgrammed, type RequestChannel, slaClockStart, slaDeadline } from './sla.js';

/** '2026-05-13 10:30' or '2026-05-13 10:30:15', Paris wall-clock → UTC ms. */
function paris(text: string): number {
  const [date, time] = text.split(' ') as [string, string];
  const [h, m, s = 0] = time.split(':').map(Number) as [number, number, number?];
  return fromParis(date, h, m, s);
}
/** UTC ms → 'YYYY-MM-DD HH:MM' Paris wall-clock. */
function show(utcMs: number): string {
  const p = toParis(utcMs);
  return `${p.date} ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

describe('2.6.2 — départ du délai : réception en heures ouvrées, sinon prochaine ouverture', () => {
  it.each([
    ['2026-05-13 10:30', '2026-05-13 10:30', 'within morning hours'],
    ['2026-05-13 09:00', '2026-05-13 09:00', 'at opening'],
    ['2026-05-13 08:15', '2026-05-13 09:00', 'before opening → 09:00 the same day'],
    ['2026-05-13 12:59', '2026-05-13 12:59', 'last minute before lunch'],
    ['2026-05-13 13:00', '2026-05-13 14:00', 'lunch break starts at 13:00 → 14:00'],
    ['2026-05-13 13:30', '2026-05-13 14:00', 'lunch break → 14:00 the same day'],
    ['2026-05-13 17:59', '2026-05-13 17:59', 'last minute of the afternoon'],
    ['2026-05-13 18:00', '2026-05-15 09:00', 'after 18:00 on the eve of Ascension → Friday 09:00'],
    ['2026-05-22 19:00', '2026-05-26 09:00', 'Friday evening before Whit Monday → Tuesday'],
    ['2026-05-16 11:00', '2026-05-18 09:00', 'Saturday → Monday 09:00'],
    ['2026-07-14 10:00', '2026-07-15 09:00', '14 July → next day'],
    ['2026-11-11 10:00', '2026-11-12 09:00', '11 November (Wednesday) → Thursday'],
    ['2026-03-29 03:30', '2026-03-30 09:00', 'spring-forward Sunday → Monday 09:00 CEST'],
  ])('reçue %s → départ %s (%s)', (received, start) => {
    expect(show(slaClockStart(paris(received)))).toBe(start);
  });

  it('keeps the exact reception instant, seconds and milliseconds included, within business hours', () => {
    const t = paris('2026-05-13 10:30:15') + 250;
    expect(slaClockStart(t)).toBe(t);
  });

  it('spring-forward Sunday: 09:00 on Monday 30 March is 07:00 UTC', () => {
    expect(new Date(slaClockStart(Date.parse('2026-03-29T01:30:00Z'))).toISOString()).toBe('2026-03-30T07:00:00.000Z');
  });
});

describe('2.6.2 — engagement urgent : 1 jour ouvré à distance, 2 sur site, même heure locale', () => {
  it.each([
    ['2026-11-10 16:00', 'remote', '2026-11-12 16:00', 'remote over 11 November'],
    ['2026-11-10 16:00', 'on_site', '2026-11-13 16:00', 'on site over 11 November'],
    ['2026-05-13 18:30', 'remote', '2026-05-18 09:00', 'after hours, eve of Ascension: start Friday 09:00'],
    ['2026-05-13 11:00', 'on_site', '2026-05-18 11:00', 'on site over Ascension and a weekend'],
    ['2026-05-22 10:00', 'remote', '2026-05-26 10:00', 'remote over a weekend and Whit Monday'],
    ['2026-06-01 13:20', 'remote', '2026-06-02 14:00', 'received at lunch: from 14:00'],
    ['2026-06-01 07:45', 'on_site', '2026-06-03 09:00', 'received before opening: from 09:00'],
    ['2026-12-24 12:00', 'on_site', '2026-12-29 12:00', 'over Christmas and a weekend'],
    ['2026-03-27 17:00', 'remote', '2026-03-30 17:00', 'over spring-forward'],
    ['2026-10-23 10:00', 'on_site', '2026-10-27 10:00', 'over fall-back'],
  ] as const)('reçue %s, %s → échéance %s (%s)', (received, mode, deadline, _why) => {
    expect(show(slaDeadline(paris(received), 'urgent', mode)!)).toBe(deadline);
  });

  it.each([
    ['2026-03-27T16:00:00Z', 'remote', '2026-03-30T15:00:00.000Z', 'Fri 17:00 CET → Mon 17:00 CEST: 71 h later, not 72'],
    ['2026-10-23T08:00:00Z', 'on_site', '2026-10-27T09:00:00.000Z', 'Fri 10:00 CEST → Tue 10:00 CET: 97 h later, not 96'],
  ] as const)('DST: %s %s → %s UTC (%s)', (receivedUtc, mode, expected, _why) => {
    expect(new Date(slaDeadline(Date.parse(receivedUtc), 'urgent', mode)!).toISOString()).toBe(expected);
  });

  it('keeps seconds and milliseconds of the start', () => {
    const t = paris('2026-05-12 10:30:15') + 250;
    expect(slaDeadline(t, 'urgent', 'remote')).toBe(paris('2026-05-13 10:30:15') + 250);
  });

  it('2.6.1 — a programmed request has no SLA deadline (its planned date is the commitment)', () => {
    expect(slaDeadline(paris('2026-05-13 10:00'), 'programmed', 'on_site')).toBeNull();
  });

  it('refuses an unknown kind or mode', () => {
    expect(() => slaDeadline(paris('2026-05-13 10:00'), 'urgent', 'teleport' as never)).toThrow(/inconnu/);
    expect(() => slaDeadline(paris('2026-05-13 10:00'), 'whenever' as never, 'remote')).toThrow(/inconnu/);
  });
});

describe('2.6 / 2.6.1 — programmée si la date prévue est à 5 jours ouvrés ou plus de la demande', () => {
  it.each([
    ['2026-06-01 10:00', '2026-06-08', true, 'Monday → next Monday: 5 business days'],
    ['2026-06-01 10:00', '2026-06-05', false, 'Monday → Friday: 4'],
    ['2026-05-04 10:00', '2026-05-11', false, 'Monday → Monday over 8 May: 4'],
    ['2026-05-04 10:00', '2026-05-12', true, 'Monday → Tuesday over 8 May: 5'],
    ['2026-05-11 10:00', '2026-05-18', false, 'over Ascension: 4'],
    ['2026-06-05 20:00', '2026-06-12', true, 'Friday evening by e-mail counts from its own date'],
    ['2026-06-06 11:00', '2026-06-12', true, 'Saturday → Friday: Mon–Fri = 5'],
    ['2026-06-06 11:00', '2026-06-11', false, 'Saturday → Thursday: 4'],
    ['2026-06-08 00:30', '2026-06-12', false, 'just after midnight Paris (still Sunday in UTC): counts from Monday'],
    ['2026-06-10 10:00', '2026-06-01', false, 'planned date before the request'],
  ])('demande %s, prévue le %s → programmée = %s (%s)', (requested, planned, expected) => {
    expect(isProgrammed(paris(requested), planned)).toBe(expected);
  });

  it('refuses a malformed planned date', () => {
    expect(() => isProgrammed(paris('2026-06-01 10:00'), '08/06/2026')).toThrow(/Date/);
  });
});

describe('2.6.3 — canaux : portail et e-mail 24H/7J, hotline les jours ouvrés 09H–13H et 14H–18H', () => {
  it.each([
    ['2026-05-13 09:00:00', true, 'opening'],
    ['2026-05-13 08:59:59', false, 'one second before opening'],
    ['2026-05-13 12:59:59', true, 'last second of the morning'],
    ['2026-05-13 13:00:00', false, 'lunch'],
    ['2026-05-13 13:59:59', false, 'end of lunch'],
    ['2026-05-13 14:00:00', true, 'afternoon opening'],
    ['2026-05-13 17:59:59', true, 'last second of the day'],
    ['2026-05-13 18:00:00', false, 'closing'],
    ['2026-05-16 10:00:00', false, 'Saturday'],
    ['2026-05-14 10:00:00', false, 'Ascension'],
    ['2026-11-11 10:00:00', false, '11 November'],
  ])('téléphone à %s → %s (%s)', (at, expected) => {
    expect(acceptsPhoneRequest(paris(at))).toBe(expected);
    expect(acceptsRequest('phone', paris(at))).toBe(expected);
  });

  it.each([
    ['portal', '2026-05-16 03:00', true],
    ['email', '2026-05-14 22:00', true],
    ['portal', '2026-12-25 12:00', true],
    ['fax', '2026-05-13 10:00', false],
    ['monitoring', '2026-05-13 10:00', false],
  ])('%s à %s → %s (hors des 3 canaux : refusée)', (channel, at, expected) => {
    expect(acceptsRequest(channel as RequestChannel, paris(at))).toBe(expected);
  });
});
