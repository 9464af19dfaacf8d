import { ANTIVIRUS_TEXTS } from './catalogue/antivirus.js';
import { BACKUP_TEXTS } from './catalogue/backup.js';
import { FLOW_RECEIVER_TEXTS } from './catalogue/flow-receiver.js';
import { NETWORK_TEXTS } from './catalogue/network.js';
import { PATCHES_TEXTS } from './catalogue/patches.js';
import { PROBE_RUNNER_TEXTS } from './catalogue/probe-runner.js';
import { SECURITY_TEXTS } from './catalogue/security.js';
import { SERVICES_TEXTS } from './catalogue/services.js';
import { SNMP_TEXTS } from './catalogue/snmp.js';
import { type CheckFormat, type CheckLocale, checkFormat, NBSP } from './format.js';

/** What a text is built from: a check result as the agent sent it, or its stored state. */
export interface DescribableCheck {
  check: string;
  target: string;
  code: string;
  status: string;
  values?: Readonly<Record<string, unknown>> | null;
}

/** A check result as its texts read it: values come typed, and absent when missing or of another type. */
export interface CheckFacts {
  readonly check: string;
  readonly target: string;
  readonly status: string;
  /** A finite number. */
  num(key: string): number | undefined;
  /** A non-empty string. */
  str(key: string): string | undefined;
  bool(key: string): boolean | undefined;
  /** True when the probe sent the key with the value null (a count it could not take, a limit that is "none"). */
  isNull(key: string): boolean;
}

export type CheckPhrase = (c: CheckFacts, f: CheckFormat) => string;
/** One code's sentence in each language. */
export interface CheckText {
  fr: CheckPhrase;
  en: CheckPhrase;
}
/** One probe's codes. */
export type CheckTexts = Readonly<Record<string, CheckText>>;

/**
 * The catalogue, one table per emitter: the agent's probes, the site role (SNMP, flow receiver) and
 * the probe runner. A probe that gains a code gets its two sentences in its table here:
 * agent/src/check-texts.test.ts reads the agent's sources and fails until it has them.
 */
export const CHECK_TEXTS_BY_SOURCE: Readonly<Record<string, CheckTexts>> = {
  backup: BACKUP_TEXTS,
  antivirus: ANTIVIRUS_TEXTS,
  network: NETWORK_TEXTS,
  services: SERVICES_TEXTS,
  security: SECURITY_TEXTS,
  patches: PATCHES_TEXTS,
  snmp: SNMP_TEXTS,
  'flow-receiver': FLOW_RECEIVER_TEXTS,
  'probe-runner': PROBE_RUNNER_TEXTS,
};

/** Every code with its French and English sentence. Codes are unique across emitters (a test checks it). */
export const CHECK_TEXTS: CheckTexts = Object.freeze(Object.assign({}, ...Object.values(CHECK_TEXTS_BY_SOURCE)));

function facts(r: DescribableCheck): CheckFacts {
  const values = r.values ?? {};
  const get = (key: string): unknown => (Object.hasOwn(values, key) ? values[key] : undefined);
  return {
    check: r.check,
    target: r.target,
    status: r.status,
    num: (key) => {
      const v = get(key);
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    },
    str: (key) => {
      const v = get(key);
      return typeof v === 'string' && v !== '' ? v : undefined;
    },
    bool: (key) => {
      const v = get(key);
      return typeof v === 'boolean' ? v : undefined;
    },
    isNull: (key) => get(key) === null,
  };
}

/** French puts a non-breaking space before `: ; ! ? %` and inside guillemets. */
const frenchSpacing = (s: string) => s.replace(/ ([:;!?%»])/g, `${NBSP}$1`).replace(/« /g, `«${NBSP}`);

/**
 * A clear sentence for a check result in the reader's language, from its code, target and values;
 * undefined for a code the catalogue does not know (the caller shows the agent's own message).
 */
export function describeCheck(r: DescribableCheck, locale: CheckLocale): string | undefined {
  const text = Object.hasOwn(CHECK_TEXTS, r.code) ? CHECK_TEXTS[r.code] : undefined;
  if (!text) return undefined;
  try {
    const sentence = text[locale](facts(r), checkFormat(locale));
    return locale === 'fr' ? frenchSpacing(sentence) : sentence;
  } catch {
    // Values no probe sends: the agent's own message says it better than an error would.
    return undefined;
  }
}
