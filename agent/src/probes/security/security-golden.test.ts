import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveProbeConfig, securityProbeSpec } from '@vigie/shared';
import { describe, expect, it } from 'vitest';
import { writeGoldenIfUpdating } from '../golden-update.js';
import type { ProbeContext } from '../probe.js';
import { evaluate } from './evaluate.js';
import { securityProbe } from './index.js';
import { parseDsclMembership, parseFdesetup, parseSocketFilterState, parseSoftwareUpdateList } from './parse-darwin.js';
import { linuxPasswordPolicy, parseAptSimulation, parseDnfCheckUpdate, quotaMounts, repquotaOverLimit, rootEncryption } from './parse-linux.js';
import { parseFirewallProfiles, parseLocalGroupMembers, parseManageBde, parseNetAccounts } from './parse-windows.js';

// Golden cases: recorded or reconstructed outputs of each command (provenance in testdata/README.md).
const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const PARSERS: [prefix: string, parse: (text: string) => unknown][] = [
  ['debian-12-lsblk', rootEncryption],
  ['debian-12-apt-get', parseAptSimulation],
  ['windows-11-23h2-fr-manage-bde', parseManageBde],
  ['windows-11-en-manage-bde', parseManageBde],
  ['windows-fr-manage-bde-mangled', parseManageBde],
  ['windows-server-2019-en-net-accounts', parseNetAccounts],
  ['windows-fr-net-accounts', parseNetAccounts],
  ['windows-10-ps5.1-firewall', parseFirewallProfiles],
  ['windows-11-fr-ps5.1-local-admins', parseLocalGroupMembers],
  ['windows-single-admin', parseLocalGroupMembers],
  ['macos-14-fdesetup', parseFdesetup],
  ['macos-14-socketfilterfw', parseSocketFilterState],
  ['macos-14-softwareupdate', parseSoftwareUpdateList],
  ['macos-14-dscl', parseDsclMembership],
];

describe('golden outputs', () => {
  const cases = readdirSync(TESTDATA, { withFileTypes: true }).filter((e) => e.isDirectory());
  for (const { name } of cases) {
    it(name, () => {
      const parse = PARSERS.find(([prefix]) => name.startsWith(prefix))?.[1];
      if (!parse) throw new Error(`no parser mapped for testdata/${name}`);
      const input = ['input.txt', 'input.json'].map((f) => join(TESTDATA, name, f)).find((f) => existsSync(f));
      const actual = parse(readFileSync(input ?? '', 'utf8'));
      const expectedFile = join(TESTDATA, name, 'expected.json');
      writeGoldenIfUpdating(expectedFile, actual);
      expect(actual).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')));
    });
  }
});

const fixture = (name: string) => {
  const dir = join(TESTDATA, name);
  return readFileSync(existsSync(join(dir, 'input.txt')) ? join(dir, 'input.txt') : join(dir, 'input.json'), 'utf8');
};
const cfg = (over: object = {}) => {
  const r = resolveProbeConfig(securityProbeSpec, over);
  if (!r.ok) throw new Error(r.error);
  return r.config;
};

/** A Windows or macOS machine as its commands answered (the recorded outputs), to run the whole probe here. */
function replay(platform: NodeJS.Platform, answers: [match: RegExp, stdout: string | Error][]): ProbeContext {
  return {
    now: () => 1_700_000_000_000,
    signal: new AbortController().signal,
    platform,
    async run(file, args) {
      const line = [file, ...args].join(' ');
      const found = answers.find(([m]) => m.test(line));
      if (!found) throw new Error(`${file} is not installed`);
      if (found[1] instanceof Error) throw found[1];
      return { stdout: found[1], stderr: '', code: 0 };
    },
  };
}

describe('Windows, from recorded outputs', () => {
  const ctx = replay('win32', [
    [/^manage-bde -status$/, fixture('windows-11-23h2-fr-manage-bde')],
    [/Get-NetFirewallProfile/, fixture('windows-10-ps5.1-firewall-profiles')],
    [/Microsoft\.Update\.Session/, '12 3\r\n'],
    [/Get-LocalGroupMember/, fixture('windows-11-fr-ps5.1-local-admins')],
    [/USBSTOR/, '4\r\n'],
    [/^net accounts$/, fixture('windows-fr-net-accounts')],
  ]);

  it('reports each aspect, French output included; quotas are not checked on Windows', async () => {
    const results = await securityProbe.collect(ctx, cfg({ expectedAdmins: ['Administrateur', 'ACME\\Admins du domaine'] }));
    expect(results.map((r) => [r.target, r.status, r.code])).toEqual([
      ['disk-encryption', 'ok', 'DISK_ENCRYPTED'],
      ['firewall', 'critical', 'FIREWALL_DISABLED'],
      ['updates', 'warning', 'SECURITY_UPDATES_PENDING'],
      ['admins', 'warning', 'ADMINS_UNEXPECTED'],
      ['usb-storage', 'ok', 'USB_STORAGE_BLOCKED'],
      ['password-policy', 'warning', 'PASSWORD_POLICY_WEAK'],
    ]);
    expect(results[1]?.message).toBe('No active firewall (off: Public)');
    expect(results[3]?.values?.unexpected).toBe('AzureAD\\JeanDupont, PC-COMPTA01\\support');
    expect(results[5]?.message).toBe('Password policy weak: minimum length none < 12; no lockout after failed attempts');
  });

  it('an OS volume still encrypting is a warning, and a failing command only makes its own aspect unknown', async () => {
    const partial = replay('win32', [
      [/^manage-bde -status$/, fixture('windows-11-en-manage-bde-encrypting')],
      [/Get-LocalGroupMember/, new Error('powershell exited with 1: Failed to compare two elements in the array.')],
      [/^net accounts$/, fixture('windows-server-2019-en-net-accounts')],
    ]);
    const results = await securityProbe.collect(partial, cfg({ aspects: ['disk-encryption', 'admins', 'password-policy'], minPasswordLength: 8 }));
    expect(results.map((r) => [r.target, r.status, r.code])).toEqual([
      ['disk-encryption', 'warning', 'DISK_ENCRYPTION_IN_PROGRESS'],
      ['admins', 'unknown', 'SECURITY_CHECK_FAILED'],
      ['password-policy', 'ok', 'PASSWORD_POLICY_OK'],
    ]);
  });
});

