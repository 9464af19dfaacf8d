import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveProbeConfig, type SecurityProbeConfig, securityProbeSpec } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProbeContext, runCommand } from '../probe.js';
import { securityProbe } from './index.js';

// Real Debian tools (lsblk, apt-get -s, nft, iptables, repquota), and a recorded Debian 12 system's
// /etc and /proc files (testdata-files/debian-12, see its README) under a temp root: nothing depends
// on this machine's own configuration.
const config = (over: Partial<SecurityProbeConfig>): SecurityProbeConfig => {
  const r = resolveProbeConfig(securityProbeSpec, over);
  if (!r.ok) throw new Error(r.error);
  return r.config;
};
const ctxWith = (run: ProbeContext['run']): ProbeContext => ({ now: Date.now, signal: new AbortController().signal, platform: 'linux', run });
const realRun: ProbeContext['run'] = (f, a, o) => runCommand(f, a, new AbortController().signal, o);
const only = async (aspect: SecurityProbeConfig['aspects'][number], over: Partial<SecurityProbeConfig> = {}, run = realRun) => {
  const results = await securityProbe.collect(ctxWith(run), config({ ...over, aspects: [aspect] }));
  expect(results).toHaveLength(1);
  return results[0]!;
};

/** A file tree under a temp root, starting from copies of the real files. */
function fakeRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'vigie-security-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}
/** A file of the recorded Debian 12 system: `recorded('/etc/login.defs')`. */
const recorded = (path: string) => readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'testdata-files', 'debian-12', path), 'utf8');

/**
 * Whether this machine's root file system sits on a dm-crypt mapping, asked another way than the
 * probe does: findmnt gives the device under `/`, `lsblk --inverse` its ancestors. undefined when `/`
 * is not on a block device (a container's overlay).
 */
function rootOnCrypt(): boolean | undefined {
  const source = spawnSync('findmnt', ['-n', '-o', 'SOURCE', '/'], { encoding: 'utf8' }).stdout.trim();
  const types = spawnSync('lsblk', ['-s', '-n', '-o', 'TYPE', source], { encoding: 'utf8' });
  if (!source.startsWith('/dev/') || types.status !== 0) return undefined;
  return types.stdout.split('\n').some((t) => t.trim() === 'crypt');
}

describe('disk-encryption (real lsblk)', () => {
  it('reports this machine’s root as findmnt and lsblk --inverse see it; an unencrypted one is critical, or a warning when not required', async () => {
    const r = await only('disk-encryption');
    const crypt = rootOnCrypt();
    if (crypt === undefined) {
      expect(r).toMatchObject({ status: 'unknown', code: 'SECURITY_CHECK_FAILED' });
      return;
    }
    expect(r).toMatchObject({ check: 'security', target: 'disk-encryption', code: crypt ? 'DISK_ENCRYPTED' : 'DISK_NOT_ENCRYPTED' });
    expect(r.status).toBe(crypt ? 'ok' : 'critical');
    expect(String(r.values?.chain)).toMatch(/\((disk|part|crypt|lvm|raid\d*)\)/);
    if (!crypt) expect((await only('disk-encryption', { requireDiskEncryption: false })).status).toBe('warning');
  });
});

