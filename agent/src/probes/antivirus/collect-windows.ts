import type { ProbeContext } from '../probe.js';
import { type DefenderStatus, parseDefenderJson, parseSecurityCenterJson, type SecurityCenterProduct, windowsProducts } from './parse-windows.js';
import type { AvProductState } from './product-state.js';

// UTF-8 out so product names with accents survive; Select-Object turns CIM instances into plain objects.
const PRELUDE = '[Console]::OutputEncoding = [Text.Encoding]::UTF8; $ErrorActionPreference = "Stop"; ';
export const SECURITY_CENTER_SCRIPT = `${PRELUDE}Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct | Select-Object displayName, instanceGuid, pathToSignedReportingExe, productState, timestamp | ConvertTo-Json -Depth 4`;
export const DEFENDER_SCRIPT = `${PRELUDE}Get-MpComputerStatus | Select-Object AMRunningMode, AMServiceEnabled, AntivirusEnabled, RealTimeProtectionEnabled, AntivirusSignatureLastUpdated, AntivirusSignatureAge, AntivirusSignatureVersion, QuickScanEndTime, FullScanEndTime | ConvertTo-Json -Depth 4`;

const powershell = (ctx: ProbeContext, script: string) =>
  ctx.run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script], { timeoutMs: 60_000 });

/** Security Center's products, or null where the namespace does not exist (Windows Server). */
async function securityCenter(ctx: ProbeContext): Promise<SecurityCenterProduct[] | null> {
  const r = await powershell(ctx, SECURITY_CENTER_SCRIPT);
  return r.code === 0 ? parseSecurityCenterJson(r.stdout) : null;
}

/** Defender's status, or null where the Defender module or service is absent. */
async function defender(ctx: ProbeContext): Promise<DefenderStatus | null> {
  const r = await powershell(ctx, DEFENDER_SCRIPT);
  return r.code === 0 ? parseDefenderJson(r.stdout) : null;
}

export async function collectWindows(ctx: ProbeContext): Promise<AvProductState[]> {
  const sc = await securityCenter(ctx);
  const needDefender = sc === null || sc.length === 0 || sc.some((p) => p.decoded.windowsOwned);
  return windowsProducts(sc, needDefender ? await defender(ctx) : null, ctx.now());
}
