import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDeb, ChrootMachine, cachedDebianRoot, debianRootUnavailable, type Proc, writeFlatRepo } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, COLLECTOR_BIN, cliJson, freePort, httpJson, startProcess, waitFor } from './processes.js';
import { enrolStaff, type Staff } from './remote-fixtures.js';

// Issue 17, done-when 1 and 3: a real agent inside a Debian root made with debootstrap (cached;
// mounted through an overlay, entered with chroot, in a network namespace that has only `lo`) lists
// its pending updates from local apt repositories this test builds — vigie-test-pkg 1.0 installed
// and 1.1 published; vigie-test-sec and vigie-test-excluded 1.0 installed and 1.1 published as
// security updates — installs vigie-test-pkg once approved (not while its local ceiling is `off`),
// vigie-test-sec in a maintenance window (whose postinst asks for a restart, which the policy's
// 'window' reboot then orders), and never vigie-test-excluded; vigie-test-flaky, whose upgrade fails
// once, is installed at its second attempt, vigie-test-broken, which always fails, is tried twice and
// reported failed; every step is audited.
//
// The machine cannot really restart (it is this test machine's kernel): /usr/sbin/shutdown inside
// the root (absent from a minbase root) is a stand-in that writes down how it was called.
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const skip = debianRootUnavailable();
const PASSWORD = 'e2e-password-long-enough';
let dir: string;
let machine: ChrootMachine;
let collector: Proc;
let agent: Proc;
let base: string;
let clientId: number;
let deviceId: number;
let cookie: string;
let csrf: string;
let admin: Staff;

