import { verify } from 'node:crypto';
import type { PendingUpdate } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolTotp, freshTotpCode } from '../src/auth/totp/test-codes.js';
import { enrollAgent, type Harness, login, type Session, startHarness, TestAgent, TOTP_SECRETS } from './harness.js';

// Patch policies, approvals and the install schedule, against a real collector and an agent peer
// over the real channel: what is signed for the agent (exact packages and versions), what is never
// (an excluded package), every step in the audit log, each package's outcome kept.
let h: Harness;
let admin: Session;
let tech: Session;
let acmeUser: Session;
let agent: TestAgent;
let cred: { agentId: string; secret: string; deviceId: number };
let globexDevice: number;

const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const pkg = (name: string, security: boolean): PendingUpdate => ({
  name,
  arch: 'all',
  installedVersion: '1.0',
  candidateVersion: '1.1',
  security,
  rebootRequired: false,
});
const audit = (action: string) =>
  h.collector.db.kysely.selectFrom('audit_log').select(['actor', 'target', 'result', 'details']).where('action', '=', action).orderBy('id').execute();
/** The envelope as the agent receives it, its signature checked with the collector's public key. */
function opened(frame: { body: { envelope: string; signature: string } }) {
  const bytes = Buffer.from(frame.body.envelope, 'base64url');
  const pub = h.collector.remote.keys.current().publicKey;
  const key = { key: Buffer.concat([ED25519_SPKI, Buffer.from(pub, 'base64url')]), format: 'der' as const, type: 'spki' as const };
  expect(verify(null, bytes, key, Buffer.from(frame.body.signature, 'base64url'))).toBe(true);
  return JSON.parse(bytes.toString('utf8'));
}

beforeAll(async () => {
  h = await startHarness({ patchIntervalMs: 0 });
  admin = await login(h.url, 'admin@vigie.test');
  const techId = (await h.collector.db.kysely.selectFrom('users').select('id').where('email', '=', 'tech@vigie.test').executeTakeFirstOrThrow()).id;
  TOTP_SECRETS.set('tech@vigie.test', (await enrolTotp(h.collector, { id: techId, email: 'tech@vigie.test' })).secret);
  tech = await login(h.url, 'tech@vigie.test');
  acmeUser = await login(h.url, 'dsi@acme.test');
  cred = await enrollAgent(h, h.acme.siteId, 'srv-acme');
  globexDevice = (await enrollAgent(h, h.globex.siteId, 'srv-globex')).deviceId;
  agent = await TestAgent.connect(h.wsUrl, cred);
  await agent.hello({ hostname: 'srv-acme' });
  const seq = agent.send('patches', {
    source: 'apt',
    collectedAt: Date.now(),
    rebootPending: false,
    updates: [pkg('vigie-test-pkg', false), pkg('vigie-test-sec', true), pkg('vigie-test-excluded', true)],
  });
  await agent.waitAck(seq);
});
afterAll(async () => {
  agent?.close();
  await h.close();
});

