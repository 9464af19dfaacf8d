import { createPublicKey, verify } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';

// A TOTP code is accepted once: past three sign-ins or step-ups in 30 s, the next waits for a new step.
vi.setConfig({ testTimeout: 120_000 });

import { enrolTotp, freshTotpCode } from '../src/auth/totp/test-codes.js';
import { enrollAgent, type Harness, login, PASSWORD, type Session, startHarness, TestAgent, TOTP_SECRETS } from './harness.js';

// The commands domain against a real collector: the script library and its approval, permissions,
// step-up, signed envelopes queued for offline agents and delivered in order within a run's
// concurrency, what agents answer (refusals audited), the client's view, and the audit chain.
let h: Harness;
let admin: Session;
let tech: Session;
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');

const sha256 = async (s: string) => (await import('node:crypto')).createHash('sha256').update(s).digest('hex');
const stepUp = async (s: Session, email: string) => {
  const r = await s.post('/api/v1/auth/step-up', { code: await freshTotpCode(TOTP_SECRETS.get(email)!) });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
/** A protocol peer for an enrolled agent, continuing its sequence numbers (the collector drops replays). */
async function connect(cred: { agentId: string; secret: string }): Promise<TestAgent> {
  const a = await TestAgent.connect(h.wsUrl, cred);
  a.seq = (await h.collector.db.kysely.selectFrom('agents').select('last_seq').where('id', '=', cred.agentId).executeTakeFirstOrThrow()).last_seq;
  return a;
}
async function disconnect(a: TestAgent, agentId: string): Promise<void> {
  a.close();
  await a.closed;
  while (h.collector.channel.holds(agentId)) await new Promise((r) => setTimeout(r, 20));
}
const audit = (action: string) => h.collector.db.kysely.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute();
const userIdOf = async (email: string) =>
  (await h.collector.db.kysely.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;

let acmeAgent: { agentId: string; secret: string; deviceId: number; commandKey?: { keyId: string; publicKey: string } };
let acmeAgent2: { agentId: string; secret: string; deviceId: number };
let globexAgent: { agentId: string; secret: string; deviceId: number };
let approvedVersion: number;
const SCRIPT = 'echo "hello $VIGIE_PARAM_NAME"\n';

beforeAll(async () => {
  h = await startHarness();
  admin = await login(h.url, 'admin@vigie.test');
  const techId = await userIdOf('tech@vigie.test');
  TOTP_SECRETS.set('tech@vigie.test', (await enrolTotp(h.collector, { id: techId, email: 'tech@vigie.test' })).secret);
  tech = await login(h.url, 'tech@vigie.test');
  acmeAgent = await enrollAgent(h, h.acme.siteId, 'acme-1');
  acmeAgent2 = await enrollAgent(h, h.acme.siteId, 'acme-2');
  globexAgent = await enrollAgent(h, h.globex.siteId, 'globex-1');
});
afterAll(async () => h.close());

describe('TOTP second factor', () => {
  it('forces an admin without TOTP to enrol before anything else, then asks for a code at every sign-in', async () => {
    const r = await admin.post('/api/v1/users', { email: 'root2@vigie.test', name: 'Second Admin', role: 'admin', password: 'another-long-password' });
    expect(r.status).toBe(201);
    const fresh = await login(h.url, 'root2@vigie.test', 'another-long-password');
    expect((await fresh.get('/api/v1/clients')).body.error.code).toBe('VIGIE_E_TOTP_ENROLMENT_REQUIRED');
    expect((await fresh.get('/api/v1/auth/totp')).body).toMatchObject({ enabled: false, required: true });
    // Nor does it hear anything live before it enrolled.
    const liveStatus = () =>
      new Promise<number | string>((resolve) => {
        const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/live`, { headers: { cookie: fresh.cookie } });
        ws.once('open', () => {
          ws.close();
          resolve('open');
        });
        ws.once('unexpected-response', (_req, res) => resolve(String(res.headers['x-vigie-error'] ?? res.statusCode)));
      });
    expect(await liveStatus()).toBe('VIGIE_E_TOTP_ENROLMENT_REQUIRED');
    const setup = await fresh.post('/api/v1/auth/totp/setup');
    expect(setup.body.qrSvg).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(setup.body.qrSvg.split(',')[1], 'base64').toString()).toContain('<svg');
    expect(setup.body.uri).toMatch(/^otpauth:\/\/totp\/Vigie:root2%40vigie\.test\?secret=/);
    expect((await fresh.post('/api/v1/auth/totp/confirm', { code: '000000' })).body.error.code).toBe('VIGIE_E_TOTP_INVALID');
    const confirm = await fresh.post('/api/v1/auth/totp/confirm', { code: await freshTotpCode(setup.body.secret) });
    expect(confirm.body.recoveryCodes).toHaveLength(10);
    // Stored only as hashes.
    const stored = await h.collector.db.kysely.selectFrom('user_recovery_codes').select('code_hash').execute();
    expect(stored.map((s) => s.code_hash)).not.toContain(confirm.body.recoveryCodes[0]);
    // The seed is sealed at rest, not in clear in the database.
    expect(JSON.stringify(await h.collector.db.kysely.selectFrom('user_totp').selectAll().execute())).not.toContain(setup.body.secret);
    expect((await fresh.get('/api/v1/clients')).status).toBe(200);
    expect(await liveStatus()).toBe('open');

    const signIn = (body: object) =>
      fetch(`${h.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'root2@vigie.test', password: 'another-long-password', ...body }),
      });
    expect(((await (await signIn({})).json()) as any).error.code).toBe('VIGIE_E_TOTP_REQUIRED');
    expect(((await (await signIn({ totp: '123456' })).json()) as any).error.code).toBe('VIGIE_E_TOTP_INVALID');
    const code = await freshTotpCode(setup.body.secret);
    expect((await signIn({ totp: code })).status).toBe(200);
    // The same code twice: refused (replay).
    expect(((await (await signIn({ totp: code })).json()) as any).error.code).toBe('VIGIE_E_TOTP_INVALID');
    // A recovery code works once.
    expect((await signIn({ recoveryCode: confirm.body.recoveryCodes[3].toLowerCase() })).status).toBe(200);
    expect(((await (await signIn({ recoveryCode: confirm.body.recoveryCodes[3] })).json()) as any).error.code).toBe('VIGIE_E_TOTP_INVALID');
  });

  it('makes it mandatory for a technician as soon as it may act on a client', async () => {
    await admin.post('/api/v1/users', { email: 'tech2@vigie.test', name: 'Tech Deux', role: 'technician', password: 'another-long-password' });
    const t2 = await login(h.url, 'tech2@vigie.test', 'another-long-password');
    expect((await t2.get('/api/v1/clients')).status).toBe(200);
    const id = await userIdOf('tech2@vigie.test');
    expect((await admin.put(`/api/v1/users/${id}/remote-permissions`, { clientIds: [h.acme.clientId] })).body.clientIds).toEqual([h.acme.clientId]);
    expect((await t2.get('/api/v1/clients')).body.error.code).toBe('VIGIE_E_TOTP_ENROLMENT_REQUIRED');
    expect((await audit('user.remote-permission')).at(-1)?.target).toBe(`user:${id}`);
  });
});

describe('script library', () => {
  it('keeps versions immutable and hashed, and runs none before an admin approved it (with a step-up)', async () => {
    const created = await tech.post('/api/v1/scripts', {
      name: 'Bonjour',
      language: 'sh',
      content: SCRIPT,
      params: [{ name: 'name', type: 'string', required: true, maxLength: 40 }],
      timeoutSec: 60,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.sha256).toBe(await sha256(SCRIPT));
    approvedVersion = created.body.id;
    await admin.put(`/api/v1/users/${await userIdOf('tech@vigie.test')}/remote-permissions`, {
      clientIds: [h.acme.clientId],
    });
    await stepUp(tech, 'tech@vigie.test');
    const run = await tech.post('/api/v1/commands', {
      target: { kind: 'device', id: acmeAgent.deviceId },
      action: 'script',
      scriptVersionId: approvedVersion,
      params: { name: 'x' },
    });
    expect(run.body.error.code).toBe('VIGIE_E_SCRIPT_NOT_APPROVED');
    expect((await tech.post(`/api/v1/script-versions/${approvedVersion}/approve`)).status).toBe(403);
    expect((await admin.post(`/api/v1/script-versions/${approvedVersion}/approve`)).body.error.code).toBe('VIGIE_E_STEP_UP_REQUIRED');
    await stepUp(admin, 'admin@vigie.test');
    const ok = await admin.post(`/api/v1/script-versions/${approvedVersion}/approve`);
    expect(ok.body.approvedBy).toBe('Admin');
    expect((await admin.post(`/api/v1/script-versions/${approvedVersion}/approve`)).body.error.code).toBe('VIGIE_E_CONFLICT');
    // The triggers raise the same message on both engines.
    await expect(h.collector.db.kysely.updateTable('script_versions').set({ content: 'id' }).where('id', '=', approvedVersion).execute()).rejects.toThrow(
      /VIGIE_IMMUTABLE/,
    );
    await expect(h.collector.db.kysely.deleteFrom('script_versions').where('id', '=', approvedVersion).execute()).rejects.toThrow(/VIGIE_IMMUTABLE/);
  });
});

describe('running commands', () => {
  it('refuses a script without a fresh step-up of this very session, and without the client permission', async () => {
    const other = await login(h.url, 'tech@vigie.test', PASSWORD, { fresh: true });
    const body = { target: { kind: 'device', id: acmeAgent.deviceId }, action: 'script', scriptVersionId: approvedVersion, params: { name: 'x' } };
    expect((await other.post('/api/v1/commands', body)).body.error.code).toBe('VIGIE_E_STEP_UP_REQUIRED');
    await stepUp(other, 'tech@vigie.test');
    expect((await other.post('/api/v1/commands', { ...body, target: { kind: 'device', id: globexAgent.deviceId } })).body.error.code).toBe(
      'VIGIE_E_REMOTE_PERMISSION_REQUIRED',
    );
    expect((await other.post('/api/v1/commands', { ...body, params: { name: 'x', other: 1 } })).body.error.message).toBe('Paramètre inconnu : other');
    // A service restart needs no step-up, but its arguments are checked.
    expect(
      (await other.post('/api/v1/commands', { target: { kind: 'device', id: acmeAgent.deviceId }, action: 'service-restart', args: { service: '-x' } })).status,
    ).toBe(400);
  });

  it('signs one envelope per device with the key agents pinned, queues it for an offline agent, and delivers it at hello', async () => {
    expect(acmeAgent.commandKey?.keyId).toMatch(/^[0-9a-f]{16}$/);
    await stepUp(tech, 'tech@vigie.test');
    const run = await tech.post('/api/v1/commands', {
      target: { kind: 'device', id: acmeAgent.deviceId },
      action: 'script',
      scriptVersionId: approvedVersion,
      params: { name: 'Acme' },
    });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    const cmd = run.body.commands[0];
    expect(cmd.state).toBe('queued');
    const agent = await connect(acmeAgent);
    await agent.hello();
    const m = await agent.next((x) => x.type === 'command' && x.body.commandId === cmd.id);
    const bytes = Buffer.from(m.body.envelope, 'base64url');
    const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI, Buffer.from(acmeAgent.commandKey!.publicKey, 'base64url')]), format: 'der', type: 'spki' });
    expect(verify(null, bytes, key, Buffer.from(m.body.signature, 'base64url'))).toBe(true);
    const env = JSON.parse(bytes.toString());
    expect(env).toMatchObject({
      action: 'script',
      deviceId: acmeAgent.deviceId,
      agentId: acmeAgent.agentId,
      scriptSha256: await sha256(SCRIPT),
      runAs: 'agent',
    });
    expect(env.args.params).toEqual({ name: 'Acme' });
    expect(m.body.script).toBe(SCRIPT);
    expect((await tech.get(`/api/v1/commands/${cmd.id}`)).body.state).toBe('sent');

    const at = Date.now();
    agent.send('command-ack', { commandId: cmd.id, state: 'accepted', ceiling: 'scripts', at });
    agent.send('command-output', { commandId: cmd.id, stream: 'stdout', index: 0, data: 'hello Acme\n', at });
    const seq = agent.send('command-result', { commandId: cmd.id, ok: true, exitCode: 0, durationMs: 12, outputBytes: 11, truncated: false });
    await agent.waitAck(seq);
    const done = (await tech.get(`/api/v1/commands/${cmd.id}`)).body;
    expect(done).toMatchObject({ state: 'succeeded', exitCode: 0, durationMs: 12, output: 'hello Acme\n' });
    expect((await audit('command.finished')).find((a) => a.target === `command:${cmd.id}`)?.result).toBe('ok');
    // Another device's agent cannot touch this command.
    const g = await connect(globexAgent);
    await g.hello();
    const gs = g.send('command-result', { commandId: cmd.id, ok: false, exitCode: 9 });
    await g.waitAck(gs);
    expect((await tech.get(`/api/v1/commands/${cmd.id}`)).body.exitCode).toBe(0);
    await disconnect(agent, acmeAgent.agentId);
    await disconnect(g, globexAgent.agentId);
  });

  it('records a refusal with its reason in the audit log, for the client to read', async () => {
    const run = await tech.post('/api/v1/commands', {
      target: { kind: 'device', id: acmeAgent.deviceId },
      action: 'log-fetch',
      args: { path: '/var/log/syslog', maxBytes: 1000 },
    });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    const id = run.body.commands[0].id;
    const agent = await connect(acmeAgent);
    await agent.hello();
    await agent.next((x) => x.type === 'command' && x.body.commandId === id);
    const seq = agent.send('command-ack', {
      commandId: id,
      state: 'refused',
      code: 'VIGIE_E_REMOTE_CEILING',
      message: 'this machine allows "off"',
      ceiling: 'off',
      at: Date.now(),
    });
    await agent.waitAck(seq);
    await disconnect(agent, acmeAgent.agentId);
    expect((await tech.get(`/api/v1/commands/${id}`)).body).toMatchObject({ state: 'refused', error: { code: 'VIGIE_E_REMOTE_CEILING' } });
    const entry = (await audit('command.refused')).find((a) => a.target === `command:${id}`)!;
    expect(entry.result).toBe('refused: VIGIE_E_REMOTE_CEILING');
    expect(entry.client_id).toBe(h.acme.clientId);
    const acme = await login(h.url, 'dsi@acme.test');
    const mine = (await acme.get(`/api/v1/clients/${h.acme.clientId}/remote-actions`)).body.commands;
    expect(mine.find((c: any) => c.id === id)).toMatchObject({ state: 'refused', action: 'log-fetch', issuedBy: 'Technicienne' });
    expect(mine[0].args).toBeUndefined();
    expect((await acme.get(`/api/v1/devices/${acmeAgent.deviceId}/commands`)).body.commands.length).toBeGreaterThan(0);
    const globex = await login(h.url, 'it@globex.test');
    expect((await globex.get(`/api/v1/clients/${h.acme.clientId}/remote-actions`)).status).toBe(404);
    expect((await globex.get(`/api/v1/devices/${acmeAgent.deviceId}/commands`)).status).toBe(404);
    expect((await globex.get(`/api/v1/clients/${h.globex.clientId}/remote-actions`)).body.commands).toEqual([]);
    expect((await acme.get('/api/v1/commands')).status).toBe(403);
  });

  it('keeps a run within its concurrency: the next machine gets it when one finishes', async () => {
    const run = await tech.post('/api/v1/commands', {
      target: { kind: 'site', id: h.acme.siteId },
      action: 'process-kill',
      args: { pid: 4242, force: false },
      concurrency: 1,
    });
    expect(run.body.commands).toHaveLength(2);
    const a1 = await connect(acmeAgent);
    const a2 = await connect(acmeAgent2);
    await a1.hello();
    await a2.hello();
    const ids = run.body.commands.map((c: any) => c.id);
    const first = await Promise.race([
      a1.next((x) => x.type === 'command' && ids.includes(x.body.commandId)).then((m) => ({ a: a1, other: a2, m })),
      a2.next((x) => x.type === 'command' && ids.includes(x.body.commandId)).then((m) => ({ a: a2, other: a1, m })),
    ]);
    // Proof the other could receive: it does, once the first finished — and not before.
    await new Promise((r) => setTimeout(r, 500));
    expect(first.other.received.some((x) => x.type === 'command' && ids.includes(x.body.commandId))).toBe(false);
    const seq = first.a.send('command-result', { commandId: first.m.body.commandId, ok: true, exitCode: 0, durationMs: 1 });
    await first.a.waitAck(seq);
    await first.other.next((x) => x.type === 'command' && ids.includes(x.body.commandId));
    const last = first.other.received.find((x) => x.type === 'command' && ids.includes(x.body.commandId));
    const s2 = first.other.send('command-result', { commandId: last.body.commandId, ok: true, exitCode: 0, durationMs: 1 });
    await first.other.waitAck(s2);
    await disconnect(a1, acmeAgent.agentId);
    await disconnect(a2, acmeAgent2.agentId);
  });

  it('never sends a command past its expiry: it is marked expired and audited', async () => {
    const run = await tech.post('/api/v1/commands', {
      target: { kind: 'device', id: acmeAgent2.deviceId },
      action: 'service-restart',
      args: { service: 'cron' },
      expiresInMin: 1,
    });
    const id = run.body.commands[0].id;
    // Two minutes later (the collector's clock moved on): the sweep expires it.
    expect(await h.collector.remote.commands.expire(Date.now() + 120_000)).toBeGreaterThanOrEqual(1);
    const a = await connect(acmeAgent2);
    await a.hello();
    await new Promise((r) => setTimeout(r, 500));
    expect(a.received.some((x) => x.type === 'command' && x.body.commandId === id)).toBe(false);
    await disconnect(a, acmeAgent2.agentId);
    expect((await tech.get(`/api/v1/commands/${id}`)).body.state).toBe('expired');
    expect((await audit('command.expired')).some((e) => e.target === `command:${id}`)).toBe(true);
  });
});

