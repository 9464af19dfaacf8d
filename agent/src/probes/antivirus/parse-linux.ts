/**
 * ClamAV signature containers (`.cvd`, `.cld`, `.cud`) start with a 512-byte text header, padded with
 * spaces: `ClamAV-VDB:<build time text>:<version>:<signature count>:<functionality level>:<md5>:
 * <digital signature>:<builder>:<build time, Unix seconds>` (libclamav `cl_cvdparse`; `sigtool --info`
 * prints the same fields). The text time ("14 Feb 2025 07-27 +0000") uses `-` so it holds no colon.
 */
export interface CvdHeader {
  version: number;
  signatures: number;
  builder: string;
  /** UTC ms. */
  buildTime: number;
}

export const CVD_HEADER_BYTES = 512;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "14 Feb 2025 07-27 +0000" — for headers without the epoch field (very old databases). */
function parseTextTime(text: string): number | null {
  const m = /^(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2})-(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[2] ?? '');
  if (month < 0) return null;
  const offsetMin = (Number(m[7]) * 60 + Number(m[8])) * (m[6] === '-' ? -1 : 1);
  return Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5])) - offsetMin * 60_000;
}

/** The header of a signature container, or null when the bytes are not one. */
export function parseCvdHeader(head: string): CvdHeader | null {
  const text = head.slice(0, CVD_HEADER_BYTES).replace(/[\s\0]+$/, '');
  if (!text.startsWith('ClamAV-VDB:')) return null;
  const f = text.split(':');
  const version = Number(f[2]);
  const signatures = Number(f[3]);
  if (!Number.isInteger(version) || !Number.isInteger(signatures)) return null;
  const epoch = f[8] !== undefined && /^\d{9,11}$/.test(f[8]) ? Number(f[8]) * 1000 : null;
  const buildTime = epoch ?? parseTextTime(f[1] ?? '');
  if (buildTime === null) return null;
  return { version, signatures, builder: f[7] ?? '', buildTime };
}

/** Signature files ClamAV loads besides containers (databases added by hand or by third parties). */
export const LOOSE_SIGNATURE_EXT = /\.(hdb|hsb|hdu|hsu|mdb|msb|mdu|msu|ndb|ndu|ldb|ldu|idb|cdb|cbc|pdb|gdb|wdb|yar|yara)$/;
export const CONTAINER_EXT = /\.(cvd|cld|cud)$/;