describe('patch policies', () => {
  it('are set per client by staff with the remote permission, audited with before and after', async () => {
    const denied = await tech.put(`/api/v1/patch-policies/client/${h.acme.clientId}`, { excluded: ['vigie-test-excl*'] });
    expect(denied.body.error.code).toBe('VIGIE_E_REMOTE_PERMISSION_REQUIRED');
    expect((await acmeUser.put(`/api/v1/patch-policies/client/${h.acme.clientId}`, { excluded: [] })).status).toBe(403);
    const bad = await admin.put(`/api/v1/patch-policies/client/${h.acme.clientId}`, { reboot: 'sometimes' });
    expect(bad.body.error.code).toBe('VIGIE_E_VALIDATION');
    const ok = await admin.put(`/api/v1/patch-policies/client/${h.acme.clientId}`, { excluded: ['vigie-test-excl*'], reboot: 'window' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const effective = await acmeUser.get(`/api/v1/devices/${cred.deviceId}/patch-policy`);
    expect(effective.body.policy).toEqual({ securityInWindow: true, excluded: ['vigie-test-excl*'], reboot: 'window', rebootDelayMin: 5 });
    expect(effective.body.canApprove).toBe(false);
    expect((await audit('patch.policy.update')).at(-1)).toMatchObject({ target: `client:${h.acme.clientId}`, result: 'ok' });
    expect(JSON.parse((await audit('patch.policy.update')).at(-1)!.details ?? 'null')).toMatchObject({
      before: null,
      after: { excluded: ['vigie-test-excl*'] },
    });
  });
});

describe('approvals and the schedule', () => {
  it('an approval needs a fresh step-up, then signs exactly the approved package and version for this agent', async () => {
    const before = await admin.post(`/api/v1/devices/${cred.deviceId}/patches/approve`, { packages: [{ name: 'vigie-test-pkg' }] });
    expect(before.body.error.code).toBe('VIGIE_E_STEP_UP_REQUIRED');
    expect((await admin.post('/api/v1/auth/step-up', { code: await freshTotpCode(TOTP_SECRETS.get('admin@vigie.test')!) })).status).toBe(200);
    const r = await admin.post(`/api/v1/devices/${cred.deviceId}/patches/approve`, { packages: [{ name: 'vigie-test-pkg' }] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.approved).toEqual([{ name: 'vigie-test-pkg', arch: 'all', version: '1.1' }]);
    const frame = await agent.next((m) => m.type === 'command' && m.body.commandId === r.body.commands[0].commandId);
    const env = opened(frame);
    expect(env).toMatchObject({ action: 'patch-install', deviceId: cred.deviceId, agentId: cred.agentId, clientId: h.acme.clientId });
    // Outside a maintenance window: no restart, whatever the policy says for windows.
    expect(env.args).toEqual({ source: 'apt', packages: [{ name: 'vigie-test-pkg', arch: 'all', version: '1.1' }], reboot: 'never', rebootDelayMin: 5 });
    expect((await audit('patch.approve')).at(-1)).toMatchObject({ target: `device:${cred.deviceId}`, result: 'ok' });
    expect((await audit('command.create')).at(-1)).toMatchObject({ actor: 'system:patches', result: 'queued' });
  });

  it('an excluded package is refused even to an admin, and the refusal is audited', async () => {
    const r = await admin.post(`/api/v1/devices/${cred.deviceId}/patches/approve`, { packages: [{ name: 'vigie-test-excluded' }] });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('VIGIE_E_PATCH_EXCLUDED');
    expect((await audit('patch.approve')).at(-1)).toMatchObject({ result: 'refused: excluded' });
    const none = await admin.post(`/api/v1/devices/${cred.deviceId}/patches/approve`, { packages: [{ name: 'not-pending' }] });
    expect(none.body.error.code).toBe('VIGIE_E_PATCH_NOT_PENDING');
  });

  it('in a maintenance window, pending security updates go automatically — not the excluded one, not one already on its way', async () => {
    const now = Date.now();
    expect(await h.collector.patches.installs.schedule(now)).toEqual([]);
    const w = await admin.post('/api/v1/maintenance-windows', {
      scope: 'site',
      scopeId: h.acme.siteId,
      startsAt: now - 60_000,
      endsAt: now + 3_600_000,
      reason: 'Mises à jour du mardi',
    });
    expect(w.status, JSON.stringify(w.body)).toBe(201);
    const queued = await h.collector.patches.installs.schedule(Date.now());
    expect(queued).toHaveLength(1);
    const frame = await agent.next((m) => m.type === 'command' && m.body.commandId === queued[0]!.commandId);
    const env = opened(frame);
    expect(env.args).toEqual({ source: 'apt', packages: [{ name: 'vigie-test-sec', arch: 'all', version: '1.1' }], reboot: 'if-required', rebootDelayMin: 5 });
    // Valid no longer than the window.
    expect(env.expiresAt).toBeLessThanOrEqual(now + 3_600_000);
    // Nothing more while those run.
    expect(await h.collector.patches.installs.schedule(Date.now())).toEqual([]);
  });

  it('keeps each package’s outcome as the agent reports it, audits it, and does not try a failed version again by itself', async () => {
    // Queue order breaks a tie of created_at (the rowid's order on SQLite).
    const commands = await h.collector.db.kysely
      .selectFrom('commands')
      .select(['id', 'args'])
      .where('action', '=', 'patch-install')
      .orderBy('created_at')
      .orderBy('queue_seq')
      .execute();
    const [approved, security] = commands;
    for (const c of [approved!, security!]) agent.send('command-ack', { commandId: c.id, state: 'accepted', ceiling: 'actions', at: Date.now() });
    agent.send('command-result', {
      commandId: approved!.id,
      ok: true,
      exitCode: 0,
      durationMs: 900,
      packages: [{ name: 'vigie-test-pkg', arch: 'all', version: '1.1', state: 'installed', attempts: 1 }],
    });
    const last = agent.send('command-result', {
      commandId: security!.id,
      ok: false,
      exitCode: 1,
      durationMs: 2100,
      error: { code: 'VIGIE_E_PATCH_INSTALL_FAILED', message: 'vigie-test-sec: apt-get exited with 100' },
      packages: [{ name: 'vigie-test-sec', arch: 'all', version: '1.1', state: 'failed', attempts: 2, error: 'apt-get exited with 100' }],
    });
    await agent.waitAck(last);
    const installs = await acmeUser.get(`/api/v1/devices/${cred.deviceId}/patch-installs`);
    expect(installs.body.results.map((r: { name: string; state: string; attempts: number }) => [r.name, r.state, r.attempts]).sort()).toEqual([
      ['vigie-test-pkg', 'installed', 1],
      ['vigie-test-sec', 'failed', 2],
    ]);
    expect(installs.body.approvals).toEqual([expect.objectContaining({ name: 'vigie-test-pkg', state: 'installed', approvedBy: 'Admin' })]);
    expect(await audit('patch.package.installed')).toEqual([expect.objectContaining({ actor: `agent:${cred.agentId}`, result: 'ok' })]);
    expect(await audit('patch.package.failed')).toEqual([expect.objectContaining({ result: 'failed after 2 attempt(s)' })]);
    expect(await h.collector.db.kysely.selectFrom('commands').select('state').where('id', '=', security!.id).executeTakeFirstOrThrow()).toEqual({
      state: 'failed',
    });
    // Still in the window: the failed version waits for a technician.
    expect(await h.collector.patches.installs.schedule(Date.now())).toEqual([]);
    expect((await acmeUser.get(`/api/v1/devices/${globexDevice}/patch-installs`)).status).toBe(404);
  });
});

describe('patch policies by level', () => {
  it('a site’s and a device’s policy override the client’s key by key (the narrowest wins), exclusions add up', async () => {
    const site = await admin.put(`/api/v1/patch-policies/site/${h.acme.siteId}`, { excluded: ['linux-image-*'], reboot: 'never' });
    expect(site.status, JSON.stringify(site.body)).toBe(200);
    const device = await admin.put(`/api/v1/patch-policies/device/${cred.deviceId}`, { securityInWindow: false, reboot: 'ask', rebootDelayMin: 15 });
    expect(device.status, JSON.stringify(device.body)).toBe(200);
    const effective = await acmeUser.get(`/api/v1/devices/${cred.deviceId}/patch-policy`);
    expect(effective.body.policy).toEqual({ securityInWindow: false, excluded: ['linux-image-*', 'vigie-test-excl*'], reboot: 'ask', rebootDelayMin: 15 });
    expect((await audit('patch.policy.update')).map((a) => a.target)).toEqual([
      `client:${h.acme.clientId}`,
      `site:${h.acme.siteId}`,
      `device:${cred.deviceId}`,
    ]);
    // Another client's device keeps the defaults: nothing leaks across clients.
    const other = await admin.get(`/api/v1/devices/${globexDevice}/patch-policy`);
    expect(other.body.policy).toEqual({ securityInWindow: true, excluded: [], reboot: 'ask', rebootDelayMin: 5 });
  });
});