const api = async (method: string, path: string, body?: unknown) =>
  httpJson(`${base}${path}`, {
    method,
    headers: { cookie, 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

beforeAll(async () => {
  if (skip) return;
  const t0 = Date.now();
  const root = cachedDebianRoot();
  console.log(`[patches-debian-root] Debian root ${root.built ? `built in ${root.ms} ms` : 'from the cache'}: ${root.dir}`);
  machine = new ChrootMachine(root.dir, [
    { host: process.execPath, inside: '/usr/local/bin/node', file: true },
    { host: repo, inside: repo },
  ]);
  dir = mkdtempSync(join(tmpdir(), 'vigie-e2e-patches-'));
  // The packages and the two repositories, inside the machine (file: sources: no network at all).
  const debs = join(dir, 'debs');
  const pkg10 = buildDeb(debs, { name: 'vigie-test-pkg', version: '1.0' });
  const excluded10 = buildDeb(debs, { name: 'vigie-test-excluded', version: '1.0' });
  const sec10 = buildDeb(debs, { name: 'vigie-test-sec', version: '1.0' });
  const flaky10 = buildDeb(debs, { name: 'vigie-test-flaky', version: '1.0' });
  const broken10 = buildDeb(debs, { name: 'vigie-test-broken', version: '1.0' });
  writeFlatRepo(join(machine.root, 'srv/repo-main'), { origin: 'Vigie', label: 'Vigie', suite: 'vigie', codename: 'vigie', version: '1' }, [
    buildDeb(debs, { name: 'vigie-test-pkg', version: '1.1' }),
    // Refuses its first upgrade (as a package whose preinst meets a lock or a full disk), not the second.
    buildDeb(debs, {
      name: 'vigie-test-flaky',
      version: '1.1',
      preinst:
        'if [ ! -e /var/lib/vigie-test-flaky.tried ]; then touch /var/lib/vigie-test-flaky.tried; echo "vigie-test-flaky: first attempt refused" >&2; exit 1; fi',
    }),
    buildDeb(debs, { name: 'vigie-test-broken', version: '1.1', preinst: 'echo "vigie-test-broken: always refused" >&2; exit 1' }),
  ]);
  writeFlatRepo(
    join(machine.root, 'srv/repo-security'),
    { origin: 'Vigie', label: 'Vigie-Security', suite: 'vigie-security', codename: 'vigie-security', version: '1' },
    [
      buildDeb(debs, { name: 'vigie-test-excluded', version: '1.1' }),
      // As kernel and libc packages do on Debian: ask for a restart.
      buildDeb(debs, { name: 'vigie-test-sec', version: '1.1', postinst: 'touch /run/reboot-required' }),
    ],
  );
  mkdirSync(join(machine.root, 'srv/debs'), { recursive: true });
  machine.write('srv/debs/vigie-test-pkg_1.0_all.deb', readFileSync(pkg10));
  machine.write('srv/debs/vigie-test-excluded_1.0_all.deb', readFileSync(excluded10));
  machine.write('srv/debs/vigie-test-sec_1.0_all.deb', readFileSync(sec10));
  machine.write('srv/debs/vigie-test-flaky_1.0_all.deb', readFileSync(flaky10));
  machine.write('srv/debs/vigie-test-broken_1.0_all.deb', readFileSync(broken10));
  await machine.exec('dpkg', [
    '-i',
    '/srv/debs/vigie-test-pkg_1.0_all.deb',
    '/srv/debs/vigie-test-excluded_1.0_all.deb',
    '/srv/debs/vigie-test-sec_1.0_all.deb',
    '/srv/debs/vigie-test-flaky_1.0_all.deb',
    '/srv/debs/vigie-test-broken_1.0_all.deb',
  ]);
  machine.write('usr/sbin/shutdown', '#!/bin/sh\necho "$*" >> /var/log/vigie-test-shutdown.log\n', 0o755);
  machine.write('etc/apt/sources.list', 'deb [trusted=yes] file:/srv/repo-main ./\ndeb [trusted=yes] file:/srv/repo-security ./\n');
  await machine.exec('apt-get', ['update', '-q']);

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const common = ['--data-dir', join(dir, 'collector')];
  clientId = (await cliJson(COLLECTOR_BIN, ['client', 'create', '--name', 'Acme SARL', ...common])).id;
  const site = await cliJson(COLLECTOR_BIN, ['site', 'create', '--client', 'Acme SARL', '--name', 'Siège', ...common]);
  await cliJson(COLLECTOR_BIN, ['user', 'create', '--email', 'tech@vigie.test', '--role', 'technician', '--password', PASSWORD, ...common]);
  await cliJson(COLLECTOR_BIN, ['user', 'create', '--email', 'admin@vigie.test', '--role', 'admin', '--password', PASSWORD, ...common]);
  const token = await cliJson(COLLECTOR_BIN, ['token', 'create', '--site', String(site.id), ...common]);
  // The patch schedule every 2 s (60 s by default), for the maintenance window's turn to come soon.
  collector = startProcess(COLLECTOR_BIN, ['serve', '--port', String(port), ...common, '--log-level', 'warn', '--patch-interval', '2']);
  await waitFor('collector up', async () => (await httpJson(`${base}/healthz`)).status === 200);
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'tech@vigie.test', password: PASSWORD }),
  });
  cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
  // Only the patches probe, soon and often: the others have their own tests.
  const off = { enabled: false };
  const put = await api('PUT', `/api/v1/policies/client/${clientId}`, {
    probes: { patches: { intervalSec: 60 }, network: off, backup: off, antivirus: off, services: off, security: off },
  });
  expect(put.status).toBe(200);

  admin = await enrolStaff(base, 'admin@vigie.test', PASSWORD);
  await machine.forward(port);
  const out = await machine.exec('node', [AGENT_BIN, 'enroll', '--url', base, '--state-dir', '/var/lib/vigie-agent'], { VIGIE_ENROLL_TOKEN: token.token });
  deviceId = Number(/device (\d+)/.exec(out)?.[1]);
  agent = machine.spawn('node', [AGENT_BIN, 'run', '--state-dir', '/var/lib/vigie-agent', '--log-level', 'info']);
  console.log(`[patches-debian-root] machine, repositories, collector and agent ready in ${Date.now() - t0} ms`);
}, 600_000);