describe('policies name approved scripts only', () => {
  it('refuses an unapproved script in a backup target, and sends the device a signed grant before its policy', async () => {
    const unapproved = await tech.post('/api/v1/scripts', { name: 'Veeam status', language: 'sh', content: 'veeamconfig session list\n' });
    const refused = await tech.put(`/api/v1/policies/device/${acmeAgent.deviceId}`, {
      probes: { backup: { targets: [{ kind: 'command', name: 'veeam', script: unapproved.body.sha256 }] } },
    });
    expect(refused.body.error.code).toBe('VIGIE_E_SCRIPT_NOT_APPROVED');
    const ok = await tech.put(`/api/v1/policies/device/${acmeAgent.deviceId}`, {
      probes: { backup: { targets: [{ kind: 'command', name: 'bonjour', script: await sha256(SCRIPT), params: { name: 'backup' } }] } },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const a = await connect(acmeAgent);
    await a.hello();
    const isGrant = (x: { type: string; body: { envelope?: string } }) =>
      x.type === 'command' && JSON.parse(Buffer.from(x.body.envelope ?? '', 'base64url').toString() || '{}').action === 'policy-script';
    // The policy goes at hello without waiting for the store; the grant follows, then the policy again.
    await a.next(isGrant);
    await a.next((x) => x.type === 'policy' && a.received.indexOf(x) > a.received.findIndex(isGrant));
    const grantIndex = a.received.findIndex(isGrant);
    const policyIndex = a.received.findLastIndex((x) => x.type === 'policy');
    expect(grantIndex).toBeGreaterThanOrEqual(0);
    expect(grantIndex).toBeLessThan(policyIndex);
    await disconnect(a, acmeAgent.agentId);
  });
});

describe('the audit log', () => {
  it('is append-only and hash-chained: verify passes, then finds an edited entry and a removed one', async () => {
    const verifyNow = async () => (await admin.get('/api/v1/audit/verify')).body;
    const before = await verifyNow();
    expect(before.ok, JSON.stringify(before.problems)).toBe(true);
    expect(before.entries).toBeGreaterThan(10);
    const db = h.collector.db.kysely;
    const edit = () => db.updateTable('audit_log').set({ actor: 'user:999' }).where('id', '=', 3).executeTakeFirstOrThrow();
    await expect(edit()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('audit_log').where('id', '=', 3).execute()).rejects.toThrow(/append-only/);
    // An attacker with the database file drops the trigger and edits one entry.
    // (PostgreSQL names a trigger's table in DROP TRIGGER, SQLite does not accept it.)
    await sql.raw(h.collector.db.dialect === 'postgres' ? 'DROP TRIGGER audit_log_no_update ON audit_log' : 'DROP TRIGGER audit_log_no_update').execute(db);
    expect((await edit()).numUpdatedRows).toBe(1n);
    const after = await verifyNow();
    expect(after.ok).toBe(false);
    expect(after.problems[0]).toEqual({ id: 3, problem: 'was edited: its content no longer matches its hash' });
  });

  it('records every billing settings change', async () => {
    await stepUp(admin, 'admin@vigie.test');
    const seller = {
      name: 'Sibio',
      address: ['1 rue X', '69000 Lyon'],
      siren: '812345678',
      siret: '81234567800021',
      vatNumber: 'FR45812345678',
      rcs: 'RCS Lyon',
      email: 'f@sibio.test',
      legalForm: 'SARL',
    };
    expect((await admin.put('/api/v1/billing/settings', { seller })).status).toBe(200);
    const e =
      (await h.collector.db.kysely
        .selectFrom('audit_log')
        .selectAll()
        .where('action', 'like', 'billing.%')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst()) ?? ({} as any);
    expect(e.action).toBe('billing.put settings');
    expect(e.actor).toMatch(/^user:\d+$/);
  });
});
