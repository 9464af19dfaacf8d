// A throw-away root for `dpkg --root`: an empty dpkg database, and account files holding only root
// (what useradd --prefix edits). The maintainer scripts run chrootless with DPKG_ROOT set.
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DpkgResult {
  code: number;
  output: string;
}

export function makeDpkgRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'vigie-dpkg-root-'));
  for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers', 'var/log', 'etc', 'lib/systemd/system']) {
    mkdirSync(join(root, d), { recursive: true });
  }
  writeFileSync(join(root, 'var/lib/dpkg/status'), '');
  writeFileSync(join(root, 'var/lib/dpkg/available'), '');
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\n');
  for (const f of ['shadow', 'gshadow']) {
    writeFileSync(join(root, 'etc', f), f === 'shadow' ? 'root:*:19000:0:99999:7:::\n' : 'root:*::\n');
    chmodSync(join(root, 'etc', f), 0o600);
  }
  return root;
}

/**
 * Records `pkg` as installed in the throw-away root, with this machine's own dpkg record of it (the
 * test set-up installs the Debian packages the tests need): what the agent's Depends asks for.
 */
export function recordInstalled(root: string, pkg: string): void {
  const stanza = execFileSync('dpkg-query', ['--status', pkg], { encoding: 'utf8' });
  appendFileSync(join(root, 'var/lib/dpkg/status'), `${stanza.trimEnd()}\n\n`);
}

/** The targets and slices of this machine's systemd, as a systemd-based system has them. */
export function addSystemdUnits(root: string): void {
  for (const f of readdirSync('/lib/systemd/system')) {
    if (f.endsWith('.target') || f.endsWith('.slice')) copyFileSync(join('/lib/systemd/system', f), join(root, 'lib/systemd/system', f));
  }
}

export function dpkg(root: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<DpkgResult> {
  return new Promise((resolve) => {
    execFile(
      'dpkg',
      [`--root=${root}`, '--force-not-root', '--force-script-chrootless', '--log=/dev/null', ...args],
      { encoding: 'utf8', env: { ...process.env, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? ((err.code as number | undefined) ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

export function accountIds(root: string, name: string): { uid: number; gid: number } | undefined {
  const line = readFileSync(join(root, 'etc/passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
