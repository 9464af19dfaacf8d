import type { AvProductState } from './product-state.js';

/**
 * `productState` of `root/SecurityCenter2 AntiVirusProduct` is undocumented by Microsoft except for
 * the enums it packs (WSC_SECURITY_PROVIDER, WSC_SECURITY_PRODUCT_STATE in iwscapi.h). The decoding
 * everyone uses, read as hex 0xPPSSOD:
 * - bits 12–15 (0xF000): product state — 0x0 off, 0x1 on, 0x2 snoozed, 0x3 expired;
 * - bits 8–11 (0x0F00): owner — 0x1 Windows (Defender), 0x0 a third party;
 * - bits 4–7 (0x00F0): signatures — 0x00 up to date, 0x10 out of date;
 * - bits 16–23: WSC_SECURITY_PROVIDER flags (0x04 antivirus, 0x02 auto-update settings…).
 * Sources: Idera PowerShell tip "Identifying Antivirus Engine State" (2020-09-07, masks 0xF000 /
 * 0x0F00 / 0x00F0 and their values); neophob.com "WMI query Windows SecurityCenter2" (2010, byte
 * split, 266240 = 0x041000 antivirus, active, up to date); mcpforlife.com "How to resolve this state
 * value of AV providers" (2020-04-14); the list of values seen on 10,000 endpoints in Stack Overflow
 * question 4700897. 397568 (0x061100) is Defender on and up to date, 393472 (0x060100) Defender off.
 */
export interface DecodedProductState {
  state: 'off' | 'on' | 'snoozed' | 'expired' | 'unknown';
  signaturesUpToDate: boolean;
  windowsOwned: boolean;
  hex: string;
}

const STATES = ['off', 'on', 'snoozed', 'expired'] as const;

export function decodeProductState(productState: number): DecodedProductState {
  const nibble = (productState & 0xf000) >> 12;
  return {
    state: STATES[nibble] ?? 'unknown',
    signaturesUpToDate: (productState & 0x00f0) !== 0x10,
    windowsOwned: (productState & 0x0f00) === 0x100,
    hex: `0x${productState.toString(16).padStart(6, '0')}`,
  };
}

/**
 * Dates as PowerShell's ConvertTo-Json writes them: Windows PowerShell 5.1 `"\/Date(1700000000000)\/"`
 * (JSON.parse leaves `/Date(…)/`, optionally with an offset that does not change the instant);
 * PowerShell 7 an ISO 8601 string; an object with `value` when the DateTime carried extra properties.
 */
export function parsePsDate(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'object' && 'value' in (v as object)) return parsePsDate((v as { value: unknown }).value);
  if (typeof v !== 'string') return null;
  const m = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(v);
  // Defender writes an unset scan time as the .NET minimum / Windows FILETIME zero; neither is a scan.
  if (m) return Number(m[1]) > 0 ? Number(m[1]) : null;
  const t = Date.parse(v);
  return Number.isFinite(t) && t > 0 ? t : null;
}

