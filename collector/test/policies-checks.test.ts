import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type Harness, login, startHarness, TestAgent } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

describe('policies', () => {
  it('merges client, site and device policies and pushes the result to the connected agent', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-policy');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    const tech = await login(h.url, 'tech@vigie.test');
    const put1 = await tech.put(`/api/v1/policies/client/${h.acme.clientId}`, {
      metricsIntervalSec: 30,
      probes: { network: { tcp: [{ host: 'intranet.acme', port: 443 }], intervalSec: 120 } },
    });
    expect(put1.status).toBe(200);
    const pushed = await a.next((m) => m.type === 'policy' && m.body.metricsIntervalSec === 30);
    expect(pushed.body.probes.network).toEqual({ tcp: [{ host: 'intranet.acme', port: 443 }], intervalSec: 120 });
    await tech.put(`/api/v1/policies/device/${cred.deviceId}`, { probes: { network: { intervalSec: 60 } } });
    const eff = await tech.get(`/api/v1/devices/${cred.deviceId}/policy`);
    expect(eff.body.policy.metricsIntervalSec).toBe(30);
    expect(eff.body.policy.probes.network).toEqual({ tcp: [{ host: 'intranet.acme', port: 443 }], intervalSec: 60 });
    await a.next((m) => m.type === 'policy' && m.body.probes.network?.intervalSec === 60);
    // A new connection gets the merged policy in its hello answer.
    a.close();
    await a.closed;
    const b = await TestAgent.connect(h.wsUrl, cred);
    await b.hello();
    expect((await b.next((m) => m.type === 'policy')).body.probes.network.intervalSec).toBe(60);
    b.close();
  });

  it('a burst of changes: every push arrives, in version order, the last one the policy in force; hello’s policy comes before its ack', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-policy-burst');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    await a.next((m) => m.type === 'ack');
    const first = a.received.findIndex((m) => m.type === 'policy');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(a.received.findIndex((m) => m.type === 'ack'));
    const tech = await login(h.url, 'tech@vigie.test');
    // Six edits at once, on the device's own policy: six versions, six pushes (the policy is read asynchronously now).
    const puts = await Promise.all([10, 11, 12, 13, 14, 15].map((s) => tech.put(`/api/v1/policies/device/${cred.deviceId}`, { metricsIntervalSec: s })));
    expect(puts.map((p) => p.status)).toEqual(Array(6).fill(200));
    const inForce = (await tech.get(`/api/v1/devices/${cred.deviceId}/policy`)).body.policy;
    const policies = () => a.received.filter((m) => m.type === 'policy').map((m) => m.body);
    await a.next(() => policies().length >= 7);
    const pushed = policies().slice(1);
    expect(pushed).toHaveLength(6);
    const versions = pushed.map((p) => p.version);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(pushed.at(-1)).toEqual(inForce);
    a.close();
  });

  it('a push whose policy cannot be read is not lost: the agent is told and closed, and gets the policy at its next hello', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-policy-unreadable');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    await a.next((m) => m.type === 'ack');
    const tech = await login(h.url, 'tech@vigie.test');
    expect((await tech.put(`/api/v1/policies/device/${cred.deviceId}`, { metricsIntervalSec: 25 })).status).toBe(200);
    await a.next((m) => m.type === 'policy' && m.body.metricsIntervalSec === 25);
    // The device's stored policy damaged behind the service's back, then a push (as another collector's change announces it).
    const damage = (body: string) =>
      h.collector.db.kysely.updateTable('policies').set({ body }).where('scope', '=', 'device').where('scope_id', '=', cred.deviceId).executeTakeFirstOrThrow();
    expect((await damage('{not json')).numUpdatedRows).toBe(1n);
    h.collector.channel.pushPolicy([cred.deviceId]);
    const error = await a.next((m) => m.type === 'error');
    expect(error.body).toMatchObject({ code: 'VIGIE_E_INTERNAL', fatal: true });
    await a.closed;
    expect((await damage(JSON.stringify({ metricsIntervalSec: 35 }))).numUpdatedRows).toBe(1n);
    const b = await TestAgent.connect(h.wsUrl, cred);
    await b.hello();
    const policy = await b.next((m) => m.type === 'policy');
    expect(policy.body.metricsIntervalSec).toBe(35);
    expect(policy.body).toEqual((await tech.get(`/api/v1/devices/${cred.deviceId}/policy`)).body.policy);
    b.close();
  });

  it('refuses unknown probes, bad probe settings, and non-staff users', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const unknown = await tech.put(`/api/v1/policies/site/${h.acme.siteId}`, { probes: { teleport: {} } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('VIGIE_E_VALIDATION');
    const bad = await tech.put(`/api/v1/policies/site/${h.acme.siteId}`, { probes: { network: { tcp: [{ host: 'x', port: 70000 }] } } });
    expect(bad.body.error.code).toBe('VIGIE_E_VALIDATION');
    expect((await tech.put('/api/v1/policies/site/99999', {})).status).toBe(404);
    const client = await login(h.url, 'dsi@acme.test');
    expect((await client.put(`/api/v1/policies/client/${h.acme.clientId}`, {})).status).toBe(403);
    expect((await client.get(`/api/v1/policies/client/${h.acme.clientId}`)).status).toBe(403);
  });
});

