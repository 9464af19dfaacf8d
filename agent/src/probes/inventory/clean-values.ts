import { MAX_STRING } from '@vigie/shared';

/**
 * Values come from firmware tables, registries and package databases that anyone can write to:
 * they are cleaned here once, so the mappers never throw and the wire never carries '' or NaN.
 */

// Terminal escape sequences (colours, cursor moves) go whole; other C0/C1 controls, newlines and
// tabs included, become a space: a name is one line of text.
const ANSI_ESCAPE = /\u001b\[[0-?]*[ -/]*[@-~]/g;
const CONTROL_RUN = /[\u0000-\u001f\u007f-\u009f]+/g;

/** A printable, bounded string, or undefined for anything empty or not text. */
export function cleanText(value: unknown): string | undefined {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return undefined;
  text = text.replace(ANSI_ESCAPE, '').replace(CONTROL_RUN, ' ').trim();
  if (text.length === 0) return undefined;
  return text.length > MAX_STRING ? text.slice(0, MAX_STRING) : text;
}

// Strings that firmware vendors leave in DMI/SMBIOS fields instead of a value.
const PLACEHOLDERS = new Set([
  '-',
  '--',
  '.',
  '0',
  'n/a',
  'na',
  'none',
  'null',
  'undefined',
  'unknown',
  'not specified',
  'not available',
  'not applicable',
  'not present',
  'default string',
  'to be filled by o.e.m.',
  'to be filled by oem',
  'o.e.m.',
  'oem',
  'system manufacturer',
  'system product name',
  'system version',
  'system serial number',
  'chassis manufacture',
  'chassis version',
  'chassis serial number',
  'base board serial number',
  'type2 - board serial number',
  'type1productconfigid',
  'default',
  '0123456789',
  '123456789',
  '00000000',
]);
const PLACEHOLDER_UUID = /^(?:[0-]+|[f-]+|03000200-0400-0500-0006-000700080009)$/i;

/** Like cleanText, and also drops the vendor placeholders ("To be filled by O.E.M.", "-", zero UUIDs...). */
export function cleanHardwareText(value: unknown): string | undefined {
  const text = cleanText(value);
  if (text === undefined) return undefined;
  if (PLACEHOLDERS.has(text.toLowerCase()) || PLACEHOLDER_UUID.test(text)) return undefined;
  return text;
}

function toFiniteNonNegative(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** A non-negative integer (rounded), or undefined. */
export function toInt(value: unknown): number | undefined {
  const n = toFiniteNonNegative(value);
  return n === undefined ? undefined : Math.min(Math.round(n), Number.MAX_SAFE_INTEGER);
}

/** A strictly positive integer, or undefined (for sizes and counts where 0 means "unknown"). */
export function toPositiveInt(value: unknown): number | undefined {
  const n = toInt(value);
  return n === undefined || n === 0 ? undefined : n;
}

/** A strictly positive finite number, or undefined (speeds: 0 and -1 mean "unknown"). */
export function toPositiveNumber(value: unknown): number | undefined {
  const n = toFiniteNonNegative(value);
  return n === undefined || n === 0 ? undefined : n;
}

export function toBool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Drops undefined members, so the wire carries no `"x": undefined` and the hash sees one shape. */
export function compact<T extends Record<string, unknown>>(object: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) out[key] = value;
  return out as T;
}

/** Seconds since the epoch → ISO 8601 UTC, or undefined when absent or absurd. */
export function epochSecondsToIso(value: unknown): string | undefined {
  const seconds = toPositiveInt(value);
  if (seconds === undefined) return undefined;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
