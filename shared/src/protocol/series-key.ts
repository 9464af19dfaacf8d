import { MAX_SERIES_KEY } from './limits.js';

/**
 * A metric value is addressed by a series key: a metric name and optional labels,
 * written `name` or `name{label=value,label2=value2}` (Prometheus-like, compact on the wire).
 * Label values may not contain `,`, `}` or `=`; `escapeLabel` replaces them.
 */
export const SERIES_KEY_PATTERN = '^(?=.{1,256}$)[a-z][a-z0-9_.]{0,63}(\\{[a-z][a-z0-9_]{0,31}=[^,{}=]{0,160}(,[a-z][a-z0-9_]{0,31}=[^,{}=]{0,160})*\\})?$';
const re = new RegExp(SERIES_KEY_PATTERN);

export interface SeriesKey {
  name: string;
  labels: Record<string, string>;
}

export function escapeLabel(value: string): string {
  return value.replace(/[,{}=]/g, '_').slice(0, 160);
}

export function formatSeriesKey(name: string, labels?: Record<string, string>): string {
  const entries = labels ? Object.entries(labels) : [];
  if (entries.length === 0) return name;
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${name}{${entries.map(([k, v]) => `${k}=${escapeLabel(v)}`).join(',')}}`;
}

export function isSeriesKey(key: string): boolean {
  return key.length <= MAX_SERIES_KEY && re.test(key);
}

export function parseSeriesKey(key: string): SeriesKey {
  if (!isSeriesKey(key)) throw new Error(`invalid series key: ${JSON.stringify(key.slice(0, 80))}`);
  const brace = key.indexOf('{');
  if (brace < 0) return { name: key, labels: {} };
  const labels: Record<string, string> = {};
  for (const pair of key.slice(brace + 1, -1).split(',')) {
    const eq = pair.indexOf('=');
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { name: key.slice(0, brace), labels };
}
