import { stat } from 'node:fs/promises';
import type { AntivirusProbeConfig } from '@vigie/shared';
import type { ProbeContext } from '../probe.js';
import { parseDefaultsVersion, parseInstallHistoryJson, type XProtectBundle, xprotectState } from './parse-darwin.js';
import type { AvProductState } from './product-state.js';

/** Since macOS 15 XProtect updates through iCloud into the first bundle, which install history does not list. */
export const XPROTECT_BUNDLES = [
  '/var/protected/xprotect/XProtect.bundle/Contents/Info.plist',
  '/Library/Apple/System/Library/CoreServices/XProtect.bundle/Contents/Info.plist',
];

async function bundle(ctx: ProbeContext, plist: string): Promise<XProtectBundle> {
  const mtime = await stat(plist).then(
    (s) => s.mtimeMs,
    () => null,
  );
  if (mtime === null) return { version: null, mtime };
  const r = await ctx.run('defaults', ['read', plist, 'CFBundleShortVersionString'], { timeoutMs: 10_000 }).catch(() => null);
  return { version: r && r.code === 0 ? parseDefaultsVersion(r.stdout) : null, mtime };
}

export async function collectDarwin(ctx: ProbeContext, cfg: AntivirusProbeConfig): Promise<AvProductState[]> {
  const r = await ctx.run('system_profiler', ['SPInstallHistoryDataType', '-json'], { timeoutMs: 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.code !== 0) throw new Error(`system_profiler exited with ${r.code}: ${r.stderr.trim().slice(0, 200)}`);
  const history = parseInstallHistoryJson(r.stdout);
  const bundles = await Promise.all(XPROTECT_BUNDLES.map((p) => bundle(ctx, p)));
  return [xprotectState(history, bundles, { warning: cfg.xprotectWarningDays, critical: cfg.xprotectCriticalDays })];
}
