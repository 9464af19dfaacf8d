import { access, stat } from 'node:fs/promises';
import type { InventorySoftwareItem } from '@vigie/shared';
import { cleanText, epochSecondsToIso } from './clean-values.js';
import { runCommand } from './run-command.js';
import { dedupeSoftware, makeSoftwareItem } from './software-item.js';

/**
 * The brief's dpkg format plus a trailing `${db:Status-Abbrev}`: without it, packages that were
 * removed but left their configuration files ("rc") would be listed as installed.
 * `db-fsys:Last-Modified` (dpkg ≥ 1.19.3) is the mtime of the package's .list file: dpkg keeps no
 * install date, this is the last install or upgrade. Older dpkg prints nothing for it.
 */
export const DPKG_QUERY_ARGS = [
  '-W',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax, not a template
  '--showformat=${Package}\\t${Version}\\t${Maintainer}\\t${Architecture}\\t${Installed-Size}\\t${db-fsys:Last-Modified}\\t${db:Status-Abbrev}\\n',
] as const;

export const RPM_QA_ARGS = ['-qa', '--queryformat', '%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{VENDOR}\\t%{ARCH}\\t%{SIZE}\\t%{INSTALLTIME}\\n'] as const;

const DPKG_STATUS_FILE = '/var/lib/dpkg/status';
const DPKG_INFO_DIR = '/var/lib/dpkg/info';
const RPM_DATABASES = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'];

// Second letter of db:Status-Abbrev: i = installed; W/t = installed, triggers pending.
const INSTALLED_STATES = new Set(['i', 'W', 't']);

/** "Name <mail@example.org>" → "Name"; a maintainer given only as an address is kept as is. */
function maintainerName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const name = value.replace(/\s*<[^>]*>\s*$/, '').trim();
  return name.length > 0 ? name : value;
}

/** Parses `dpkg-query -W -f=…` output (see DPKG_QUERY_ARGS); the status column is optional. */
export function parseDpkgQuery(stdout: string): InventorySoftwareItem[] {
  const items: InventorySoftwareItem[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const [name, version, maintainer, arch, installedKiB, lastModified, status] = line.split('\t');
    if (status !== undefined && status.trim() !== '' && !INSTALLED_STATES.has(status[1] ?? '')) continue;
    const kib = Number(installedKiB);
    const item = makeSoftwareItem('dpkg', {
      name,
      version,
      publisher: maintainerName(cleanText(maintainer)),
      installedAt: epochSecondsToIso(lastModified?.trim()),
      arch,
      sizeBytes: installedKiB !== undefined && installedKiB.trim() !== '' && Number.isFinite(kib) ? kib * 1024 : undefined,
    });
    if (item) items.push(item);
  }
  return dedupeSoftware(items);
}

const RPM_NONE = '(none)';
const rpmField = (value: string | undefined): string | undefined => (value === undefined || value.trim() === RPM_NONE ? undefined : value);

/** Parses `rpm -qa --queryformat …` output (see RPM_QA_ARGS); "(none)" is rpm's empty value. */
export function parseRpmQa(stdout: string): InventorySoftwareItem[] {
  const items: InventorySoftwareItem[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const [name, versionRelease, vendor, arch, size, installTime] = line.split('\t');
    const item = makeSoftwareItem('rpm', {
      name: rpmField(name),
      // A package without a release prints "1.0-(none)".
      version: rpmField(versionRelease)?.replace(/-\(none\)$/, ''),
      publisher: rpmField(vendor),
      installedAt: epochSecondsToIso(rpmField(installTime)?.trim()),
      arch: rpmField(arch),
      sizeBytes: rpmField(size)?.trim() || undefined,
    });
    if (item) items.push(item);
  }
  return dedupeSoftware(items);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

// dpkg package names: lowercase letters, digits, + - . (Debian policy 5.6.1); anything else is not a file we stat.
const DPKG_NAME = /^[a-z0-9][a-z0-9+.-]*$/;
const DPKG_ARCH = /^[a-z0-9-]+$/;

/** For dpkg without db-fsys:Last-Modified: the mtime of info/<pkg>.list or info/<pkg>:<arch>.list. */
export async function fillDpkgInstallDates(items: InventorySoftwareItem[], infoDir = DPKG_INFO_DIR): Promise<void> {
  const missing = items.filter((item) => item.installedAt === undefined && DPKG_NAME.test(item.name));
  const mtime = async (path: string): Promise<string | undefined> => {
    try {
      return (await stat(path)).mtime.toISOString();
    } catch {
      return undefined;
    }
  };
  const BATCH = 64;
  for (let i = 0; i < missing.length; i += BATCH) {
    await Promise.all(
      missing.slice(i, i + BATCH).map(async (item) => {
        let at = await mtime(`${infoDir}/${item.name}.list`);
        if (at === undefined && item.arch !== undefined && DPKG_ARCH.test(item.arch)) at = await mtime(`${infoDir}/${item.name}:${item.arch}.list`);
        if (at !== undefined) item.installedAt = at;
      }),
    );
  }
}

/** Installed packages from whichever database this Linux has: dpkg first, then rpm. */
export async function collectLinuxSoftware(): Promise<InventorySoftwareItem[]> {
  if (await exists(DPKG_STATUS_FILE)) {
    const items = parseDpkgQuery(await runCommand('dpkg-query', DPKG_QUERY_ARGS));
    await fillDpkgInstallDates(items);
    return items;
  }
  for (const db of RPM_DATABASES) {
    if (await exists(db)) return parseRpmQa(await runCommand('rpm', RPM_QA_ARGS));
  }
  throw new Error('no dpkg or rpm package database found');
}
