import type { ProbeContext } from '../probe.js';
import { firstLine, type PlatformLister } from './model.js';
import { parseWindowsUpdates } from './parse-windows.js';

/**
 * A fixed script (no policy value is spliced into it): the Windows Update searcher's software
 * updates not installed and not hidden, with what the list needs, and whether Windows waits for a
 * restart. The agent runs as LocalSystem, which the searcher needs.
 */
export const WINDOWS_UPDATE_SCRIPT = [
  '$ErrorActionPreference = "Stop"',
  '$r = (New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher().Search("IsInstalled=0 and IsHidden=0 and Type=\'Software\'")',
  '$list = @($r.Updates | ForEach-Object { [pscustomobject]@{ UpdateID = $_.Identity.UpdateID; Revision = $_.Identity.RevisionNumber; Title = $_.Title; KB = @($_.KBArticleIDs); Severity = $_.MsrcSeverity; Reboot = $_.InstallationBehavior.RebootBehavior; Categories = @($_.Categories | ForEach-Object { $_.CategoryID }) } })',
  '[pscustomobject]@{ RebootRequired = (New-Object -ComObject Microsoft.Update.SystemInfo).RebootRequired; Updates = $list } | ConvertTo-Json -Depth 4 -Compress',
].join('; ');

export async function windowsUpdateSearch(ctx: ProbeContext) {
  const r = await ctx.run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', WINDOWS_UPDATE_SCRIPT], { timeoutMs: 290_000 });
  if (r.code !== 0) throw new Error(`Windows Update search failed (exit ${r.code}): ${firstLine(r.stderr)}`);
  return parseWindowsUpdates(r.stdout);
}

export const windowsLister: PlatformLister = async (ctx) => {
  const u = await windowsUpdateSearch(ctx);
  return { source: 'windows-update', updates: u.updates, rebootPending: u.rebootPending };
};
