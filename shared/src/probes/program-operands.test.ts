import { describe, expect, it } from 'vitest';
import { backupProbeSpec } from './backup.js';
import { resolveProbeConfig } from './common.js';
import { networkProbeSpec } from './network.js';
import { snmpProbeSpec } from './snmp.js';

// Issue 13, point 7: policy values became program options (`borg info --rsh=sh -c '…'`, `ping -f`).
// A value a probe gives a program never starts with `-`: refused here, where the collector
// validates the policy and where the agent applies it.

const refused = [
  ['backup', backupProbeSpec, { targets: [{ kind: 'borg', repository: "--rsh=sh -c 'touch /tmp/pwned'" }] }],
  ['backup', backupProbeSpec, { targets: [{ kind: 'restic', repository: '-o=sftp.command=sh', passwordFile: '/etc/restic/pw' }] }],
  ['backup', backupProbeSpec, { targets: [{ kind: 'restic', repository: '/srv/restic', passwordFile: '--insecure-no-password' }] }],
  ['backup', backupProbeSpec, { targets: [{ kind: 'restic', repository: '/srv/restic', passwordFile: '/etc/pw', host: '--no-lock' }] }],
  ['network', networkProbeSpec, { pingHosts: ['-f'] }],
  ['network', networkProbeSpec, { pingHosts: ['/t'] }],
  ['network', networkProbeSpec, { internetHost: '-s65507' }],
  ['network', networkProbeSpec, { tcp: [{ host: '-x', port: 22 }] }],
  ['network', networkProbeSpec, { dns: [{ name: 'acme.fr', resolver: '-p' }] }],
  ['snmp', snmpProbeSpec, { targets: [{ version: '2c', address: '-f' }] }],
] as const;

// The former backup `command` kind named a program and its arguments: a policy can no longer do that.
const programNamed = { targets: [{ kind: 'command', name: 'veeam', command: '/usr/bin/veeamconfig', args: ['--job', 'nightly'] }] };

describe('policy values that a probe gives to a program', () => {
  it.each(refused.map(([id, spec, given]) => [id, JSON.stringify(given), spec, given] as const))('%s refuses %s', (_id, _shown, spec, given) => {
    const r = resolveProbeConfig(spec as never, given);
    expect(r.ok).toBe(false);
    // `/t` is an option of Windows' ping: refused as no host name either.
    if (!r.ok && !JSON.stringify(given).includes('/t')) expect(r.error).toMatch(/: must not start with "-"/);
  });

  it('says why a leading dash is refused', () => {
    const r = resolveProbeConfig(backupProbeSpec, { targets: [{ kind: 'borg', repository: '--rsh=x' }] });
    expect(r).toEqual({ ok: false, error: 'backup/targets/0/repository: must not start with "-" (the program it is given to would read it as an option)' });
  });

  it('refuses a program named by a policy (the former backup `command` kind)', () => {
    expect(resolveProbeConfig(backupProbeSpec, programNamed).ok).toBe(false);
  });

  it('keeps the values administrators write', () => {
    const ok = [
      resolveProbeConfig(backupProbeSpec, {
        targets: [
          { kind: 'borg', repository: 'ssh://borg@nas.acme.fr/./srv' },
          { kind: 'restic', repository: 'rest:https://acme:pw@backup.acme.fr/x', passwordFile: '/etc/restic/pw', host: 'srv-acme' },
          // A vendor's check is an approved script named by its hash (issue 16); its parameters reach it as
          // environment variables, never as options, so a value may start with a dash.
          { kind: 'command', name: 'veeam', script: 'a'.repeat(64), params: { JOB: '--nightly', RETRIES: 2 } },
        ],
      }),
      resolveProbeConfig(networkProbeSpec, {
        pingHosts: ['192.168.1.1', 'nas.acme.fr', 'fd00::1'],
        tcp: [{ host: 'srv-1', port: 3389 }],
        dns: [{ name: '_ldap._tcp.acme.fr' }],
      }),
    ];
    expect(ok.map((r) => r.ok)).toEqual([true, true]);
  });
});