/** ConvertTo-Json prints nothing for no input, a bare object for one, an array for several. */
function jsonList(stdout: string): Record<string, unknown>[] {
  const text = stdout.replace(/^\uFEFF/, '').trim();
  if (text === '') return [];
  const parsed: unknown = JSON.parse(text);
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const bool = (v: unknown) => (typeof v === 'boolean' ? v : null);

export interface SecurityCenterProduct {
  displayName: string;
  productState: number;
  decoded: DecodedProductState;
  /** When Security Center last saw the state change (RFC 1123 text in the class), UTC ms. */
  timestamp: number | null;
}

/** `Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct | Select-Object … | ConvertTo-Json`. */
export function parseSecurityCenterJson(stdout: string): SecurityCenterProduct[] {
  return jsonList(stdout).flatMap((o) => {
    const name = str(o.displayName);
    const state = typeof o.productState === 'number' ? o.productState : Number(o.productState);
    if (!name || !Number.isInteger(state)) return [];
    return [{ displayName: name, productState: state, decoded: decodeProductState(state), timestamp: parsePsDate(o.timestamp) }];
  });
}

export interface DefenderStatus {
  runningMode: string | null;
  serviceEnabled: boolean | null;
  antivirusEnabled: boolean | null;
  realTime: boolean | null;
  signaturesUpdatedAt: number | null;
  signatureAgeDays: number | null;
  signatureVersion: string | null;
  /** Newest of the quick and full scan end times; null: never. */
  lastScanAt: number | null;
}

/** `Get-MpComputerStatus | Select-Object … | ConvertTo-Json`. */
export function parseDefenderJson(stdout: string): DefenderStatus | null {
  const o = jsonList(stdout)[0];
  if (!o) return null;
  const scans = [parsePsDate(o.QuickScanEndTime), parsePsDate(o.FullScanEndTime)].filter((t): t is number => t !== null);
  const age = typeof o.AntivirusSignatureAge === 'number' && o.AntivirusSignatureAge < 65_535 ? o.AntivirusSignatureAge : null;
  return {
    runningMode: str(o.AMRunningMode),
    serviceEnabled: bool(o.AMServiceEnabled),
    antivirusEnabled: bool(o.AntivirusEnabled),
    realTime: bool(o.RealTimeProtectionEnabled),
    signaturesUpdatedAt: parsePsDate(o.AntivirusSignatureLastUpdated),
    signatureAgeDays: age,
    signatureVersion: str(o.AntivirusSignatureVersion),
    lastScanAt: scans.length > 0 ? Math.max(...scans) : null,
  };
}

const DEFENDER_NAME = /defender/i;

function defenderState(d: DefenderStatus, name: string, enabled: boolean | null, now: number): AvProductState {
  const updatedAt = d.signaturesUpdatedAt ?? (d.signatureAgeDays !== null ? now - d.signatureAgeDays * 86_400_000 : null);
  return {
    product: name,
    source: 'defender',
    enabled,
    realTime: d.realTime,
    signaturesUpToDate: null,
    hasSignatures: null,
    signaturesUpdatedAt: updatedAt,
    signatureVersion: d.signatureVersion,
    lastScanAt: d.lastScanAt,
    ...(d.runningMode ? { detail: `mode ${d.runningMode}` } : {}),
  };
}

/**
 * Security Center's products (null: the namespace does not exist, as on Windows Server), enriched by
 * Defender's own status for the Defender entry; Defender alone where there is no Security Center.
 */
export function windowsProducts(sc: SecurityCenterProduct[] | null, defender: DefenderStatus | null, now: number): AvProductState[] {
  const defenderEnabled = defender ? defender.serviceEnabled !== false && defender.antivirusEnabled !== false : null;
  if (sc === null || sc.length === 0) {
    // No Security Center (server) or nothing registered: Defender if its service exists.
    return defender && defender.serviceEnabled !== null ? [defenderState(defender, 'Microsoft Defender Antivirus', defenderEnabled, now)] : [];
  }
  return sc.map((p) => {
    const enabled = p.decoded.state === 'on' ? true : p.decoded.state === 'unknown' ? null : false;
    const detail = `Security Center state ${p.decoded.state}, ${p.decoded.hex}`;
    if (defender && DEFENDER_NAME.test(p.displayName) && p.decoded.windowsOwned) {
      const d = defenderState(defender, p.displayName, enabled, now);
      return {
        ...d,
        source: 'security-center+defender',
        signaturesUpToDate: p.decoded.signaturesUpToDate,
        detail: `${detail}${d.detail ? `; ${d.detail}` : ''}`,
      };
    }
    return {
      product: p.displayName,
      source: 'security-center',
      enabled,
      realTime: null,
      signaturesUpToDate: p.decoded.signaturesUpToDate,
      hasSignatures: null,
      signaturesUpdatedAt: null,
      signatureVersion: null,
      detail,
    };
  });
}
