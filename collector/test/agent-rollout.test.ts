import { createHash, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshTotpCode } from '../src/auth/totp/test-codes.js';
import { bucketOf } from '../src/updates/rings.js';
import { enrollAgent, type Harness, login, type Session, startHarness, TestAgent, TOTP_SECRETS } from './harness.js';

// The agent rollout against a real collector and agent peers over the real channel: rings (the
// named canary devices, then a stable percentage, then everyone), a pause that stops the schedule,
// a client pinned to its version whatever the rollout; every change needs an admin's step-up and
// is audited; the fleet's versions as the dashboard reads them.
let h: Harness;
let admin: Session;
let tech: Session;
let releaseDir: string;
const agents = new Map<string, { cred: { agentId: string; secret: string; deviceId: number }; peer: TestAgent }>();
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');

const dev = (name: string) => agents.get(name)!.cred.deviceId;
const nameOf = (deviceId: number) => [...agents].find(([, a]) => a.cred.deviceId === deviceId)![0];
const schedule = async () => (await h.collector.updates.rollout.schedule()).map((q) => [nameOf(q.deviceId), q.version]).sort();
const audit = async (action: string) =>
  (await h.collector.db.kysely
    .selectFrom('audit_log')
    .select(['actor', 'target', 'result', 'details'])
    .where('action', '=', action)
    .orderBy('id')
    .execute()) as {
    actor: string;
    target: string;
    result: string;
    details: string;
  }[];

beforeAll(async () => {
  h = await startHarness({ patchIntervalMs: 0, rolloutIntervalMs: 0 });
  admin = await login(h.url, 'admin@vigie.test');
  tech = await login(h.url, 'tech@vigie.test');
  releaseDir = mkdtempSync(join(tmpdir(), 'vigie-releases-'));
  for (const version of ['1.0.0', '1.1.0']) {
    const file = join(releaseDir, version);
    writeFileSync(file, `vigie-agent ${version}\n`);
    await h.collector.updates.releases.add({ file, version, platform: 'linux-x64', by: 'cli' });
  }
  for (const [name, siteId] of [
    ['acme-canary', h.acme.siteId],
    ['acme-a', h.acme.siteId],
    ['acme-b', h.acme.siteId],
    ['globex-pinned', h.globex.siteId],
  ] as const) {
    const cred = await enrollAgent(h, siteId, name);
    const peer = await TestAgent.connect(h.wsUrl, cred);
    await peer.hello({ hostname: name, agentVersion: '1.0.0', platform: 'linux', arch: 'x64' });
    agents.set(name, { cred, peer });
  }
});
afterAll(async () => {
  for (const a of agents.values()) a.peer.close();
  await h.close();
  rmSync(releaseDir, { recursive: true, force: true });
});

