import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, COLLECTOR_BIN, cli, cliJson, freePort, httpJson, type Proc, startProcess, waitFor } from './processes.js';
import { enrolStaff, forgeEnvelope, type Staff, StolenDatabase, signInStaff } from './remote-fixtures.js';

// Issue 16, end to end: a real collector process, real agent processes with their own ceiling
// files, commands through the REST API, and every check an agent makes seen from the audit log.
// The database is tampered with from outside (as a thief of the database file could) to make the
// real collector deliver envelopes that only the agent's own checks can refuse.
const PASSWORD = 'e2e-password-long-enough';
const execFileAsync = promisify(execFile);
let dir: string;
let base: string;
let port: number;
let collector: Proc;
const agents: Record<'a' | 'b', { proc?: Proc; deviceId: number; stateDir: string; ceilingFile: string }> = {} as never;
let admin: Staff;
let acmeId: number;
let globexId: number;
let scriptVersion: number;
const marker = () => join(dir, 'ran.log');
const LOOPBACK_POLICY = { version: 0, metricsIntervalSec: 60, inventoryIntervalSec: 3600, heartbeatSec: 30, probes: { network: { enabled: false } } };
const dataDir = () => join(dir, 'collector');
const SCRIPT = [
  'echo "début $VIGIE_PARAM_LABEL"',
  'echo "$VIGIE_COMMAND_ID" >> "$VIGIE_PARAM_MARKER"',
  'i=0',
  'while [ $i -lt 3 ]; do echo "ligne $i"; i=$((i+1)); sleep 0.2; done',
  'echo "fin"',
  '',
].join('\n');

function startCollector(): Proc {
  return startProcess(COLLECTOR_BIN, ['serve', '--port', String(port), '--data-dir', dataDir(), '--log-level', 'warn']);
}
function startAgent(name: 'a' | 'b'): Proc {
  const p = startProcess(AGENT_BIN, ['run', '--state-dir', agents[name].stateDir, '--ceiling-file', agents[name].ceilingFile, '--log-level', 'debug']);
  agents[name].proc = p;
  return p;
}
const connected = async (deviceId: number) => (await admin.get(`/api/v1/devices/${deviceId}`)).body?.device?.connected === true;
const auditOf = async (commandId: string) =>
  ((await admin.get('/api/v1/audit?limit=1000')).body.entries as any[]).filter((e) => e.target === `command:${commandId}`);
