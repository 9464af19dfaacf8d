import type { PendingUpdate } from '@vigie/shared';
import { needsReboot } from './reboot-packages.js';

/** `name.arch`: the architecture is the part after the last dot (names may hold dots: python3.11). */
function splitNameArch(na: string): { name: string; arch: string } {
  const dot = na.lastIndexOf('.');
  return dot <= 0 ? { name: na, arch: 'noarch' } : { name: na.slice(0, dot), arch: na.slice(dot + 1) };
}

/**
 * `dnf check-update` / `yum check-update` (exit 100 when updates exist; `--security` for the security
 * ones): `name.arch  [epoch:]version-release  repository` per package, a long name pushing the rest
 * onto the next line. Stops at "Obsoleting Packages", whose lines are not updates.
 */
export function parseCheckUpdate(text: string): { name: string; arch: string; version: string; repo: string }[] {
  const out: { name: string; arch: string; version: string; repo: string }[] = [];
  const tokens: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (/^Obsoleting Packages/i.test(raw)) break;
    const line = raw.trim();
    if (!line || /^(Last metadata|Security:|Loaded plugins|Loading mirror|\*|Updating Subscription|This system is)/i.test(line)) continue;
    tokens.push(...line.split(/\s+/));
    while (tokens.length >= 3) {
      const [na = '', version = '', repo = ''] = tokens.splice(0, 3);
      // A header or a message, not a package: a package line's first word is `name.arch`.
      if (!/^[^\s.]+(\.[^\s.]+)*\.[A-Za-z0-9_]+$/.test(na) || !/^[\w.:~^+-]+$/.test(version)) {
        throw new Error(`unexpected check-update line: ${line.slice(0, 200)}`);
      }
      out.push({ ...splitNameArch(na), version, repo });
    }
  }
  if (tokens.length > 0) throw new Error(`unexpected end of check-update output: ${tokens.join(' ').slice(0, 200)}`);
  return out;
}

/**
 * rpm's version order: epoch, then version, then release, each by rpmvercmp (alternating runs of
 * digits compared as numbers and letters compared as text, other characters only separate, `~`
 * before anything).
 */
export function rpmVersionCompare(a: string, b: string): number {
  const parts = (evr: string) => {
    const colon = evr.indexOf(':');
    const epoch = colon > 0 ? Number(evr.slice(0, colon)) : 0;
    const vr = colon > 0 ? evr.slice(colon + 1) : evr;
    const dash = vr.lastIndexOf('-');
    return { epoch, version: dash > 0 ? vr.slice(0, dash) : vr, release: dash > 0 ? vr.slice(dash + 1) : '' };
  };
  const x = parts(a);
  const y = parts(b);
  return x.epoch - y.epoch || rpmvercmp(x.version, y.version) || rpmvercmp(x.release, y.release);
}

function rpmvercmp(a: string, b: string): number {
  const seg = (v: string) => v.match(/~|\d+|[A-Za-z]+/g) ?? [];
  const sa = seg(a);
  const sb = seg(b);
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    const x = sa[i];
    const y = sb[i];
    if (x === y) continue;
    if (x === '~') return -1;
    if (y === '~') return 1;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && !ny) return 1;
    if (!nx && ny) return -1;
    if (nx) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Our `rpm -qa --qf '%{NAME}.%{ARCH} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\n'`: the installed version
 * of each `name.arch` (epoch 0 left out, as dnf prints it); of several (kernels), the newest.
 */
export function parseRpmInstalled(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^(\S+) (\d+):(\S+)$/.exec(line.trim());
    if (!m) continue;
    const version = m[2] === '0' ? m[3]! : `${m[2]}:${m[3]}`;
    const known = out.get(m[1]!);
    if (known === undefined || rpmVersionCompare(version, known) > 0) out.set(m[1]!, version);
  }
  return out;
}

/** The pending list from the check-update answers and the installed versions. */
export function rpmPending(
  updates: ReturnType<typeof parseCheckUpdate>,
  security: ReturnType<typeof parseCheckUpdate>,
  installed: Map<string, string>,
): PendingUpdate[] {
  const secure = new Set(security.map((s) => `${s.name}.${s.arch}`));
  return updates.map((u) => ({
    name: u.name,
    arch: u.arch,
    installedVersion: installed.get(`${u.name}.${u.arch}`) ?? null,
    candidateVersion: u.version,
    security: secure.has(`${u.name}.${u.arch}`),
    rebootRequired: needsReboot(u.name),
    origin: u.repo,
  }));
}

/**
 * `dnf needs-restarting -r` / `needs-restarting -r`: exit 1 with "Reboot is required" when core
 * libraries or services were updated since boot, exit 0 with "Reboot should not be necessary".
 * null when the command is not there (the plugin is not installed).
 */
export function parseNeedsRestarting(code: number, text: string): boolean | null {
  if (/No such command|not found|Unknown command/i.test(text)) return null;
  if (code === 1 && /reboot is required/i.test(text)) return true;
  if (code === 0 && /reboot should not be necessary/i.test(text)) return false;
  return null;
}