describe('firewall (real nft and iptables, in a network namespace of the test)', () => {
  const ns = `vigie-sec-${process.pid}`;
  const inNs: ProbeContext['run'] = (f, a, o) => realRun('ip', ['netns', 'exec', ns, f, ...a], o);
  beforeAll(() => execFileSync('ip', ['netns', 'add', ns]));
  afterAll(() => execFileSync('ip', ['netns', 'del', ns]));

  it('an empty ruleset is no firewall: critical', async () => {
    const r = await only('firewall', {}, inNs);
    expect(r).toMatchObject({ status: 'critical', code: 'FIREWALL_DISABLED' });
    expect(r.message).toMatch(/nftables: 0 input chain/);
  });

  it('an input chain that drops by default is a firewall', async () => {
    execFileSync('ip', ['netns', 'exec', ns, 'nft', 'add', 'table', 'inet', 'filter']);
    execFileSync('ip', ['netns', 'exec', ns, 'nft', 'add chain inet filter input { type filter hook input priority 0; policy drop; }']);
    const r = await only('firewall', {}, inNs);
    expect(r).toMatchObject({ status: 'ok', code: 'FIREWALL_ENABLED', values: { method: 'nft', inputChains: 1 } });
  });

  it('an iptables rule on INPUT is a firewall too', async () => {
    execFileSync('ip', ['netns', 'exec', ns, 'nft', 'flush', 'ruleset']);
    execFileSync('ip', ['netns', 'exec', ns, 'iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'ACCEPT']);
    const r = await only('firewall', {}, inNs);
    expect(r).toMatchObject({ status: 'ok', code: 'FIREWALL_ENABLED' });
  });
});

describe('updates (real apt-get -s on this machine)', () => {
  it('counts the Inst lines apt simulates, security ones from a -security archive', async () => {
    const sim = execFileSync('apt-get', ['-s', '-o', 'Debug::NoLocking=1', 'upgrade'], { encoding: 'utf8' });
    const inst = sim.split('\n').filter((l) => l.startsWith('Inst '));
    const sec = inst.filter((l) => /-security/.test(l));
    const r = await only('updates');
    expect(r.values?.method).toBe('apt');
    if (sec.length > 0)
      expect(r).toMatchObject({
        status: 'warning',
        code: 'SECURITY_UPDATES_PENDING',
        message: expect.stringContaining(`${sec.length} security update(s) pending, ${inst.length} in all`),
      });
    else expect(r).toMatchObject({ status: 'ok', code: 'UPDATES_OK', message: expect.stringContaining(`${inst.length} update(s) pending`) });
    const tolerant = await only('updates', { maxPendingSecurityUpdates: 10_000, maxPendingUpdates: inst.length > 0 ? inst.length - 1 : null });
    expect(tolerant.code).toBe(inst.length > 0 ? 'UPDATES_PENDING' : 'UPDATES_OK');
  });
});

describe('admins (recorded /etc/group and /etc/passwd, with accounts added)', () => {
  const root = fakeRoot({
    'etc/group': `${recorded('/etc/group').replace(/^sudo:x:27:.*$/m, 'sudo:x:27:alice,bob')}wheel:x:64999:\n`,
    'etc/passwd': `${recorded('/etc/passwd')}alice:x:1001:1001::/home/alice:/bin/bash\nbob:x:1002:1002::/home/bob:/bin/bash\ntoor:x:0:0::/root:/bin/sh\ncarol:x:1003:27::/home/carol:/bin/bash\n`,
  });

  it('lists sudo members, members by primary group and every uid 0 account', async () => {
    const r = await only('admins', { fileRoot: root });
    expect(r).toMatchObject({ status: 'ok', code: 'ADMINS_LISTED', values: { admins: 'alice, bob, carol, root, toor', count: 5 } });
  });

  it('warns on administrators the client did not expect', async () => {
    const r = await only('admins', { fileRoot: root, expectedAdmins: ['root', 'ALICE', 'carol'] });
    expect(r).toMatchObject({ status: 'warning', code: 'ADMINS_UNEXPECTED', values: { unexpected: 'bob, toor' } });
  });
});

describe('usb-storage (modprobe.d under a temp root)', () => {
  it('blocked by a blacklist line (either spelling of the module)', async () => {
    const root = fakeRoot({ 'etc/modprobe.d/vigie-usb.conf': '# ANSSI R28\nblacklist usb-storage\n' });
    expect(await only('usb-storage', { fileRoot: root })).toMatchObject({ status: 'ok', code: 'USB_STORAGE_BLOCKED' });
  });
  it('allowed when nothing blocks it: ok unless the policy requires it blocked', async () => {
    const root = fakeRoot({ 'etc/modprobe.d/other.conf': 'blacklist pcspkr\n#blacklist usb_storage\n' });
    expect(await only('usb-storage', { fileRoot: root })).toMatchObject({ status: 'ok', code: 'USB_STORAGE_ALLOWED' });
    expect(await only('usb-storage', { fileRoot: root, requireUsbStorageBlocked: true })).toMatchObject({ status: 'warning', code: 'USB_STORAGE_ALLOWED' });
  });
});

describe('password-policy (recorded login.defs and PAM stacks)', () => {
  it("Debian 12's defaults: no minimum length, no lockout, no expiry — weak", async () => {
    const root = fakeRoot({
      'etc/login.defs': recorded('/etc/login.defs'),
      'etc/pam.d/common-password': recorded('/etc/pam.d/common-password'),
      'etc/pam.d/common-auth': recorded('/etc/pam.d/common-auth'),
    });
    const r = await only('password-policy', { fileRoot: root });
    expect(r).toMatchObject({ status: 'warning', code: 'PASSWORD_POLICY_WEAK', values: { minLength: null, lockoutThreshold: null, maxAgeDays: null } });
    expect(r.message).toMatch(/minimum length none < 12; no lockout/);
  });

  it('pam_pwquality minlen from pwquality.conf, pam_faillock deny from its arguments, PASS_MAX_DAYS 90', async () => {
    const root = fakeRoot({
      'etc/login.defs': recorded('/etc/login.defs').replace(/^PASS_MAX_DAYS.*$/m, 'PASS_MAX_DAYS\t90'),
      'etc/pam.d/common-password': `password\trequisite\t\t\tpam_pwquality.so retry=3\n${recorded('/etc/pam.d/common-password')}`,
      'etc/pam.d/common-auth': `auth\trequired\tpam_faillock.so preauth deny=5 unlock_time=900\n${recorded('/etc/pam.d/common-auth')}`,
      'etc/security/pwquality.conf': '# minlen = 8\nminlen = 14\n',
    });
    const r = await only('password-policy', { fileRoot: root, maxPasswordAgeDays: 365 });
    expect(r).toMatchObject({
      status: 'ok',
      code: 'PASSWORD_POLICY_OK',
      values: { minLength: 14, lockoutThreshold: 5, maxAgeDays: 90, method: 'pam_pwquality, pam_faillock' },
    });
  });
});

describe('quotas (a recorded /proc/mounts; real repquota)', () => {
  it('none on a machine mounting nothing with quotas', async () => {
    const root = fakeRoot({ 'proc/mounts': recorded('/proc/mounts') });
    expect(await only('quotas', { fileRoot: root })).toMatchObject({ status: 'ok', code: 'QUOTAS_NONE' });
  });
  it('a file system mounted with usrquota,grpquota', async () => {
    const root = fakeRoot({ 'proc/mounts': `${recorded('/proc/mounts')}/dev/sdb1 /srv/partages ext4 rw,relatime,quota,usrquota,grpquota 0 0\n` });
    const r = await only('quotas', { fileRoot: root });
    expect(r).toMatchObject({ status: 'ok', code: 'QUOTAS_CONFIGURED', values: { filesystems: '/srv/partages', method: 'repquota' } });
  });
});

describe('each aspect stands alone', () => {
  it('a missing /etc/group makes admins unknown; the others still report', async () => {
    const root = fakeRoot({ 'etc/login.defs': recorded('/etc/login.defs'), 'proc/mounts': recorded('/proc/mounts') });
    const results = await securityProbe.collect(
      ctxWith(realRun),
      config({ fileRoot: root, aspects: ['admins', 'usb-storage', 'password-policy', 'quotas', 'disk-encryption'] }),
    );
    const crypt = rootOnCrypt();
    expect(results.map((r) => [r.target, r.code])).toEqual([
      ['admins', 'SECURITY_CHECK_FAILED'],
      ['usb-storage', 'USB_STORAGE_ALLOWED'],
      ['password-policy', 'PASSWORD_POLICY_WEAK'],
      ['quotas', 'QUOTAS_NONE'],
      ['disk-encryption', crypt === undefined ? 'SECURITY_CHECK_FAILED' : crypt ? 'DISK_ENCRYPTED' : 'DISK_NOT_ENCRYPTED'],
    ]);
    expect(results[0]).toMatchObject({ status: 'unknown', message: expect.stringMatching(/^admins: ENOENT.*etc\/group/) });
  });

  it('with the defaults on this machine, every aspect gives one result', async () => {
    const results = await securityProbe.collect(ctxWith(realRun), config({}));
    expect(results.map((r) => r.target)).toEqual(['disk-encryption', 'firewall', 'updates', 'admins', 'usb-storage', 'password-policy', 'quotas']);
    for (const r of results) expect(r.check).toBe('security');
  });
});