const command = async (id: string) => (await admin.get(`/api/v1/commands/${id}`)).body;
const runOnA = async (body: Record<string, unknown>) => {
  const r = await admin.post('/api/v1/commands', { target: { kind: 'device', id: agents.a.deviceId }, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.commands[0].id as string;
};
const scriptRun = (label: string, extra: Record<string, unknown> = {}) =>
  runOnA({ action: 'script', scriptVersionId: scriptVersion, params: { label, marker: marker() }, ...extra });
/** A harmless action: the collector delivers everything queued for the agent, in order, with it. */
const nudge = () => runOnA({ action: 'log-fetch', args: { path: '/var/log/vigie-e2e-absent.log', maxBytes: 100 } });
async function refusedWith(commandId: string, code: string): Promise<void> {
  await waitFor(
    `${commandId} refused with ${code}`,
    async () => (await auditOf(commandId)).some((e) => e.action === 'command.refused' && e.result === `refused: ${code}`),
    30_000,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-e2e-remote-'));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const common = ['--data-dir', dataDir()];
  acmeId = (await cliJson(COLLECTOR_BIN, ['client', 'create', '--name', 'Acme SARL', ...common])).id;
  globexId = (await cliJson(COLLECTOR_BIN, ['client', 'create', '--name', 'Globex SAS', ...common])).id;
  const site = await cliJson(COLLECTOR_BIN, ['site', 'create', '--client', 'Acme SARL', '--name', 'Siège', ...common]);
  await cliJson(COLLECTOR_BIN, [
    'user',
    'create',
    '--email',
    'admin@vigie.test',
    '--role',
    'admin',
    '--name',
    'Alice Admin',
    '--password',
    PASSWORD,
    ...common,
  ]);
  await cliJson(COLLECTOR_BIN, [
    'user',
    'create',
    '--email',
    'dsi@acme.test',
    '--role',
    'client',
    '--client',
    String(acmeId),
    '--password',
    PASSWORD,
    ...common,
  ]);
  await cliJson(COLLECTOR_BIN, [
    'user',
    'create',
    '--email',
    'it@globex.test',
    '--role',
    'client',
    '--client',
    String(globexId),
    '--password',
    PASSWORD,
    ...common,
  ]);
  const token = await cliJson(COLLECTOR_BIN, ['token', 'create', '--site', String(site.id), '--uses', '2', ...common]);
  collector = startCollector();
  await waitFor('collector up', async () => (await httpJson(`${base}/healthz`)).status === 200);
  admin = await enrolStaff(base, 'admin@vigie.test', PASSWORD);
  // Loopback only: no ping of the machine's gateway (nor anything else) from the test agents.
  const policy = await admin.put(`/api/v1/policies/client/${acmeId}`, { probes: { network: { enabled: false } } });
  expect(policy.status, JSON.stringify(policy.body)).toBe(200);
  for (const [name, ceiling] of [
    ['a', 'scripts'],
    ['b', 'actions'],
  ] as const) {
    const stateDir = join(dir, `agent-${name}`);
    const ceilingDir = join(dir, `etc-${name}`);
    mkdirSync(ceilingDir, { mode: 0o755 });
    const ceilingFile = join(ceilingDir, 'remote.conf');
    // As the installer writes it: root's, 0644.
    writeFileSync(ceilingFile, `# local ceiling, set at install\nremote: ${ceiling}\n`, { mode: 0o644 });
    const out = await cli(AGENT_BIN, ['enroll', '--url', base, '--state-dir', stateDir], { VIGIE_ENROLL_TOKEN: token.token });
    agents[name] = { deviceId: Number(/device (\d+)/.exec(out)?.[1]), stateDir, ceilingFile };
    // Loopback only from the first second: the agent starts with this policy (as if received before),
    // so no default network check (the gateway's ping) can run before the collector's policy arrives.
    writeFileSync(join(stateDir, 'state.json'), JSON.stringify({ policy: LOOPBACK_POLICY }), { mode: 0o600 });
    expect(JSON.parse(readFileSync(join(stateDir, 'remote-trust.json'), 'utf8')).current.keyId).toBe(
      (await admin.get('/api/v1/remote/key')).body.current.keyId,
    );
    startAgent(name);
  }
  await waitFor('agents online', async () => (await connected(agents.a.deviceId)) && (await connected(agents.b.deviceId)));
  const created = await admin.post('/api/v1/scripts', {
    name: 'Diagnostic e2e',
    language: 'sh',
    content: SCRIPT,
    params: [
      { name: 'label', type: 'string', required: true },
      { name: 'marker', type: 'string', required: true },
    ],
    timeoutSec: 60,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  scriptVersion = created.body.id;
  await admin.stepUp();
  expect((await admin.post(`/api/v1/script-versions/${scriptVersion}/approve`)).status).toBe(200);
}, 180_000);

afterAll(async () => {
  await agents.a?.proc?.stop();
  await agents.b?.proc?.stop();
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a real agent runs an approved script', () => {
  it('refuses to run it without a fresh step-up, then runs it once with its output kept', async () => {
    const other = await signInStaff(base, 'admin@vigie.test', PASSWORD, admin.secret);
    const r = await other.post('/api/v1/commands', {
      target: { kind: 'device', id: agents.a.deviceId },
      action: 'script',
      scriptVersionId: scriptVersion,
      params: { label: 'x', marker: marker() },
    });
    expect(r.body.error.code).toBe('VIGIE_E_STEP_UP_REQUIRED');
    await admin.stepUp();
    const id = await scriptRun('premier');
    const done = await waitFor('script finished', async () => ((await command(id)).state === 'succeeded' ? command(id) : undefined), 30_000);
    expect(done.output).toBe('début premier\nligne 0\nligne 1\nligne 2\nfin\n');
    expect(done.exitCode).toBe(0);
    expect(readFileSync(marker(), 'utf8').trim().split('\n')).toEqual([id]);
  });
});

describe('what the agent refuses, each in the audit log', () => {
  let ran: string;

  it('the same script with one byte changed', async () => {
    const db = new StolenDatabase(join(dataDir(), 'vigie.db'));
    db.tamperScript(scriptVersion);
    await admin.stepUp();
    const id = await scriptRun('altéré');
    await refusedWith(id, 'VIGIE_E_REMOTE_SCRIPT_HASH_MISMATCH');
    db.restoreScript(scriptVersion, SCRIPT);
    db.close();
    expect((await command(id)).state).toBe('refused');
  });

  it('an envelope for another device', async () => {
    await admin.stepUp();
    const forB = await admin.post('/api/v1/commands', {
      target: { kind: 'device', id: agents.b.deviceId },
      action: 'service-restart',
      args: { service: 'vigie-e2e-absent' },
      expiresInMin: 60,
    });
    const bId = forB.body.commands[0].id as string;
    const db = new StolenDatabase(join(dataDir(), 'vigie.db'));
    const a = db.command(await nudge());
    const swapped = db.copyCommand(bId, { device_id: agents.a.deviceId, agent_id: a.agent_id });
    db.close();
    await nudge();
    await refusedWith(swapped, 'VIGIE_E_REMOTE_WRONG_DEVICE');
  });

  it('one beyond the local ceiling (this machine allows actions, not scripts)', async () => {
    await admin.stepUp();
    const r = await admin.post('/api/v1/commands', {
      target: { kind: 'device', id: agents.b.deviceId },
      action: 'script',
      scriptVersionId: scriptVersion,
      params: { label: 'b', marker: marker() },
    });
    const id = r.body.commands[0].id as string;
    await refusedWith(id, 'VIGIE_E_REMOTE_CEILING');
    expect((await auditOf(id)).find((e) => e.action === 'command.refused').details.ceiling).toBe('actions');
  });

  it('a replayed one (an executed envelope queued again under a new id)', async () => {
    await admin.stepUp();
    ran = await scriptRun('rejoué');
    await waitFor('ran', async () => (await command(ran)).state === 'succeeded');
    const db = new StolenDatabase(join(dataDir(), 'vigie.db'));
    const replay = db.copyCommand(ran);
    db.close();
    await nudge();
    await refusedWith(replay, 'VIGIE_E_REMOTE_REPLAYED');
    expect(
      readFileSync(marker(), 'utf8')
        .split('\n')
        .filter((l) => l === ran),
    ).toHaveLength(1);
  });

  it('one signed by a wrong key', async () => {
    const db = new StolenDatabase(join(dataDir(), 'vigie.db'));
    const row = db.command(ran);
    const env = JSON.parse(Buffer.from(row.envelope, 'base64url').toString());
    const forged = forgeEnvelope({
      ...env,
      commandId: 'cmd_forgedbyattacker01',
      nonce: 'ab'.repeat(16),
      notBefore: Date.now(),
      expiresAt: Date.now() + 3600_000,
    });
    const id = db.copyCommand(ran, { id: 'cmd_forgedbyattacker01', ...forged });
    db.close();
    await nudge();
    await refusedWith(id, 'VIGIE_E_REMOTE_BAD_SIGNATURE');
    expect(readFileSync(marker(), 'utf8')).not.toContain('cmd_forgedbyattacker01');
  });
});

describe('an offline agent and a collector restart', () => {
  it('runs a queued command exactly once when the agent returns after the collector restarted; an expired one never', async () => {
    await agents.a.proc!.stop();
    await waitFor('agent a offline', async () => !(await connected(agents.a.deviceId)));
    await admin.stepUp();
    const queued = await scriptRun('en attente');
    const expiring = await scriptRun('périmé', { expiresInMin: 1 });
    const expiringTampered = await scriptRun('périmé mais prolongé en base', { expiresInMin: 1 });
    for (const id of [queued, expiring, expiringTampered]) expect((await command(id)).state).toBe('queued');
    await collector.stop();
    // Past the one-minute expiry while everything is down.
    await new Promise((r) => setTimeout(r, 62_000));
    const db = new StolenDatabase(join(dataDir(), 'vigie.db'));
    // The thief pushes one expiry back in the database: the signed expiry inside still holds.
    db.update('UPDATE commands SET expires_at = ? WHERE id = ?', Date.now() + 3600_000, expiringTampered);
    db.close();
    collector = startCollector();
    await waitFor('collector back', async () => (await httpJson(`${base}/healthz`)).status === 200);
    admin = await signInStaff(base, 'admin@vigie.test', PASSWORD, admin.secret);
    startAgent('a');
    await waitFor('queued command ran', async () => (await command(queued)).state === 'succeeded', 60_000);
    await refusedWith(expiringTampered, 'VIGIE_E_REMOTE_EXPIRED');
    expect((await command(expiring)).state).toBe('expired');
    expect((await auditOf(expiring)).map((e) => e.action)).toEqual(['command.expired', 'command.create']);
    // Restart both once more: nothing runs twice.
    await agents.a.proc!.stop();
    await collector.stop();
    collector = startCollector();
    await waitFor('collector back', async () => (await httpJson(`${base}/healthz`)).status === 200);
    admin = await signInStaff(base, 'admin@vigie.test', PASSWORD, admin.secret);
    startAgent('a');
    await waitFor('agent a online', async () => connected(agents.a.deviceId));
    await nudge();
    await new Promise((r) => setTimeout(r, 2000));
    const lines = readFileSync(marker(), 'utf8').split('\n');
    expect(lines.filter((l) => l === queued)).toHaveLength(1);
    expect(lines).not.toContain(expiring);
    expect(lines).not.toContain(expiringTampered);
  });
});

describe('what the client reads, and the audit chain', () => {
  it('a client user reads its own devices’ remote actions and nothing of another client’s', async () => {
    const login = async (email: string) => {
      const res = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
      return (p: string) => httpJson(`${base}${p}`, { headers: { cookie } });
    };
    const acme = await login('dsi@acme.test');
    const mine = (await acme(`/api/v1/clients/${acmeId}/remote-actions`)).body.commands as any[];
    expect(mine.length).toBeGreaterThan(5);
    expect(mine.some((c) => c.state === 'refused' && c.error.code === 'VIGIE_E_REMOTE_CEILING')).toBe(true);
    expect(mine.every((c) => c.clientId === acmeId && c.args === undefined)).toBe(true);
    const globex = await login('it@globex.test');
    expect((await globex(`/api/v1/clients/${acmeId}/remote-actions`)).status).toBe(404);
    expect((await globex(`/api/v1/devices/${agents.a.deviceId}/commands`)).status).toBe(404);
    expect((await globex(`/api/v1/clients/${globexId}/remote-actions`)).body.commands).toEqual([]);
  });

  it('`vigie-collector audit verify` passes, then fails on a database where one audit row was edited', async () => {
    await collector.stop();
    const verify = async () =>
      execFileAsync(process.execPath, [COLLECTOR_BIN, 'audit', 'verify', '--data-dir', dataDir()], { encoding: 'utf8' }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      );
    const ok = await verify();
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^audit log intact: \d+ entries, hash chain verified/);
    const db = new StolenDatabase(join(dataDir(), 'vigie.db'));
    db.exec('DROP TRIGGER audit_log_no_update');
    db.update("UPDATE audit_log SET result = 'ok' WHERE id = (SELECT MIN(id) FROM audit_log WHERE action = 'command.refused')");
    db.close();
    const bad = await verify();
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/AUDIT LOG TAMPERED WITH \(1 problem in \d+ entries\):\n {2}entry \d+: was edited: its content no longer matches its hash/);
    collector = startCollector();
  });
});
