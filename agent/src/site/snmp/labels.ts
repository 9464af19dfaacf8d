import { formatSeriesKey, isSeriesKey } from '@vigie/shared';

const LONGEST_LABEL = 64;

/**
 * A device-given name (interface, supply) as a series-key label value. The key pattern refuses
 * `,{}=` and its `.{1,256}` stops at line terminators, so those go; lone surrogates become U+FFFD
 * (they would not survive JSON); the length is capped so any of our keys stays under 256.
 */
export function labelValue(raw: string, maxLength = LONGEST_LABEL): string {
  const clean = raw
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/[,{}=]/g, '_')
    .replace(/\s+/g, ' ')
    .trim();
  let out = '';
  for (const ch of clean) {
    if (out.length + ch.length > maxLength) break;
    out += ch;
  }
  return out.trimEnd();
}

/**
 * Label values unique within one device: two interfaces may share a name (or become equal once
 * cleaned and cut), and the second would overwrite the first's series.
 */
export class UniqueLabels {
  readonly #seen = new Set<string>();

  take(raw: string, fallbackId: string): string {
    const suffix = ` #${labelValue(fallbackId, 16)}`;
    let label = labelValue(raw) || suffix.trim();
    if (this.#seen.has(label)) label = `${labelValue(raw, LONGEST_LABEL - suffix.length)}${suffix}`.trim();
    for (let n = 2; this.#seen.has(label); n++) label = `${labelValue(raw, LONGEST_LABEL - suffix.length - 4)}${suffix}.${n}`.trim();
    this.#seen.add(label);
    return label;
  }
}

/** Series key → value; keys that would not pass the protocol's validator are left out. */
export class MetricSet {
  readonly values: Record<string, number> = {};

  put(name: string, value: number | null | undefined, labels?: Record<string, string>): void {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    const key = formatSeriesKey(name, labels);
    if (isSeriesKey(key)) this.values[key] = value;
  }
}