describe('agent rollout in rings', () => {
  it('a rollout or a pin needs an admin with a fresh step-up', async () => {
    const body = { targetVersion: '1.1.0', stage: 'canary', canary: [dev('acme-canary')] };
    expect((await tech.put('/api/v1/agent-rollout', body)).status).toBe(403);
    expect((await admin.put('/api/v1/agent-rollout', body)).body.error.code).toBe('VIGIE_E_STEP_UP_REQUIRED');
    expect((await admin.put(`/api/v1/clients/${h.globex.clientId}/agent-pin`, { version: '1.0.0' })).body.error.code).toBe('VIGIE_E_STEP_UP_REQUIRED');
    expect(await audit('agent.rollout.update')).toEqual([]);
    expect(await schedule()).toEqual([]);
  });

  it('the canary ring first: only the named device is sent a signed manifest', async () => {
    expect((await admin.post('/api/v1/auth/step-up', { code: await freshTotpCode(TOTP_SECRETS.get('admin@vigie.test')!) })).status).toBe(200);
    const pin = await admin.put(`/api/v1/clients/${h.globex.clientId}/agent-pin`, { version: '1.0.0' });
    expect(pin.status, JSON.stringify(pin.body)).toBe(200);
    const r = await admin.put('/api/v1/agent-rollout', { targetVersion: '1.1.0', stage: 'canary', canary: [dev('acme-canary')] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const queued = await h.collector.updates.rollout.schedule();
    expect(queued.map((q) => [nameOf(q.deviceId), q.version])).toEqual([['acme-canary', '1.1.0']]);
    // What the agent receives: the manifest signed by the provider's key, naming the release's bytes.
    const frame = await agents.get('acme-canary')!.peer.next((m) => m.type === 'command' && m.body.commandId === queued[0]!.commandId);
    const bytes = Buffer.from(frame.body.envelope, 'base64url');
    const pub = h.collector.remote.keys.current().publicKey;
    const key = { key: Buffer.concat([ED25519_SPKI, Buffer.from(pub, 'base64url')]), format: 'der' as const, type: 'spki' as const };
    expect(verify(null, bytes, key, Buffer.from(frame.body.signature, 'base64url'))).toBe(true);
    const env = JSON.parse(bytes.toString('utf8'));
    expect(env).toMatchObject({ action: 'agent-update', deviceId: dev('acme-canary') });
    expect(env.args).toMatchObject({
      version: '1.1.0',
      platform: 'linux-x64',
      sha256: createHash('sha256').update('vigie-agent 1.1.0\n').digest('hex'),
      size: 'vigie-agent 1.1.0\n'.length,
    });
    // Already on its way: not signed twice.
    expect(await schedule()).toEqual([]);
  });

  it('paused, the schedule sends nothing, even to devices the next ring includes', async () => {
    const r = await admin.put('/api/v1/agent-rollout', { targetVersion: '1.1.0', stage: 'all', paused: true });
    expect(r.body).toMatchObject({ stage: 'all', paused: true, canary: [dev('acme-canary')] });
    expect(await schedule()).toEqual([]);
    const fleet = await tech.get('/api/v1/agent-versions');
    expect(fleet.body.devices.every((d: { target: string | null; pinned: string | null }) => d.target === d.pinned)).toBe(true);
  });

  it('the percentage ring takes the same stable share of devices each time; then everyone but the pinned client', async () => {
    const share = Math.min(bucketOf(agents.get('acme-a')!.cred.agentId), bucketOf(agents.get('acme-b')!.cred.agentId)) + 1;
    const inShare = ['acme-a', 'acme-b'].filter((n) => bucketOf(agents.get(n)!.cred.agentId) < share);
    expect((await admin.put('/api/v1/agent-rollout', { targetVersion: '1.1.0', stage: 'percent', percent: share, paused: false })).status).toBe(200);
    expect(await schedule()).toEqual(inShare.map((n) => [n, '1.1.0']));
    const rest = ['acme-a', 'acme-b'].filter((n) => !inShare.includes(n));
    expect((await admin.put('/api/v1/agent-rollout', { targetVersion: '1.1.0', stage: 'all' })).status).toBe(200);
    // The pinned client stays on its version at stage 'all'.
    expect(await schedule()).toEqual(rest.map((n) => [n, '1.1.0']));
  });

  it('a pin to another version moves that client there, rollout or not; the fleet shows versions, targets and pins', async () => {
    const pin = await admin.put(`/api/v1/clients/${h.globex.clientId}/agent-pin`, { version: '1.1.0' });
    expect(pin.status).toBe(200);
    expect((await admin.put('/api/v1/agent-rollout', { targetVersion: null, stage: 'canary' })).status).toBe(200);
    expect(await schedule()).toEqual([['globex-pinned', '1.1.0']]);
    const fleet = await tech.get('/api/v1/agent-versions');
    expect(fleet.status).toBe(200);
    expect(fleet.body.versions).toEqual([{ version: '1.0.0', devices: 4 }]);
    expect(fleet.body.pins).toEqual([{ clientId: h.globex.clientId, version: '1.1.0' }]);
    const globex = fleet.body.devices.find((d: { hostname: string }) => d.hostname === 'globex-pinned');
    expect(globex).toMatchObject({
      version: '1.0.0',
      target: '1.1.0',
      pinned: '1.1.0',
      lastUpdate: { version: '1.1.0', state: expect.stringMatching(/^(queued|sent)$/) },
    });
    expect((await audit('agent.pin')).map((a) => JSON.parse(a.details))).toEqual([
      { before: null, after: '1.0.0' },
      { before: '1.0.0', after: '1.1.0' },
    ]);
    expect(await audit('agent.rollout.update')).toHaveLength(5);
    expect(
      (await h.collector.db.kysely.selectFrom('audit_log').select('id').where('action', '=', 'command.create').where('actor', '=', 'system:updates').execute())
        .length,
    ).toBe(4);
  });

  it('serves a release’s bytes to an authenticated agent only (not to a session, a wrong secret or no credential)', async () => {
    const path = `${h.url}/api/v1/agent/releases/1.1.0/linux-x64`;
    const { agentId, secret } = agents.get('acme-a')!.cred;
    const good = await fetch(path, { headers: { authorization: `Bearer ${agentId}.${secret}` } });
    expect(good.status).toBe(200);
    expect(await good.text()).toBe('vigie-agent 1.1.0\n');
    expect((await fetch(path)).status).toBe(401);
    expect((await fetch(path, { headers: { authorization: `Bearer ${agentId}.${'0'.repeat(secret.length)}` } })).status).toBe(401);
    expect((await fetch(path, { headers: { cookie: admin.cookie } })).status).toBe(401);
    expect(await audit('agent.update.download')).toEqual([
      expect.objectContaining({ actor: `agent:${agentId}`, target: 'release:1.1.0/linux-x64', result: 'ok' }),
    ]);
  });

  it('a client user cannot read the fleet', async () => {
    const client = await login(h.url, 'dsi@acme.test');
    expect((await client.get('/api/v1/agent-versions')).status).toBe(403);
  });
});