afterAll(async () => {
  await agent?.stop();
  await collector?.stop();
  await machine?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip)(`patch management in a debootstrapped Debian root${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('the real agent lists the pending updates of its own root: installed and candidate versions, the security one', async () => {
    const patches = await waitFor(
      'the agent’s list',
      async () => {
        const r = await api('GET', `/api/v1/devices/${deviceId}/patches`);
        return r.body?.pending?.length === 5 ? r.body : undefined;
      },
      90_000,
      500,
    );
    expect(patches).toMatchObject({ source: 'apt', rebootPending: false });
    const byName = Object.fromEntries(patches.pending.map((p: { name: string }) => [p.name, p]));
    expect(byName['vigie-test-pkg']).toMatchObject({ arch: 'all', installedVersion: '1.0', candidateVersion: '1.1', security: false, origin: 'Vigie:1/vigie' });
    expect(byName['vigie-test-excluded']).toMatchObject({
      installedVersion: '1.0',
      candidateVersion: '1.1',
      security: true,
      origin: 'Vigie-Security:1/vigie-security',
    });
    expect(byName['vigie-test-sec']).toMatchObject({ installedVersion: '1.0', candidateVersion: '1.1', security: true });
    const compliance = await api('GET', `/api/v1/patches/compliance?clientId=${clientId}`);
    expect(compliance.body.devices).toEqual([expect.objectContaining({ deviceId, state: 'pending', pending: 5, security: 2, rebootPending: false })]);
    // What the agent saw is the root's, not this machine's: dpkg inside says 1.0.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax
    expect(await machine.exec('dpkg-query', ['-W', '-f=${Version}', 'vigie-test-pkg'])).toBe('1.0');
  });

  const dpkgVersion = (name: string) =>
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax
    machine.exec('dpkg-query', ['-W', '-f=${Version}', name]);
  const commandOf = async (id: string) => (await admin.get(`/api/v1/commands/${id}`)).body;
  const auditActions = async () => {
    const r = await admin.get(`/api/v1/audit?clientId=${clientId}&limit=1000`);
    return (r.body.entries ?? r.body.audit ?? []) as { action: string; result: string | null; details: string | null }[];
  };

  it('installs an approved update only within the local ceiling, and never an excluded one', async () => {
    // Restarts in maintenance windows only: the approved install outside one does not restart.
    const policy = await admin.put(`/api/v1/patch-policies/client/${clientId}`, { excluded: ['vigie-test-excluded'], reboot: 'window' });
    expect(policy.status, JSON.stringify(policy.body)).toBe(200);

    // The machine's administrator set remote intervention off: the signed install is refused by the agent.
    machine.write('etc/vigie-agent-remote.conf', 'remote: off\n', 0o644);
    await admin.stepUp();
    const refused = await admin.post(`/api/v1/devices/${deviceId}/patches/approve`, { packages: [{ name: 'vigie-test-pkg' }] });
    expect(refused.status, JSON.stringify(refused.body)).toBe(200);
    const refusedId = refused.body.commands[0].commandId as string;
    const r1 = await waitFor('the agent’s refusal', async () => {
      const c = await commandOf(refusedId);
      return c?.state === 'refused' ? c : undefined;
    });
    expect(r1.error.code).toBe('VIGIE_E_REMOTE_CEILING');
    expect(await dpkgVersion('vigie-test-pkg')).toBe('1.0');

    // Allowed again: approved, installed, confirmed, listed again by the agent.
    machine.write('etc/vigie-agent-remote.conf', 'remote: actions\n', 0o644);
    await admin.stepUp();
    const approved = await admin.post(`/api/v1/devices/${deviceId}/patches/approve`, { packages: [{ name: 'vigie-test-pkg' }] });
    expect(approved.body.approved).toEqual([{ name: 'vigie-test-pkg', arch: 'all', version: '1.1' }]);
    const installed = await waitFor(
      'the install’s result',
      async () => {
        const c = await commandOf(approved.body.commands[0].commandId);
        return c?.state === 'succeeded' || c?.state === 'failed' ? c : undefined;
      },
      120_000,
    );
    expect(installed.state, installed.output).toBe('succeeded');
    expect(installed.output).toContain('vigie-test-pkg=1.1');
    expect(await dpkgVersion('vigie-test-pkg')).toBe('1.1');
    await waitFor('vigie-test-pkg no longer pending', async () => {
      const r = await api('GET', `/api/v1/devices/${deviceId}/patches`);
      return (
        !r.body.pending.some((p: { name: string }) => p.name === 'vigie-test-pkg') && r.body.recent.some((p: { name: string }) => p.name === 'vigie-test-pkg')
      );
    });
    const results = await admin.get(`/api/v1/devices/${deviceId}/patch-installs`);
    expect(results.body.results).toEqual([expect.objectContaining({ name: 'vigie-test-pkg', version: '1.1', state: 'installed', attempts: 1 })]);

    // The excluded package cannot be approved…
    await admin.stepUp();
    const excluded = await admin.post(`/api/v1/devices/${deviceId}/patches/approve`, { packages: [{ name: 'vigie-test-excluded' }] });
    expect(excluded.body.error.code).toBe('VIGIE_E_PATCH_EXCLUDED');
    // …nor goes in with the security updates of a maintenance window, which vigie-test-sec does.
    const now = Date.now();
    const w = await admin.post('/api/v1/maintenance-windows', {
      scope: 'device',
      scopeId: deviceId,
      startsAt: now - 60_000,
      endsAt: now + 3_600_000,
      reason: 'Patch Tuesday',
    });
    expect(w.status, JSON.stringify(w.body)).toBe(201);
    await waitFor('vigie-test-sec installed in the window', async () => (await dpkgVersion('vigie-test-sec')) === '1.1', 120_000, 1000);
    await waitFor('the agent’s list after it', async () => {
      const r = await api('GET', `/api/v1/devices/${deviceId}/patches`);
      return r.body.pending.length === 3 && r.body.rebootPending === true ? r.body : undefined;
    });
    expect(await dpkgVersion('vigie-test-excluded')).toBe('1.0');
    const after = await api('GET', `/api/v1/devices/${deviceId}/patches`);
    expect(after.body.pending.map((p: { name: string }) => p.name).sort()).toEqual(['vigie-test-broken', 'vigie-test-excluded', 'vigie-test-flaky']);
    // The package asked for a restart, the policy allows one in the window: ordered, with the policy's delay.
    const shutdowns = await waitFor('the restart ordered', async () => {
      const log = await machine.exec('cat', ['/var/log/vigie-test-shutdown.log']).catch(() => '');
      return log.trim() ? log.trim().split('\n') : undefined;
    });
    expect(shutdowns).toHaveLength(1);
    expect(shutdowns[0]).toMatch(/^-r \+5 Vigie/);
    const compliance = await api('GET', `/api/v1/patches/compliance?clientId=${clientId}`);
    expect(compliance.body.devices).toEqual([expect.objectContaining({ deviceId, rebootPending: true })]);
    const sent = (await admin.get(`/api/v1/commands?deviceId=${deviceId}&action=patch-install`)).body.commands as { args: { packages: { name: string }[] } }[];
    expect(sent.flatMap((c) => c.args.packages.map((p) => p.name))).not.toContain('vigie-test-excluded');

    // Every step is in the audit log.
    const actions = (await auditActions()).map((e) => `${e.action} ${e.result ?? ''}`.trim());
    for (const a of [
      'patch.approve ok',
      'patch.approve refused: excluded',
      'command.create queued',
      'command.refused refused: VIGIE_E_REMOTE_CEILING',
      'command.finished ok',
      'patch.package.installed ok',
    ])
      expect(actions, a).toContain(a);
    expect(actions.filter((a) => a === 'patch.package.installed ok')).toHaveLength(2);
  });

  it('a failed package is tried once more: installed at its second attempt, or reported failed after two; no restart when the policy says ask', async () => {
    const policy = await admin.put(`/api/v1/patch-policies/client/${clientId}`, { excluded: ['vigie-test-excluded'], reboot: 'ask' });
    expect(policy.status, JSON.stringify(policy.body)).toBe(200);
    await admin.stepUp();
    const approved = await admin.post(`/api/v1/devices/${deviceId}/patches/approve`, {
      packages: [{ name: 'vigie-test-flaky' }, { name: 'vigie-test-broken' }],
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const done = await waitFor(
      'the install’s result',
      async () => {
        const c = await commandOf(approved.body.commands[0].commandId);
        return c?.state === 'succeeded' || c?.state === 'failed' ? c : undefined;
      },
      180_000,
    );
    // One package failed: the command failed, each package's outcome kept.
    expect(done.state, done.output).toBe('failed');
    expect(done.output).toContain('vigie-test-flaky: first attempt refused');
    expect(done.output).toMatch(/vigie-test-flaky=1\.1: .*trying once more/);
    expect(done.output.match(/vigie-test-broken: always refused/g)).toHaveLength(2);
    expect(await dpkgVersion('vigie-test-flaky')).toBe('1.1');
    expect(await dpkgVersion('vigie-test-broken')).toBe('1.0');
    const results = (await admin.get(`/api/v1/devices/${deviceId}/patch-installs`)).body.results as { name: string; state: string; attempts: number }[];
    expect(
      results
        .filter((r) => r.name !== 'vigie-test-pkg' && r.name !== 'vigie-test-sec')
        .map((r) => [r.name, r.state, r.attempts])
        .sort(),
    ).toEqual([
      ['vigie-test-broken', 'failed', 2],
      ['vigie-test-flaky', 'installed', 2],
    ]);
    // A restart is still pending, but 'ask' leaves it to a technician: still the one restart of the window.
    await waitFor('the agent’s list after it', async () => {
      const r = await api('GET', `/api/v1/devices/${deviceId}/patches`);
      return r.body.pending.length === 2 ? r.body : undefined;
    });
    expect((await machine.exec('cat', ['/var/log/vigie-test-shutdown.log'])).trim().split('\n')).toHaveLength(1);
    const actions = (await auditActions()).map((e) => `${e.action} ${e.result ?? ''}`.trim());
    expect(actions).toContain('patch.package.failed failed after 2 attempt(s)');
  });
});