describe('check results', () => {
  it('keeps the current state and the history, derives the device health, and summarises per client', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-checks');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    const t = Date.now();
    const r = (status: string, code: string, target: string, at: number) => ({ check: 'network', target, status, code, message: code, observedAt: at });
    await a.waitAck(a.send('checks', { results: [r('ok', 'TLS_CERT_OK', 'tls intranet', t), r('ok', 'TCP_OPEN', 'tcp nas:445', t)] }));
    await a.waitAck(
      a.send('checks', { results: [r('critical', 'TLS_CERT_EXPIRING', 'tls intranet', t + 1000), r('ok', 'TCP_OPEN', 'tcp nas:445', t + 1000)] }),
    );
    a.close();
    const tech = await login(h.url, 'tech@vigie.test');
    const c = await tech.get(`/api/v1/devices/${cred.deviceId}/checks`);
    expect(c.body.health).toBe('critical');
    expect(c.body.current.map((x: any) => `${x.target} ${x.status}`)).toEqual(['tcp nas:445 ok', 'tls intranet critical']);
    expect(c.body.current.find((x: any) => x.target === 'tls intranet').since).toBe(t + 1000);
    expect(c.body.current.find((x: any) => x.target === 'tcp nas:445').since).toBe(t);
    expect(c.body.history).toHaveLength(4);
    expect((await tech.get(`/api/v1/devices/${cred.deviceId}`)).body.health).toBe('critical');
    const s = await tech.get(`/api/v1/clients/${h.acme.clientId}/checks/summary`);
    expect(s.body.findings).toEqual(expect.arrayContaining([{ check: 'network', code: 'TLS_CERT_EXPIRING', status: 'critical', devices: 1 }]));
    expect(s.body.devicesByHealth.critical).toBe(1);
    const other = await login(h.url, 'it@globex.test');
    expect((await other.get(`/api/v1/devices/${cred.deviceId}/checks`)).status).toBe(404);
    expect((await other.get(`/api/v1/clients/${h.acme.clientId}/checks/summary`)).status).toBe(404);
    // The certificate check is removed from the policy: the next run no longer reports it, so it
    // leaves the current state (its history stays).
    const b = await TestAgent.connect(h.wsUrl, cred);
    await b.hello();
    await b.waitAck(b.send('checks', { results: [r('ok', 'TCP_OPEN', 'tcp nas:445', t + 2000)] }, 3));
    b.close();
    const after = await tech.get(`/api/v1/devices/${cred.deviceId}/checks`);
    expect(after.body.current.map((x: any) => x.target)).toEqual(['tcp nas:445']);
    expect(after.body.health).toBe('ok');
    expect(after.body.history).toHaveLength(5);
  });
});
