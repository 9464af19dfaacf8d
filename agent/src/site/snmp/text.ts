import type { SnmpValue } from './session.js';

// Strings from a device are untrusted: any bytes, any length, any encoding.

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * An OCTET STRING as readable text: UTF-8 when it is valid UTF-8, else Latin-1 (older printers and
 * switches); control characters become spaces, blanks are collapsed, and the result is capped.
 */
export function deviceText(value: SnmpValue | undefined, maxLength = 256): string {
  if (value === undefined || value === null) return '';
  let s: string;
  if (Buffer.isBuffer(value)) {
    try {
      s = utf8.decode(value);
    } catch {
      s = value.toString('latin1');
    }
  } else s = String(value);
  s = s
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return Array.from(s).slice(0, maxLength).join('');
}

/** An integer value, or undefined when the device gave something else. */
export function deviceInt(value: SnmpValue | undefined): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  return undefined;
}
