import { PARIS_TIME_ZONE } from '../calendar/paris-time.js';

/** The reader's language for check texts: French first, English for the others. */
export type CheckLocale = 'fr' | 'en';

/** Between a number and its unit, and before French `: ; ! ? %`: never a line break there. */
export const NBSP = '\u00a0';

/**
 * Numbers, durations, sizes and dates written the reader's way: `12,5 %`, `3 j`, `4 mars 2025` in
 * French, `12.5%`, `3 days`, `4 March 2025` in English; dates in Europe/Paris.
 */
export interface CheckFormat {
  readonly locale: CheckLocale;
  /** A number, at most `digits` decimals (1 by default). */
  num(n: number, digits?: number): string;
  pct(n: number): string;
  /** A count with its noun: `plural(3, 'mise à jour', 'mises à jour')` → `3 mises à jour` (0 and 1 are singular in French). */
  plural(n: number, one: string, other: string): string;
  /** An age or a duration given in hours: minutes below an hour, hours below two days, days beyond (`6 h`, `2,2 j` / `2.2 days`). */
  hours(h: number): string;
  /** Whole days: `12 j` / `12 days`. */
  days(d: number): string;
  minutes(min: number): string;
  /** A duration in seconds, in its most readable unit (`45 s`, `3 min`, `2 h`). */
  seconds(s: number): string;
  ms(n: number): string;
  bytes(n: number): string;
  /** A bit rate in bit/s: `100 Mbit/s`, `1 Gbit/s`. */
  bitrate(bps: number): string;
  /** A date (UTC ms or ISO text), Europe/Paris: `4 mars 2025`. */
  date(at: number | string): string;
  /** A date and time, Europe/Paris: `4 mars 2025 à 00:30`. */
  dateTime(at: number | string): string;
  /** A name quoted: `« nas »` / `“nas”`. */
  quote(s: string): string;
}

const INTL_LOCALE: Record<CheckLocale, string> = { fr: 'fr-FR', en: 'en-GB' };
const UNIT_WORDS: Record<CheckLocale, { day: [string, string]; bytes: string[] }> = {
  fr: { day: ['j', 'j'], bytes: ['o', 'ko', 'Mo', 'Go', 'To'] },
  en: { day: ['day', 'days'], bytes: ['B', 'kB', 'MB', 'GB', 'TB'] },
};

function build(locale: CheckLocale): CheckFormat {
  const tag = INTL_LOCALE[locale];
  const numbers = [0, 1, 2].map((digits) => new Intl.NumberFormat(tag, { maximumFractionDigits: digits }));
  const plurals = new Intl.PluralRules(tag);
  const paris = { timeZone: PARIS_TIME_ZONE } as const;
  const dateFormat = new Intl.DateTimeFormat(tag, { ...paris, dateStyle: 'long' });
  const dateTimeFormat = new Intl.DateTimeFormat(tag, { ...paris, dateStyle: 'long', timeStyle: 'short' });
  const words = UNIT_WORDS[locale];
  const num = (n: number, digits = 1) => (numbers[Math.max(0, Math.min(2, digits))] ?? numbers[1]!).format(n);
  const unit = (n: number, u: string, digits = 1) => `${num(n, digits)}${NBSP}${u}`;
  /** A date the probe sent that is no date is shown as it came, never thrown at the reader. */
  const formatDate = (format: Intl.DateTimeFormat, at: number | string) => {
    const ms = typeof at === 'number' ? at : Date.parse(at);
    return Number.isFinite(ms) ? format.format(ms) : String(at);
  };
  const days = (d: number, digits = 0) => unit(d, plurals.select(d) === 'one' ? words.day[0] : words.day[1], digits);
  return {
    locale,
    num,
    pct: (n) => (locale === 'fr' ? unit(n, '%') : `${num(n)}%`),
    plural: (n, one, other) => `${num(n, 0)} ${plurals.select(n) === 'one' ? one : other}`,
    hours: (h) => (h < 1 ? unit(h * 60, 'min', 0) : h < 48 ? unit(h, 'h', h < 10 ? 1 : 0) : days(h / 24, 1)),
    days: (d) => days(d),
    minutes: (min) => unit(min, 'min', 0),
    seconds: (s) => (s < 120 ? unit(s, 's', 0) : s < 2 * 3600 ? unit(s / 60, 'min', 0) : unit(s / 3600, 'h')),
    ms: (n) => unit(n, 'ms'),
    bytes: (n) => {
      let i = 0;
      while (n >= 1000 && i < words.bytes.length - 1) {
        n /= 1024;
        i++;
      }
      return unit(n, words.bytes[i]!, n < 10 ? 1 : 0);
    },
    bitrate: (bps) => {
      const [div, u] = bps >= 1e9 ? [1e9, 'Gbit/s'] : bps >= 1e6 ? [1e6, 'Mbit/s'] : bps >= 1e3 ? [1e3, 'kbit/s'] : [1, 'bit/s'];
      return unit(bps / div, u);
    },
    date: (at) => formatDate(dateFormat, at),
    dateTime: (at) => formatDate(dateTimeFormat, at),
    quote: (s) => (locale === 'fr' ? `«${NBSP}${s}${NBSP}»` : `“${s}”`),
  };
}

// Made on first use, not at import: the agent imports this package and never writes these texts,
// and time-zone formatters cost it resident memory.
const formats = new Map<CheckLocale, CheckFormat>();

export function checkFormat(locale: CheckLocale): CheckFormat {
  let f = formats.get(locale);
  if (!f) {
    f = build(locale);
    formats.set(locale, f);
  }
  return f;
}
