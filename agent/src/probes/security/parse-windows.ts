/**
 * Pure readers of Windows outputs. French and English Windows print the classic tools' labels in
 * their language, and the console code page may mangle accents when the output is piped: labels
 * and values are therefore recognised by accent-free fragments of both languages.
 */

/** ConvertTo-Json prints a bare object, not an array, for a single item; nothing for none. */
export function jsonList(text: string): Record<string, unknown>[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (!trimmed) return [];
  const parsed: unknown = JSON.parse(trimmed);
  return (Array.isArray(parsed) ? parsed : [parsed]).filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
}

export interface BitLockerVolume {
  volume: string;
  os: boolean;
  percent: number | null;
  protection: 'on' | 'off' | 'unknown';
  conversion: string;
}

/** `label : value` (French, space before the colon) or `label: value` (English). */
const splitLabel = (line: string) => {
  const m = /^\s*([^:]+?)\s*:\s*(.*?)\s*$/.exec(line);
  return m ? { label: (m[1] ?? '').toLowerCase(), value: m[2] ?? '' } : null;
};

/** `manage-bde -status`: one block per volume (`Volume C: [label]`, then `[OS Volume]` / `[Volume du système d’exploitation]`). */
export function parseManageBde(text: string): BitLockerVolume[] {
  const volumes: BitLockerVolume[] = [];
  let current: BitLockerVolume | undefined;
  for (const line of text.split(/\r?\n/)) {
    const head = /^Volume\s+([A-Z]:|\\\\\?\\Volume\{[^}]+\}\\?)/i.exec(line.trim());
    if (head) {
      current = { volume: (head[1] ?? '?').toUpperCase(), os: false, percent: null, protection: 'unknown', conversion: '' };
      volumes.push(current);
      continue;
    }
    if (!current) continue;
    // [OS Volume] / [Volume du système d’exploitation] / [Volume du syst?me d?exploitation]
    if (/^\s*\[(OS Volume|Volume du syst.{1,3}me d.{1,3}exploitation)\]/i.test(line)) current.os = true;
    const kv = splitLabel(line);
    if (!kv) continue;
    if (/percentage encrypted|pourcentage chiffr/.test(kv.label)) {
      const n = Number((/([\d]+(?:[.,]\d+)?)/.exec(kv.value)?.[1] ?? '').replace(',', '.'));
      current.percent = Number.isFinite(n) ? n : null;
    } else if (/^protection status|protection$/.test(kv.label) || /tat de la protection/.test(kv.label)) {
      // "Protection Off (1 reboots left)" is suspended: off.
      current.protection = /\boff\b|d.{1,3}sactiv|suspend/i.test(kv.value) ? 'off' : /\bon\b|activ/i.test(kv.value) ? 'on' : 'unknown';
    } else if (/conversion status|tat de la conversion/.test(kv.label)) {
      current.conversion = kv.value;
    }
  }
  return volumes;
}

/** Whether a conversion status says encryption is under way (EN/FR). */
export const conversionInProgress = (conversion: string) =>
  /encryption in progress|chiffrement en cours/i.test(conversion) && !/d.{1,3}chiffrement/i.test(conversion);

/** `Get-NetFirewallProfile | Select-Object Name,Enabled | ConvertTo-Json`: Enabled is a GpoBoolean (1 True, 0 False, 2 NotConfigured) in 5.1. */
export function parseFirewallProfiles(text: string): { name: string; enabled: boolean }[] {
  return jsonList(text).map((p) => ({
    name: typeof p.Name === 'string' ? p.Name : '?',
    enabled: p.Enabled === true || p.Enabled === 1 || p.Enabled === 'True' || p.Enabled === 'true',
  }));
}

const PRINCIPAL_SOURCE: Record<number, string> = { 0: 'Unknown', 1: 'Local', 2: 'ActiveDirectory', 3: 'AzureAD', 4: 'MicrosoftAccount' };

/** `Get-LocalGroupMember -SID S-1-5-32-544 | Select-Object Name,ObjectClass,PrincipalSource | ConvertTo-Json` (ObjectClass is localised: User/Utilisateur, Group/Groupe). */
export function parseLocalGroupMembers(text: string): { name: string; objectClass: string; source: string }[] {
  return jsonList(text)
    .filter((m) => typeof m.Name === 'string')
    .map((m) => ({
      name: m.Name as string,
      objectClass: typeof m.ObjectClass === 'string' ? m.ObjectClass : '?',
      source: typeof m.PrincipalSource === 'number' ? (PRINCIPAL_SOURCE[m.PrincipalSource] ?? String(m.PrincipalSource)) : String(m.PrincipalSource ?? '?'),
    }));
}

/** USBSTOR's `Start`: 3 (on demand) lets USB sticks mount; 4 (disabled) blocks them. */
export function parseUsbStorStart(text: string): number {
  const n = Number(text.trim());
  if (!Number.isInteger(n)) throw new Error(`unexpected USBSTOR Start value: ${text.trim().slice(0, 100)}`);
  return n;
}

/** A `net accounts` number, or null for Never/Jamais, Unlimited/Illimité, None/Aucun(e). */
const netNumber = (value: string) => (/^\d+$/.test(value.trim()) ? Number(value.trim()) : null);

/** `net accounts` (EN/FR): minimum length, maximum age, lockout threshold. */
export function parseNetAccounts(text: string): { minLength: number | null; maxAgeDays: number | null; lockoutThreshold: number | null } {
  const out: { minLength: number | null; maxAgeDays: number | null; lockoutThreshold: number | null } = {
    minLength: null,
    maxAgeDays: null,
    lockoutThreshold: null,
  };
  let seen = 0;
  for (const line of text.split(/\r?\n/)) {
    const kv = splitLabel(line);
    if (!kv) continue;
    if (/minimum password length|longueur minimale/.test(kv.label)) {
      out.minLength = netNumber(kv.value);
      seen++;
    } else if (/maximum password age|vie maximale/.test(kv.label)) {
      out.maxAgeDays = netNumber(kv.value);
      seen++;
    } else if (/lockout threshold|seuil de verrouillage/.test(kv.label)) {
      out.lockoutThreshold = netNumber(kv.value);
      seen++;
    }
  }
  if (seen === 0) throw new Error('net accounts printed none of the expected lines');
  if (out.minLength === 0) out.minLength = null;
  if (out.lockoutThreshold === 0) out.lockoutThreshold = null;
  return out;
}
