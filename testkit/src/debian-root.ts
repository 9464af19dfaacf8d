import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A Debian root for tests that need a whole machine's package state (dpkg, apt) they may change:
 * made once with debootstrap (minbase, the host's own Debian release and mirror) and kept in a
 * cache folder; each test mounts it through an overlay (its changes go to a temp folder) and runs
 * programs in it with `chroot`, in a network namespace of its own.
 *
 * Cost, measured on the 2-core development VM: the first build (88 packages of bookworm) takes
 * 37 to 90 s depending on the mirror's cache; the cached root is 175 MB; mounting it is instant.
 */

/** The mirror and release this machine's apt uses for Debian itself (deb822 `debian.sources` or `sources.list`). */
export function hostDebianMirror(): { mirror: string; suite: string; keyring?: string } {
  const release = readFileSync('/etc/os-release', 'utf8');
  const suite = /^VERSION_CODENAME=(\S+)$/m.exec(release)?.[1];
  if (!suite) throw new Error('/etc/os-release names no VERSION_CODENAME: not a Debian release');
  const deb822 = '/etc/apt/sources.list.d/debian.sources';
  if (existsSync(deb822)) {
    for (const stanza of readFileSync(deb822, 'utf8').split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
      // The keyring apt checks this mirror with, when the source names one: debootstrap checks with the same.
      const keyring = /^Signed-By:\s*(\/\S+)\s*$/m.exec(stanza)?.[1];
      if (uri && suites.includes(suite)) return { mirror: uri, suite, ...(keyring && existsSync(keyring) ? { keyring } : {}) };
    }
  }
  if (existsSync('/etc/apt/sources.list')) {
    const m = new RegExp(`^deb\\s+(?:\\[[^\\]]*\\]\\s+)?(\\S+)\\s+${suite}\\s`, 'm').exec(readFileSync('/etc/apt/sources.list', 'utf8'));
    if (m?.[1]) return { mirror: m[1], suite };
  }
  throw new Error(`no apt source for ${suite} found in /etc/apt: cannot tell debootstrap where Debian is`);
}

export const DEBIAN_ROOT_CACHE = process.env.VIGIE_TEST_CACHE ?? '/var/cache/vigie-test';

/**
 * The cached debootstrapped root (built now if missing): its folder, whether this call built it,
 * and how long that took. Built in a temp folder and renamed into place, so a build that failed or
 * was interrupted is never taken for a root, and two builds at once just race to the same result.
 */
export function cachedDebianRoot(opts: { include?: string[]; cacheDir?: string } = {}): { dir: string; built: boolean; ms: number } {
  const { mirror, suite, keyring } = hostDebianMirror();
  const include = [...(opts.include ?? [])].sort();
  const version = execFileSync('debootstrap', ['--version'], { encoding: 'utf8' }).trim();
  const key = createHash('sha256').update(JSON.stringify({ mirror, suite, include, version })).digest('hex').slice(0, 12);
  const cache = opts.cacheDir ?? DEBIAN_ROOT_CACHE;
  const dir = join(cache, `debian-${suite}-minbase-${key}`);
  if (existsSync(join(dir, 'etc', 'debian_version'))) return { dir, built: false, ms: 0 };
  mkdirSync(cache, { recursive: true });
  const tmp = `${dir}.build-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const started = Date.now();
  try {
    const options = ['--variant=minbase', ...(keyring ? [`--keyring=${keyring}`] : []), ...(include.length > 0 ? [`--include=${include.join(',')}`] : [])];
    execFileSync('debootstrap', [...options, suite, tmp, mirror], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 15 * 60_000,
    });
    // debootstrap leaves the downloaded packages in the root's apt cache: not needed, 60 MB.
    rmSync(join(tmp, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
    mkdirSync(join(tmp, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
    writeFileSync(join(tmp, 'etc', 'vigie-test-root'), JSON.stringify({ mirror, suite, include, version, builtAt: new Date().toISOString() }));
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`debootstrap ${suite} from ${mirror} failed: ${(err as { stderr?: Buffer }).stderr?.toString().slice(-2000) ?? (err as Error).message}`);
  }
  try {
    renameSync(tmp, dir);
  } catch (err) {
    // Another process finished first: its root is as good as ours.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, 'etc', 'debian_version'))) throw err;
  }
  return { dir, built: true, ms: Date.now() - started };
}

/** Whether this machine can make and enter such a root (root user, debootstrap, overlayfs). */
export function debianRootUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (chroot, mount, ip netns)';
  try {
    execFileSync('debootstrap', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'debootstrap is not installed';
  }
  return undefined;
}

/** The size of a folder tree in bytes (du), for the cost notes. */
export function treeBytes(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}
