import type { InventorySoftwareItem } from '@vigie/shared';
import { asRecord, cleanText } from './clean-values.js';
import { runCommand } from './run-command.js';
import { dedupeSoftware, makeSoftwareItem } from './software-item.js';

const UNINSTALL_KEYS = [
  'HKLM:\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*',
  'HKLM:\\Software\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*',
  'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*',
];

/**
 * Windows PowerShell 5.1 writes to a pipe in the OEM code page unless told otherwise: non-ASCII
 * product names would arrive mangled. A missing WOW6432Node key (32-bit Windows) is not an error.
 */
export const UNINSTALL_SCRIPT = [
  '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8',
  `Get-ItemProperty -Path ${UNINSTALL_KEYS.map((k) => `'${k}'`).join(',')} -ErrorAction SilentlyContinue` +
    ' | Select-Object DisplayName,DisplayVersion,Publisher,InstallDate,EstimatedSize,SystemComponent,ParentKeyName,ReleaseType' +
    ' | ConvertTo-Json',
].join('; ');

// Entries Add/Remove Programs hides: patches and updates hanging off a parent product.
const UPDATE_RELEASE_TYPE = /update|hotfix|service pack/i;

/** "yyyyMMdd" (the documented form) or "yyyy-MM-dd" → "yyyy-MM-dd"; anything else is dropped. */
export function parseInstallDate(value: unknown): string | undefined {
  const text = cleanText(value);
  const match = text === undefined ? null : /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1980 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return date.toISOString().slice(0, 10);
}

function kilobytesToBytes(value: unknown): number | undefined {
  const kb = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(kb) && kb > 0 ? kb * 1024 : undefined;
}

/** Parses ConvertTo-Json output of the uninstall keys (an array, or a bare object for one entry, or nothing). */
export function parseWindowsUninstallJson(stdout: string): InventorySoftwareItem[] {
  const text = stdout.replace(/^\uFEFF/, '').trim();
  if (text === '') return [];
  const parsed: unknown = JSON.parse(text);
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  const items: InventorySoftwareItem[] = [];
  for (const value of entries) {
    const entry = asRecord(value);
    if (String(entry.SystemComponent ?? '').trim() === '1') continue;
    if (cleanText(entry.ParentKeyName) !== undefined) continue;
    if (UPDATE_RELEASE_TYPE.test(cleanText(entry.ReleaseType) ?? '')) continue;
    const item = makeSoftwareItem('registry', {
      name: entry.DisplayName,
      version: entry.DisplayVersion,
      publisher: entry.Publisher,
      installedAt: parseInstallDate(entry.InstallDate),
      sizeBytes: kilobytesToBytes(entry.EstimatedSize),
    });
    if (item) items.push(item);
  }
  return dedupeSoftware(items);
}

export async function collectWindowsSoftware(): Promise<InventorySoftwareItem[]> {
  const stdout = await runCommand('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', UNINSTALL_SCRIPT], { timeoutMs: 120_000 });
  return parseWindowsUninstallJson(stdout);
}
