import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@vigie/testkit';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffSession, world } from './support/context.js';
import { ok, type Session } from './support/http.js';
import { Tally } from './support/tally.js';

// Option injection in every probe that runs a program: values a policy gives ping, borg, restic or
// systemctl that start with `-`. The collector refuses them; and an agent handed them anyway (the
// policy written straight into the store, as a compromised collector would) refuses them too, so
// borg never runs `--rsh=…` — the agents run with BORG_REPO set, where it would run a shell.
const w = world();
const tally = new Tally('option injection');
const run = promisify(execFile);
let admin: Session;
beforeAll(async () => {
  admin = staffSession('admin');
});
afterAll(async () => {
  ok(await admin.put(`/api/v1/policies/device/${w.acme.device}`, {}), 'reset');
  tally.flush();
});

const rsh = () => `--rsh=sh -c 'touch ${w.injectionMarker}'`;
const injections = (): [string, Record<string, unknown>][] => [
  ['borg repository', { backup: { targets: [{ kind: 'borg', repository: rsh() }] } }],
  ['restic repository', { backup: { targets: [{ kind: 'restic', repository: '-o=sftp.command=sh', passwordFile: '/etc/restic/pw' }] } }],
  ['restic password file', { backup: { targets: [{ kind: 'restic', repository: '/srv/restic', passwordFile: '--insecure-no-password' }] } }],
  ['restic host', { backup: { targets: [{ kind: 'restic', repository: '/srv/restic', passwordFile: '/etc/pw', host: '--no-lock' }] } }],
  ['ping host', { network: { pingHosts: ['-f'] } }],
  ['ping host (bundled options)', { network: { pingHosts: ['-fs65507'] } }],
  ['Internet target', { network: { internetHost: '-f' } }],
  ['TCP host', { network: { tcp: [{ host: '--help', port: 22 }] } }],
  ['DNS resolver', { network: { dns: [{ name: 'acme.fr', resolver: '-p' }] } }],
  ['SNMP address (pinged)', { snmp: { targets: [{ version: '2c', address: '-f' }] } }],
  ['systemd unit', { services: { required: ['--root=/tmp'] } }],
];

describe('option injection', () => {
  it('the collector refuses every value that would be read as an option, saying why', async () => {
    for (const [what, probes] of injections()) {
      const res = await admin.put(`/api/v1/policies/device/${w.acme.device}`, { probes });
      tally.add(
        res.status === 400 && /must not start with "-"|match/.test(res.body?.error?.message ?? ''),
        `${what} → ${res.status} ${res.text.slice(0, 160)}`,
      );
    }
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('an agent handed them anyway (written into the store) refuses them: borg never runs --rsh', async () => {
    // The control: the payload does run a shell when borg reads it as an option.
    rmSync(w.injectionMarker, { force: true });
    await run('borg', ['info', '--json', '--last', '1', '--bypass-lock', rsh()], {
      env: { ...process.env, BORG_REPO: 'ssh://vigie@127.0.0.1/./repo', BORG_BASE_DIR: join(w.dataDir, '..', 'borg-home') },
    }).catch(() => undefined);
    expect(existsSync(w.injectionMarker)).toBe(true);
    rmSync(w.injectionMarker);

    const probes = Object.assign({}, ...injections().map(([, p]) => p), {
      backup: { intervalSec: 10, targets: [{ kind: 'borg', name: 'nas', repository: rsh() }] },
      network: { intervalSec: 10, pingGateway: false, interfaces: false, pingHosts: ['-f'], tcp: [{ host: '127.0.0.1', port: 1 }] },
    });
    const db = new Database(join(w.dataDir, 'vigie.db'));
    db.pragma('busy_timeout = 5000');
    db.prepare(
      `INSERT INTO policies (scope, scope_id, body, version, updated_at, updated_by) VALUES ('device', ?, ?, 1000, ?, NULL)
       ON CONFLICT (scope, scope_id) DO UPDATE SET body = excluded.body, version = excluded.version, updated_at = excluded.updated_at`,
    ).run(w.acme.device, JSON.stringify({ probes }), Date.now());
    db.close();
    // Any policy change makes the collector push the merged policy (with the row above) to the agent.
    const since = Date.now();
    ok(await admin.put(`/api/v1/policies/client/${w.acme.client}`, { metricsIntervalSec: 5 }), 'push');
    const pushed = ok(await admin.get(`/api/v1/devices/${w.acme.device}/policy`), 'policy');
    expect(pushed.policy.probes.backup.targets[0].repository).toBe(rsh());
    // Had the agent taken the backup probe, it would have run within a second or two; give it 15 s.
    await new Promise((r) => setTimeout(r, 15_000));
    tally.add(!existsSync(w.injectionMarker), 'the agent ran borg with --rsh: the marker file exists');
    const checks = ok(await admin.get(`/api/v1/devices/${w.acme.device}/checks?history=200`), 'checks');
    const since1 = (c: { observed_at?: number }) => (c.observed_at ?? 0) >= since;
    const recent = (checks.history as { target: string; code: string; observed_at?: number }[]).filter(since1);
    tally.add(
      !recent.some((c) => c.target === 'ping -f' || c.target.startsWith('backup')),
      `the agent ran a refused probe: ${JSON.stringify(recent.slice(0, 3))}`,
    );
    expect(tally.takeLetThrough()).toEqual([]);
    await waitFor('device policy reset', async () => (await admin.put(`/api/v1/policies/device/${w.acme.device}`, {})).status === 200);
  }, 60_000);

  it('the former backup target that named a program (issue 16: /bin/sh ran as root) is refused, and never run when written into the store', async () => {
    const marker = `${w.injectionMarker}-command`;
    rmSync(marker, { force: true });
    const target = { kind: 'command', name: 'veeam', command: '/bin/sh', args: ['-c', `touch ${marker}`] };
    const res = await admin.put(`/api/v1/policies/device/${w.acme.device}`, { probes: { backup: { intervalSec: 10, targets: [target] } } });
    tally.add(res.status === 400, `a policy naming a program → ${res.status} ${res.text.slice(0, 160)}`);
    const db = new Database(join(w.dataDir, 'vigie.db'));
    db.pragma('busy_timeout = 5000');
    db.prepare(
      `INSERT INTO policies (scope, scope_id, body, version, updated_at, updated_by) VALUES ('device', ?, ?, 2000, ?, NULL)
       ON CONFLICT (scope, scope_id) DO UPDATE SET body = excluded.body, version = excluded.version, updated_at = excluded.updated_at`,
    ).run(w.acme.device, JSON.stringify({ probes: { backup: { intervalSec: 10, targets: [target] } } }), Date.now());
    db.close();
    ok(await admin.put(`/api/v1/policies/client/${w.acme.client}`, { metricsIntervalSec: 6 }), 'push');
    expect(ok(await admin.get(`/api/v1/devices/${w.acme.device}/policy`), 'policy').policy.probes.backup.targets[0].command).toBe('/bin/sh');
    // The probe runs every 10 s when it accepts its configuration: 15 s without the marker.
    await new Promise((r) => setTimeout(r, 15_000));
    tally.add(!existsSync(marker), 'the agent ran the program a policy named: the marker file exists');
    expect(tally.takeLetThrough()).toEqual([]);
    await waitFor('device policy reset', async () => (await admin.put(`/api/v1/policies/device/${w.acme.device}`, {})).status === 200);
  }, 60_000);
});
