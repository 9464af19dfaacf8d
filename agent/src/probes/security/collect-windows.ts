import { windowsUpdateSearch } from '../patches/collect-windows.js';
import type { ProbeContext } from '../probe.js';
import { type DiskEncryption, type PlatformCollectors, stdoutOf, updatesFrom } from './model.js';
import { conversionInProgress, parseFirewallProfiles, parseLocalGroupMembers, parseManageBde, parseNetAccounts, parseUsbStorStart } from './parse-windows.js';

/** Fixed scripts: no policy value is ever spliced into them. */
export const SCRIPTS = {
  firewall: 'Get-NetFirewallProfile | Select-Object Name,Enabled | ConvertTo-Json -Depth 2',
  admins: 'Get-LocalGroupMember -SID S-1-5-32-544 | Select-Object Name,ObjectClass,PrincipalSource | ConvertTo-Json -Depth 2',
  usb: "Get-ItemPropertyValue -Path 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\USBSTOR' -Name Start",
} as const;

const powershell = (ctx: ProbeContext, script: string, timeoutMs = 60_000) =>
  stdoutOf(ctx, 'powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script], [0], timeoutMs);

/** Windows (the agent runs as SYSTEM: manage-bde and the Update searcher need it). Quotas are not checked on Windows. */
export const windowsCollectors: PlatformCollectors = {
  async 'disk-encryption'(ctx): Promise<DiskEncryption> {
    const volumes = parseManageBde(await stdoutOf(ctx, 'manage-bde', ['-status']));
    const os = volumes.find((v) => v.os) ?? volumes.find((v) => v.volume === 'C:');
    if (!os) throw new Error('manage-bde listed no operating system volume');
    const values: Record<string, number | string | null> = { method: 'bitlocker', volume: os.volume, percent: os.percent, protection: os.protection };
    for (const v of volumes) values[`vol_${v.volume.replace(/\W/g, '')}_protection`] = v.protection;
    const detail = `${os.volume} ${os.percent ?? '?'} % encrypted, protection ${os.protection}`;
    return { encrypted: os.protection === 'on' && (os.percent ?? 0) >= 100, inProgress: conversionInProgress(os.conversion), detail, values };
  },
  async firewall(ctx) {
    const profiles = parseFirewallProfiles(await powershell(ctx, SCRIPTS.firewall));
    if (profiles.length === 0) throw new Error('Get-NetFirewallProfile returned no profile');
    const off = profiles.filter((p) => !p.enabled).map((p) => p.name);
    const values = Object.fromEntries(profiles.map((p) => [`profile_${p.name}`, p.enabled]));
    return {
      enabled: off.length === 0,
      detail: off.length === 0 ? `all profiles on (${profiles.map((p) => p.name).join(', ')})` : `off: ${off.join(', ')}`,
      values: { method: 'netsecurity', ...values },
    };
  },
  // The patches probe's Windows Update search (security = category "Security Updates", definitions, or an MSRC severity).
  updates: async (ctx) => updatesFrom({ source: 'windows-update', ...(await windowsUpdateSearch(ctx)) }),
  async admins(ctx) {
    const members = parseLocalGroupMembers(await powershell(ctx, SCRIPTS.admins));
    return {
      admins: members.map((m) => m.name).sort(),
      values: { method: 'Get-LocalGroupMember', groups: members.filter((m) => /^gro/i.test(m.objectClass)).length },
    };
  },
  async 'usb-storage'(ctx) {
    const start = parseUsbStorStart(await powershell(ctx, SCRIPTS.usb));
    return { blocked: start === 4, detail: `USBSTOR Start = ${start}`, values: { method: 'registry', usbstorStart: start } };
  },
  async 'password-policy'(ctx) {
    const p = parseNetAccounts(await stdoutOf(ctx, 'net', ['accounts']));
    return { ...p, values: { method: 'net accounts' } };
  },
};
