import { sampleInventory } from '@vigie/shared/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type Harness, login, PASSWORD, startHarness, TestAgent } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

describe('login and sessions', () => {
  it('logs in with a session cookie and refuses a wrong password with a clear code', async () => {
    const res = await fetch(`${h.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'tech@vigie.test', password: 'nope' }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe('VIGIE_E_LOGIN_FAILED');
    const s = await login(h.url, 'TECH@vigie.test');
    expect(s.cookie).toMatch(/^vigie_session=/);
    const me = await s.get('/api/v1/auth/me');
    expect(me.body.user).toMatchObject({ email: 'tech@vigie.test', role: 'technician' });
  });

  it('marks the cookie HttpOnly and SameSite, and never logs secrets', async () => {
    const res = await fetch(`${h.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'tech@vigie.test', password: PASSWORD }),
    });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
  });

  it('rate-limits repeated failed logins for an address', async () => {
    const attempt = () =>
      fetch(`${h.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'victim@vigie.test', password: 'guess' }),
      });
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) codes.push(((await (await attempt()).json()) as any).error.code);
    expect(codes.slice(0, 10).every((c) => c === 'VIGIE_E_LOGIN_FAILED')).toBe(true);
    expect(codes.slice(10)).toEqual(['VIGIE_E_LOGIN_RATE_LIMITED', 'VIGIE_E_LOGIN_RATE_LIMITED']);
  });

  it('requires the CSRF token on state-changing requests, and logout ends the session', async () => {
    const s = await login(h.url, 'admin@vigie.test');
    const noToken = await s.post('/api/v1/clients', { name: 'Initech' }, { csrf: null });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.code).toBe('VIGIE_E_CSRF');
    const wrong = await s.post('/api/v1/clients', { name: 'Initech' }, { csrf: 'forged' });
    expect(wrong.body.error.code).toBe('VIGIE_E_CSRF');
    expect((await s.get('/api/v1/clients')).body.clients.map((c: any) => c.name)).not.toContain('Initech');
    expect((await s.post('/api/v1/clients', { name: 'Initech' })).status).toBe(201);
    expect((await s.post('/api/v1/auth/logout')).status).toBe(200);
    expect((await s.get('/api/v1/auth/me')).status).toBe(401);
  });

  it('refuses unknown fields and bad types with VIGIE_E_VALIDATION', async () => {
    const s = await login(h.url, 'admin@vigie.test');
    const res = await s.post('/api/v1/clients', { name: 'X', admin: true });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VIGIE_E_VALIDATION');
    expect((await s.get('/api/v1/devices?limit=abc')).body.error.code).toBe('VIGIE_E_VALIDATION');
  });
});

describe('roles and tenant scoping', () => {
  it('only admins create users; a client user must be bound to a client', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    expect((await tech.post('/api/v1/users', { email: 'x@y.fr', name: 'X', role: 'admin', password: 'a-long-password-1' })).status).toBe(403);
    const admin = await login(h.url, 'admin@vigie.test');
    const unbound = await admin.post('/api/v1/users', { email: 'x@y.fr', name: 'X', role: 'client', password: 'a-long-password-1' });
    expect(unbound.body.error.code).toBe('VIGIE_E_VALIDATION');
    const ok = await admin.post('/api/v1/users', {
      email: 'compta@acme.test',
      name: 'Compta',
      role: 'client',
      clientId: h.acme.clientId,
      password: 'a-long-password-1',
    });
    expect(ok.status).toBe(201);
  });

  it("a client user sees only its own company's clients, sites and devices", async () => {
    const acmeDev = await enrollAgent(h, h.acme.siteId, 'acme-pc');
    const globexDev = await enrollAgent(h, h.globex.siteId, 'globex-pc');
    const acme = await login(h.url, 'dsi@acme.test');
    expect((await acme.get('/api/v1/clients')).body.clients.map((c: any) => c.name)).toEqual(['Acme SARL']);
    const list = await acme.get('/api/v1/devices');
    expect(list.body.devices.every((d: any) => d.clientId === h.acme.clientId)).toBe(true);
    expect(list.body.devices.map((d: any) => d.id)).toContain(acmeDev.deviceId);
    expect((await acme.get(`/api/v1/devices?clientId=${h.globex.clientId}`)).body.devices).toEqual([]);
    for (const path of [
      `/api/v1/devices/${globexDev.deviceId}`,
      `/api/v1/devices/${globexDev.deviceId}/inventory/history`,
      `/api/v1/devices/${globexDev.deviceId}/metrics?name=cpu.usage_pct`,
      `/api/v1/devices/${globexDev.deviceId}/series`,
      `/api/v1/clients/${h.globex.clientId}/sites`,
    ]) {
      const r = await acme.get(path);
      expect(r.status, path).toBe(404);
      expect(r.body.error.code).toBe('VIGIE_E_NOT_FOUND');
    }
    expect((await acme.post(`/api/v1/devices/${acmeDev.deviceId}/revoke`)).status).toBe(403);
    expect((await acme.post(`/api/v1/sites/${h.acme.siteId}/enrollment-tokens`, {})).status).toBe(403);
    expect((await acme.get(`/api/v1/devices/${acmeDev.deviceId}`)).status).toBe(200);
  });

  it('refuses anonymous access to every data route', async () => {
    for (const path of ['/api/v1/devices', '/api/v1/clients', '/api/v1/users', '/api/v1/devices/1', '/api/v1/auth/me']) {
      const r = await fetch(`${h.url}${path}`);
      expect(r.status, path).toBe(401);
    }
  });
});

describe('enrollment tokens', () => {
  const enroll = (token: string) =>
    fetch(`${h.url}/api/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, hostname: 'pc-enroll', platform: 'linux', arch: 'x64', agentVersion: '0.1.0' }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  it('enrolls within the use limit, then refuses exhausted, revoked, expired and unknown tokens', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const t = await tech.post(`/api/v1/sites/${h.acme.siteId}/enrollment-tokens`, { maxUses: 1, label: 'poste compta' });
    expect(t.status).toBe(201);
    const first = await enroll(t.body.token);
    expect(first.status).toBe(201);
    expect(first.body.agentId).toMatch(/^[a-f0-9]{32}$/);
    expect(first.body.secret.length).toBeGreaterThanOrEqual(43);
    const stored = await h.collector.db.kysely.selectFrom('agents').select('secret_hash').where('id', '=', first.body.agentId).executeTakeFirstOrThrow();
    expect(stored.secret_hash).not.toContain(first.body.secret);
    expect((await enroll(t.body.token)).body.error.code).toBe('VIGIE_E_ENROLL_TOKEN_EXHAUSTED');

    const r = await tech.post(`/api/v1/sites/${h.acme.siteId}/enrollment-tokens`, {});
    expect((await tech.post(`/api/v1/enrollment-tokens/${r.body.id}/revoke`)).status).toBe(200);
    expect((await enroll(r.body.token)).body.error.code).toBe('VIGIE_E_ENROLL_TOKEN_REVOKED');

    const e = await h.collector.enrollment.createToken(h.acme.siteId, { ttlMs: -1 });
    expect((await enroll(e.token)).body.error.code).toBe('VIGIE_E_ENROLL_TOKEN_EXPIRED');
    expect((await enroll('vgt_not-a-real-token')).body.error.code).toBe('VIGIE_E_ENROLL_TOKEN_INVALID');
    const listed = await tech.get(`/api/v1/sites/${h.acme.siteId}/enrollment-tokens`);
    expect(JSON.stringify(listed.body)).not.toContain(t.body.token);
  });
});

