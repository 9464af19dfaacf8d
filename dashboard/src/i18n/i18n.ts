import { fromParis, isLocalDate, type LocalDate, PARIS_TIME_ZONE, parisDate, toParis } from '@vigie/shared/calendar';
import { en } from './en.js';
import { fr, type MessageKey } from './fr.js';

export type Lang = 'fr' | 'en';
export type { MessageKey };

const catalogues: Record<Lang, Record<MessageKey, string>> = { fr, en };
const STORAGE_KEY = 'vigie.lang';
/** Everything is shown in Paris time, whatever the browser's zone (contract: metropolitan France). */
export const TIME_ZONE = PARIS_TIME_ZONE;

function initialLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'fr';
  } catch {
    return 'fr';
  }
}

let lang: Lang = initialLang();
const listeners = new Set<(l: Lang) => void>();

export function currentLang(): Lang {
  return lang;
}

export function setLang(l: Lang): void {
  lang = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch (err) {
    // Storage refused (private mode, quota): the language still changes for this page, only not remembered.
    console.warn('language choice not remembered', err);
  }
  document.documentElement.lang = l;
  rebuildFormats();
  for (const fn of listeners) fn(l);
}

export function onLangChange(fn: (l: Lang) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The message for `key` in the current language, with `{name}` placeholders filled in. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = catalogues[lang][key] ?? fr[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** `t` for keys built at run time (a status from the API): falls back to the raw value. */
export function tOr(key: string, fallback: string): string {
  return key in fr ? t(key as MessageKey) : fallback;
}

let formats = makeFormats();
function makeFormats() {
  const locale = lang === 'en' ? 'en-GB' : 'fr-FR';
  return {
    dateTime: new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short', timeZone: TIME_ZONE }),
    dateTimeSec: new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium', timeZone: TIME_ZONE }),
    date: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: TIME_ZONE }),
    // A calendar date 'YYYY-MM-DD' is already local: format it at noon UTC so no zone moves it.
    day: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }),
    dayLong: new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }),
    month: new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }),
    number: new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }),
  };
}
function rebuildFormats() {
  formats = makeFormats();
}

// Money is always French euros (the contract's currency and format), whatever the language.
const money = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });

export const fmt = {
  dateTime: (ms: number | null | undefined) => (ms == null ? '—' : formats.dateTime.format(ms)),
  dateTimeSec: (ms: number | null | undefined) => (ms == null ? '—' : formats.dateTimeSec.format(ms)),
  date: (ms: number | null | undefined) => (ms == null ? '—' : formats.date.format(ms)),
  /** A local calendar date 'YYYY-MM-DD'. */
  day: (d: string | null | undefined) => (d ? formats.day.format(Date.parse(`${d}T12:00:00Z`)) : '—'),
  /** A local calendar date with its weekday, « lun. 16 mars 2026 » (recurring interventions, desired dates). */
  dayLong: (d: string | null | undefined) => (d ? formats.dayLong.format(Date.parse(`${d}T12:00:00Z`)) : '—'),
  /** A month 'YYYY-MM'. */
  month: (m: string) => formats.month.format(Date.parse(`${m}-15T12:00:00Z`)),
  /** Integer cents to euros, fr-FR. */
  money: (cents: number | null | undefined) => (cents == null ? '—' : money.format(cents / 100)),
  number: (n: number | null | undefined) => (n == null ? '—' : formats.number.format(n)),
  bytes: (n: number | null | undefined) => {
    if (n == null) return '—';
    const units = lang === 'en' ? ['B', 'KiB', 'MiB', 'GiB', 'TiB'] : ['o', 'Kio', 'Mio', 'Gio', 'Tio'];
    let v = n;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return `${formats.number.format(v)} ${units[i]}`;
  },
  /** A rate in bit/s, in decimal units as network links are sold: "45,2 Mbit/s". */
  bps: (n: number | null | undefined) => {
    if (n == null) return '—';
    const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
    let v = n;
    let i = 0;
    while (Math.abs(v) >= 1000 && i < units.length - 1) {
      v /= 1000;
      i++;
    }
    return `${formats.number.format(v)} ${units[i]}`;
  },
  /** A share of a whole, "42,5 %". */
  pct: (n: number | null | undefined, digits = 1) =>
    n == null
      ? '—'
      : `${(digits === 1 ? formats.number : new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'fr-FR', { maximumFractionDigits: digits })).format(n)} %`,
  /** A duration in ms as "3 h 20 min" / "2 j". */
  duration: (ms: number) => {
    const min = Math.round(Math.abs(ms) / 60_000);
    if (min < 60) return `${min} min`;
    const h = Math.floor(min / 60);
    if (h < 48) return `${h} h ${String(min % 60).padStart(2, '0')}`;
    return `${Math.floor(h / 24)} ${lang === 'en' ? 'd' : 'j'}`;
  },
};

/**
 * A decimal typed by a person ("1 234,56", "23.5", "45 €") as an integer of its `decimals`-th
 * parts (euros → cents with 2, kg → grams with 3), without floating point; undefined if it is not one.
 */
export function parseScaled(text: string, decimals: number): number | undefined {
  const m = /^(-?)(\d+)(?:[.,](\d+))?$/.exec(text.replace(/[\s\u00a0\u202f€]/g, ''));
  if (!m || (m[3]?.length ?? 0) > decimals) return undefined;
  const n = Number(m[2]) * 10 ** decimals + Number((m[3] ?? '').padEnd(decimals, '0') || 0);
  return Number.isSafeInteger(n) ? (m[1] ? -n : n) : undefined;
}

/** Today's calendar date in Paris, 'YYYY-MM-DD' (the default of the forms' date fields). */
export function parisToday(now = Date.now()): LocalDate {
  return parisDate(now);
}

/** UTC ms as the Paris wall-clock time 'YYYY-MM-DDTHH:mm' (what a datetime-local input holds). */
export function parisLocal(ms: number): string {
  const p = toParis(ms);
  return `${p.date}T${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

/**
 * A datetime-local input's Paris wall-clock time 'YYYY-MM-DDTHH:mm' as UTC ms; undefined while the
 * field holds no real time. Clock changes as the shared calendar decides (fromParis).
 */
export function fromParisLocal(local: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):([0-5]\d)$/.exec(local);
  if (!m || !isLocalDate(m[1])) return undefined;
  return fromParis(m[1], Number(m[2]), Number(m[3]));
}
