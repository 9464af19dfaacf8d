import type { AvProductState } from './product-state.js';

/**
 * XProtect's data arrives as silent updates named `XProtectPlistConfigData` (the signatures, versions
 * such as 2167, shown as "1.0 2167" by some tools) and `XProtectPayloads` (XProtect Remediator); `system_profiler
 * SPInstallHistoryDataType -json` lists each install with `_name`, `install_date` (ISO 8601, UTC),
 * `install_version` and `package_source`. Names carry suffixes such as `XProtectPlistConfigData_10_15`.
 */
export interface XProtectHistory {
  configVersion: string | null;
  configInstalledAt: number | null;
  remediatorVersion: string | null;
  remediatorInstalledAt: number | null;
}

interface Install {
  version: string | null;
  at: number;
}

function newest(items: Record<string, unknown>[], prefix: string): Install | null {
  let best: Install | null = null;
  for (const it of items) {
    if (typeof it._name !== 'string' || !it._name.startsWith(prefix)) continue;
    const at = typeof it.install_date === 'string' ? Date.parse(it.install_date) : Number.NaN;
    if (!Number.isFinite(at)) continue;
    if (!best || at > best.at) best = { at, version: typeof it.install_version === 'string' ? it.install_version.trim() : null };
  }
  return best;
}

export function parseInstallHistoryJson(stdout: string): XProtectHistory {
  const parsed = JSON.parse(stdout) as { SPInstallHistoryDataType?: unknown };
  const items = Array.isArray(parsed.SPInstallHistoryDataType)
    ? parsed.SPInstallHistoryDataType.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null)
    : [];
  const config = newest(items, 'XProtectPlistConfigData');
  const remediator = newest(items, 'XProtectPayloads');
  return {
    configVersion: config?.version ?? null,
    configInstalledAt: config?.at ?? null,
    remediatorVersion: remediator?.version ?? null,
    remediatorInstalledAt: remediator?.at ?? null,
  };
}

/** `defaults read <Info.plist> CFBundleShortVersionString` prints the version and a newline. */
export function parseDefaultsVersion(stdout: string): string | null {
  const v = stdout.trim();
  return /^[0-9][0-9A-Za-z. ]{0,31}$/.test(v) ? v : null;
}

/** Compares "2167", "1.0 2167", "5322" by their last number. */
export const versionNumber = (v: string | null) => (v ? Number(/(\d+)\s*$/.exec(v)?.[1] ?? Number.NaN) : Number.NaN);

export interface XProtectBundle {
  version: string | null;
  mtime: number | null;
}

export function xprotectState(history: XProtectHistory, bundles: readonly XProtectBundle[], limitsDays: { warning: number; critical: number }): AvProductState {
  const dates = [history.configInstalledAt, ...bundles.map((b) => b.mtime)].filter((t): t is number => t !== null);
  const versions = [history.configVersion, ...bundles.map((b) => b.version)].filter((v): v is string => v !== null);
  const version = versions.sort((a, b) => (versionNumber(b) || -1) - (versionNumber(a) || -1))[0] ?? null;
  return {
    product: 'XProtect',
    source: 'xprotect',
    // Part of macOS, always on, and scans on launch and download: nothing to switch off.
    enabled: true,
    realTime: true,
    signaturesUpToDate: null,
    hasSignatures: dates.length > 0 || version !== null ? true : null,
    signaturesUpdatedAt: dates.length > 0 ? Math.max(...dates) : null,
    signatureVersion: version,
    ageLimitsHours: { warning: limitsDays.warning * 24, critical: limitsDays.critical * 24 },
    ...(history.remediatorVersion ? { detail: `XProtect Remediator ${history.remediatorVersion}` } : {}),
  };
}