describe('devices, inventory history and metrics through the API', () => {
  it('shows the latest inventory, its change history, and metric series at the asked step', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-api');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    await a.waitAck(a.send('inventory', sampleInventory));
    const upgraded = structuredClone(sampleInventory);
    upgraded.collectedAt += 3600_000;
    upgraded.software[1]!.version = '128.0esr-1';
    upgraded.software.push({ name: 'htop', version: '3.2.2-2', source: 'dpkg' });
    await a.waitAck(a.send('inventory', upgraded));
    // Same inventory again: no new snapshot, no change.
    await a.waitAck(a.send('inventory', { ...upgraded, collectedAt: upgraded.collectedAt + 1 }));
    const t0 = Math.floor((Date.now() - 900_000) / 60_000) * 60_000; // whole minutes: 10 buckets of 60 s
    const samples = Array.from({ length: 60 }, (_, i) => ({
      ts: t0 + i * 10_000,
      values: { 'cpu.usage_pct': i, 'fs.used_pct{mount=/}': 50, 'fs.used_pct{mount=/home}': 70 },
    }));
    await a.waitAck(a.send('metrics', { samples }));
    a.close();

    const tech = await login(h.url, 'tech@vigie.test');
    const dev = await tech.get(`/api/v1/devices/${cred.deviceId}`);
    expect(dev.body.device).toMatchObject({ hostname: 'pc-compta-01', serial: 'CN0ABC123', osName: 'Debian GNU/Linux 12' });
    expect(dev.body.inventory.disks[0].serial).toBe('2049XY801234');
    expect(dev.body.latestMetrics['cpu.usage_pct'].value).toBe(59);

    const hist = await tech.get(`/api/v1/devices/${cred.deviceId}/inventory/history`);
    expect(hist.body.snapshots).toHaveLength(2);
    const summary = hist.body.changes.map((c: any) => `${c.section} ${c.change} ${c.key}`);
    expect(summary).toEqual(expect.arrayContaining(['software changed firefox-esr', 'software added htop', 'device added first inventory']));
    expect(summary).toHaveLength(3);

    const m = await tech.get(`/api/v1/devices/${cred.deviceId}/metrics?name=cpu.usage_pct&from=${t0}&to=${t0 + 599_999}&step=60s`);
    expect(m.status).toBe(200);
    expect(m.body.series).toHaveLength(1);
    const pts = m.body.series[0].points as [number, number][];
    // cpu.usage_pct was i at t0 + 10 s × i: each minute averages six consecutive values.
    expect(pts).toEqual(Array.from({ length: 10 }, (_, k) => [t0 + k * 60_000, 6 * k + 2.5]));
    const fs = await tech.get(`/api/v1/devices/${cred.deviceId}/metrics?name=fs.used_pct&from=${t0}&step=5m&agg=max`);
    expect(fs.body.series.map((s: any) => s.labels.mount).sort()).toEqual(['/', '/home']);
    expect((await tech.get(`/api/v1/devices/${cred.deviceId}/metrics?name=cpu.usage_pct&from=2026-13-45`)).body.error.code).toBe('VIGIE_E_VALIDATION');
  });

  it('serves OpenAPI, health and Prometheus metrics', async () => {
    const spec = (await (await fetch(`${h.url}/api/v1/openapi.json`)).json()) as any;
    expect(spec.openapi).toBe('3.0.3');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/devices', '/api/v1/devices/{id}/metrics', '/api/v1/enroll']));
    expect(((await (await fetch(`${h.url}/healthz`)).json()) as any).status).toBe('ok');
    const prom = await (await fetch(`${h.url}/metrics`)).text();
    expect(prom).toMatch(/^vigie_ingest_frames_committed_total\{worker="1"\} \d+$/m);
    expect(prom).toMatch(/^process_resident_memory_bytes\{worker="1"\} \d+$/m);
    // Every series carries the worker that answered (cluster mode: scrapes of two workers are two series).
    const samples = prom.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples.length).toBeGreaterThan(10);
    expect(samples.filter((l) => !/^[a-z_]+\{worker="1"\} \d+(\.\d+)?(e[+-]?\d+)?$/.test(l))).toEqual([]);
  });
});

describe('history retention', () => {
  it('drops check results, events and command results older than 400 days, device by device, and keeps the rest', async () => {
    const dev = await enrollAgent(h, h.acme.siteId, 'pc-retention');
    const now = Date.now();
    const old = now - 401 * 86_400_000;
    const db = h.collector.db.kysely;
    const checkResult = (observedAt: number) => ({
      device_id: dev.deviceId,
      check: 'backup',
      target: 'nas',
      status: 'ok',
      code: 'BACKUP_OK',
      message: 'x',
      values: null,
      observed_at: observedAt,
    });
    await db.insertInto('check_results').values(checkResult(old)).execute();
    await db
      .insertInto('check_results')
      .values(checkResult(now - 10 * 86_400_000))
      .execute();
    await db
      .insertInto('agent_events')
      .values({ device_id: dev.deviceId, seq: 1, kind: 'x', severity: 'info', message: 'x', data: null, occurred_at: old, received_at: old })
      .execute();
    const removed = await h.collector.devices.purgeHistory(now);
    expect(removed).toBe(2);
    expect(
      await db
        .selectFrom('check_results')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('device_id', '=', dev.deviceId)
        .executeTakeFirstOrThrow(),
    ).toEqual({ n: 1 });
  });
});
