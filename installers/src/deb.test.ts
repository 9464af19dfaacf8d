import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCollector, type TestCollector } from '../test/collector.js';
import { accountIds, addSystemdUnits, dpkg, makeDpkgRoot, recordInstalled } from '../test/dpkg-root.js';
import { AGENT_VERSION, buildDeb, type DebBuild } from './deb.js';

const isRoot = process.getuid?.() === 0;
const UNIT = 'lib/systemd/system/vigie-agent.service';
let deb: DebBuild;
let outDir: string;
let collector: TestCollector;
const roots: string[] = [];

/** A throw-away root where the agent's dependencies are installed (unless `bare`). */
function newRoot(bare = false): string {
  const r = makeDpkgRoot();
  roots.push(r);
  if (!bare) recordInstalled(r, 'iputils-ping');
  return r;
}

function writeEnrollEnv(root: string, url: string, token: string): string {
  mkdirSync(join(root, 'etc/vigie-agent'), { recursive: true, mode: 0o700 });
  const file = join(root, 'etc/vigie-agent/enroll.env');
  writeFileSync(file, `# from the dashboard\nVIGIE_URL=${url}\nVIGIE_ENROLL_TOKEN="${token}"\n`, { mode: 0o600 });
  return file;
}

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'vigie-deb-'));
  const exe = inject('seaBuilds').find((b) => b.target === 'linux-x64')!.path;
  deb = buildDeb('linux-x64', exe, outDir);
  collector = await startCollector(2);
}, 180_000);

afterAll(async () => {
  await collector?.stop();
  for (const r of [outDir, ...roots]) if (r) rmSync(r, { recursive: true, force: true });
});

describe('the .deb package (dpkg-deb)', () => {
  it('declares the package, its version and architecture, and ships its maintainer scripts', () => {
    expect(deb.path.endsWith(`vigie-agent_${AGENT_VERSION}_amd64.deb`)).toBe(true);
    const field = (f: string) => execFileSync('dpkg-deb', ['--field', deb.path, f], { encoding: 'utf8' }).trim();
    expect([field('Package'), field('Version'), field('Architecture'), field('Section')]).toEqual(['vigie-agent', AGENT_VERSION, 'amd64', 'admin']);
    // The network probe pings through the system's ping program.
    expect(field('Depends')).toBe('iputils-ping');
    const info = execFileSync('dpkg-deb', ['--info', deb.path], { encoding: 'utf8' });
    for (const s of ['postinst', 'prerm', 'postrm']) expect(info).toMatch(new RegExp(`\\d+ bytes,\\s+\\d+ lines\\s+\\*\\s+${s}\\s+#!/bin/sh`));
  });

  it('installs the binary, the unit and a root-only configuration folder, all owned by root', () => {
    const rows = execFileSync('dpkg-deb', ['--contents', deb.path], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/))
      .map((c) => [c[5], c[0], c[1]]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['./usr/bin/vigie-agent', '-rwxr-xr-x', 'root/root'],
        [`./${UNIT}`, '-rw-r--r--', 'root/root'],
        ['./etc/vigie-agent/', 'drwx------', 'root/root'],
      ]),
    );
    expect(rows.every((r) => r[2] === 'root/root')).toBe(true);
  });

  it('never passes the enrollment token on a command line', () => {
    const postinst = readFileSync(join(import.meta.dirname, '..', 'packaging/linux/debian/postinst'), 'utf8');
    expect(postinst).not.toMatch(/--token/);
    expect(postinst).toMatch(/export VIGIE_ENROLL_TOKEN/);
  });
});

describe('the systemd unit', () => {
  const unit = readFileSync(join(import.meta.dirname, '..', 'packaging/linux/vigie-agent.service'), 'utf8');
  it('runs the agent as its own user, restarts it, and is hardened', () => {
    for (const line of [
      'User=vigie-agent',
      'ExecStart=/usr/bin/vigie-agent run --state-dir /var/lib/vigie-agent',
      'Restart=always',
      'StateDirectory=vigie-agent',
      'StateDirectoryMode=0700',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'CapabilityBoundingSet=',
      'WantedBy=multi-user.target',
    ]) {
      expect(unit.split('\n')).toContain(line);
    }
  });

  it.skipIf(!isRoot)('passes systemd-analyze verify once installed, and scores OK in systemd-analyze security', async () => {
    const root = newRoot();
    addSystemdUnits(root);
    expect((await dpkg(root, ['-i', deb.path])).code).toBe(0);
    const verify = spawnSync('systemd-analyze', ['verify', `--root=${root}`, `/${UNIT}`], { encoding: 'utf8' });
    expect(verify.stderr + verify.stdout).toBe('');
    expect(verify.status).toBe(0);
    const security = spawnSync('systemd-analyze', ['security', '--offline=true', `--root=${root}`, '--no-pager', 'vigie-agent.service'], { encoding: 'utf8' });
    const exposure = Number(/Overall exposure level for vigie-agent\.service: ([\d.]+)/.exec(security.stdout)?.[1]);
    expect(exposure).toBeLessThanOrEqual(4);
  });
});