describe('macOS, from recorded outputs', () => {
  it('FileVault, the application firewall, softwareupdate and the admin group', async () => {
    const ctx = replay('darwin', [
      [/^fdesetup status$/, fixture('macos-14-fdesetup-on')],
      [/socketfilterfw --getglobalstate$/, fixture('macos-14-socketfilterfw-enabled')],
      [/^softwareupdate -l$/, fixture('macos-14-softwareupdate-list')],
      [/^dscl \. -read \/Groups\/admin GroupMembership$/, fixture('macos-14-dscl-admin')],
    ]);
    const results = await securityProbe.collect(ctx, cfg({ maxPendingSecurityUpdates: 1 }));
    expect(results.map((r) => [r.target, r.status, r.code])).toEqual([
      ['disk-encryption', 'ok', 'DISK_ENCRYPTED'],
      ['firewall', 'ok', 'FIREWALL_ENABLED'],
      ['updates', 'ok', 'UPDATES_OK'],
      ['admins', 'ok', 'ADMINS_LISTED'],
    ]);
  });
});

describe('thresholds (evaluate)', () => {
  const at = 0;
  it.each([
    [{ pending: 5, security: 0 }, {}, 'ok', 'UPDATES_OK'],
    [{ pending: 5, security: 1 }, {}, 'warning', 'SECURITY_UPDATES_PENDING'],
    [{ pending: 5, security: 1 }, { maxPendingSecurityUpdates: 1 }, 'ok', 'UPDATES_OK'],
    [{ pending: 51, security: null }, { maxPendingUpdates: 50 }, 'warning', 'UPDATES_PENDING'],
  ])('updates %j with %j → %s %s', (o, over, status, code) => {
    expect(evaluate('updates', { ...o, detail: 't', values: {} }, cfg(over), at)).toMatchObject({ status, code });
  });
  it.each([
    [{ minLength: 12, lockoutThreshold: 5, maxAgeDays: null }, {}, 'ok'],
    [{ minLength: 8, lockoutThreshold: 5, maxAgeDays: null }, {}, 'warning'],
    [{ minLength: 12, lockoutThreshold: 50, maxAgeDays: null }, {}, 'warning'],
    [{ minLength: 12, lockoutThreshold: null, maxAgeDays: null }, { maxLockoutThreshold: 0 }, 'ok'],
    [{ minLength: 12, lockoutThreshold: 5, maxAgeDays: null }, { maxPasswordAgeDays: 365 }, 'warning'],
  ])('password policy %j with %j → %s', (o, over, status) => {
    expect(evaluate('password-policy', { ...o, values: {} }, cfg(over), at).status).toBe(status);
  });
});

describe('Linux parsers on edge cases', () => {
  it('pam_unix minlen= when no pwquality; pam_tally2 deny; PASS_MAX_DAYS 99999 is never', () => {
    expect(
      linuxPasswordPolicy({
        loginDefs: 'PASS_MAX_DAYS\t99999\nPASS_MIN_LEN 6\n',
        passwordStack: 'password [success=1 default=ignore] pam_unix.so obscure yescrypt minlen=10\n',
        authStack: 'auth required pam_tally2.so onerr=fail deny=6\n',
        pwqualityConf: '',
        faillockConf: '',
      }),
    ).toEqual({ minLength: 10, maxAgeDays: null, lockoutThreshold: 6, sources: 'pam_unix, pam_tally2' });
  });
  it('dnf check-update: one line per package, obsoletes and metadata lines ignored (format of dnf 4, reconstructed)', () => {
    const out =
      'Last metadata expiration check: 0:41:12 ago on Tue 14 May 2024 09:12:03 CEST.\n\nkernel.x86_64                 5.14.0-427.16.1.el9_4        baseos\nopenssl-libs.x86_64           1:3.0.7-27.el9               baseos\nObsoleting Packages\n';
    expect(parseDnfCheckUpdate(out)).toBe(2);
  });
  it('quota mount options (ext4 journaled, XFS) and repquota flags', () => {
    expect(
      quotaMounts(
        '/dev/sda2 /home ext4 rw,usrjquota=aquota.user,jqfmt=vfsv1 0 0\n/dev/sdb1 /data xfs rw,uquota,pquota 0 0\n/dev/sdc1 /x ext4 rw,relatime 0 0\n',
      ),
    ).toEqual(['/home', '/data']);
    const rep =
      '*** Report for user quotas on device /dev/sdb1\nBlock grace time: 7days; Inode grace time: 7days\n                        Block limits                File limits\nUser            used    soft    hard  grace    used  soft  hard  grace\n----------------------------------------------------------------------\nroot      --      20       0       0              2     0     0\nalice     +-  120000  100000  150000  6days      40     0     0\nbob       -+      10       0       0            120   100   200  7days\n';
    expect(repquotaOverLimit(rep)).toBe(2);
  });
});