describe.skipIf(!isRoot)('installing into a throw-away root (dpkg --root, maintainer scripts chrootless)', () => {
  let root: string;
  it('is not installed where iputils-ping is not', async () => {
    const bare = newRoot(true);
    const r = await dpkg(bare, ['-i', deb.path]);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/vigie-agent depends on iputils-ping; however:\s+Package iputils-ping is not installed/);
    expect(existsSync(join(bare, 'var/lib/vigie-agent'))).toBe(false);
  });

  it('creates the user and the 0700 state folder, enrolls from enroll.env and deletes it, and enables the service', async () => {
    root = newRoot();
    const envFile = writeEnrollEnv(root, collector.base, collector.tokens[0]!);
    const r = await dpkg(root, ['-i', deb.path]);
    expect(r.output).toContain('Setting up vigie-agent');
    expect(r.code).toBe(0);
    const agent = accountIds(root, 'vigie-agent')!;
    expect(agent.uid).toBeGreaterThan(0);
    expect(agent.uid).toBeLessThan(1000);
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toMatch(/^vigie-agent:x:\d+:\d+:[^:]*:\/var\/lib\/vigie-agent:\/usr\/sbin\/nologin$/m);
    expect(readFileSync(join(root, 'etc/group'), 'utf8')).toMatch(/^vigie-agent:x:\d+:$/m);
    const state = statSync(join(root, 'var/lib/vigie-agent'));
    expect([state.mode & 0o777, state.uid, state.gid]).toEqual([0o700, agent.uid, agent.gid]);
    const cred = statSync(join(root, 'var/lib/vigie-agent/credential.json'));
    expect([cred.mode & 0o777, cred.uid]).toEqual([0o600, agent.uid]);
    expect(existsSync(envFile)).toBe(false);
    expect(statSync(join(root, 'etc/vigie-agent')).mode & 0o777).toBe(0o700);
    // The local ceiling of remote intervention, set at install: the default, root's, 0644.
    const ceiling = statSync(join(root, 'etc/vigie-agent-remote.conf'));
    expect([ceiling.mode & 0o777, ceiling.uid]).toEqual([0o644, 0]);
    expect(readFileSync(join(root, 'etc/vigie-agent-remote.conf'), 'utf8')).toMatch(/^remote: actions$/m);
    expect(readlinkSync(join(root, 'etc/systemd/system/multi-user.target.wants/vigie-agent.service'))).toBe(`/${UNIT}`);
    // The collector knows the device.
    const { deviceId } = JSON.parse(readFileSync(join(root, 'var/lib/vigie-agent/credential.json'), 'utf8'));
    expect((await collector.techGet(`/api/v1/devices/${deviceId}`)).status).toBe(200);
  });

  it('remove stops using it but keeps the state; purge removes state, configuration and user', async () => {
    expect((await dpkg(root, ['-r', 'vigie-agent'])).code).toBe(0);
    expect(existsSync(join(root, 'usr/bin/vigie-agent'))).toBe(false);
    expect(existsSync(join(root, UNIT))).toBe(false);
    expect(() => lstatSync(join(root, 'etc/systemd/system/multi-user.target.wants/vigie-agent.service'))).toThrow(/ENOENT/);
    expect(existsSync(join(root, 'var/lib/vigie-agent/credential.json'))).toBe(true);
    expect((await dpkg(root, ['-P', 'vigie-agent'])).code).toBe(0);
    expect(existsSync(join(root, 'var/lib/vigie-agent'))).toBe(false);
    expect(existsSync(join(root, 'etc/vigie-agent'))).toBe(false);
    expect(existsSync(join(root, 'etc/vigie-agent-remote.conf'))).toBe(false);
    expect(accountIds(root, 'vigie-agent')).toBeUndefined();
    expect(readFileSync(join(root, 'etc/group'), 'utf8')).not.toContain('vigie-agent');
  });

  it('enrolls from the environment when there is no enroll.env', async () => {
    const r2 = newRoot();
    const r = await dpkg(r2, ['-i', deb.path], { VIGIE_URL: collector.base, VIGIE_ENROLL_TOKEN: collector.tokens[1]!, VIGIE_REMOTE: 'scripts' });
    expect(r.code).toBe(0);
    expect(existsSync(join(r2, 'var/lib/vigie-agent/credential.json'))).toBe(true);
    // The administrator chose a wider ceiling at install time.
    expect(readFileSync(join(r2, 'etc/vigie-agent-remote.conf'), 'utf8')).toMatch(/^remote: scripts$/m);
  });

  it('without a token, installs anyway and says how to enroll; a refused token leaves enroll.env for a retry', async () => {
    const bare = newRoot();
    const r = await dpkg(bare, ['-i', deb.path]);
    expect(r.code).toBe(0);
    expect(r.output).toContain('not enrolled');
    expect(existsSync(join(bare, 'var/lib/vigie-agent/credential.json'))).toBe(false);
    const refused = newRoot();
    // tokens[0] was used up by the first install.
    const envFile = writeEnrollEnv(refused, collector.base, collector.tokens[0]!);
    const r2 = await dpkg(refused, ['-i', deb.path]);
    expect(r2.code).toBe(0);
    expect(r2.output).toContain('enrollment with');
    expect(existsSync(envFile)).toBe(true);
    expect(existsSync(join(refused, 'var/lib/vigie-agent/credential.json'))).toBe(false);
  });
});
