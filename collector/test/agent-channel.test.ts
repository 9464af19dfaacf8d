import { invalidAgentFrames, sampleInventory } from '@vigie/shared/fixtures';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T } from '../src/store/postgres/pg-schema.js';
import { enrollAgent, type Harness, login, startHarness, TestAgent } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

const count = async (table: 'inventory_snapshots' | 'check_results', deviceId: number) =>
  (
    await h.collector.db.kysely
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('device_id', '=', deviceId)
      .executeTakeFirstOrThrow()
  ).n;
/** Raw samples stored for a device, in the metric tables of the collector's engine (their own schema on PostgreSQL). */
const sampleCount = async (deviceId: number) => {
  const query =
    h.collector.db.dialect === 'postgres'
      ? sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.raw(T.samples)} WHERE device_id = ${deviceId}`
      : sql<{ n: number }>`SELECT count(*) AS n FROM samples WHERE series_id IN (SELECT id FROM series WHERE device_id = ${deviceId})`;
  return Number((await query.execute(h.collector.db.kysely)).rows[0]!.n);
};

describe('agent channel (protocol v1 over a real WebSocket)', () => {
  it('answers hello with policy, last committed seq and a request for the inventory it lacks', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-hello');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    const policy = await a.next((m) => m.type === 'policy');
    expect(policy.body.metricsIntervalSec).toBeGreaterThan(0);
    expect((await a.next((m) => m.type === 'ack')).body.seq).toBe(0);
    expect((await a.next((m) => m.type === 'command')).body.action).toBe('refresh-inventory');
    a.close();
  });

  it('commits then acknowledges, and a replayed frame is stored once', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-replay');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    const body = { samples: [{ ts: Date.now(), values: { 'cpu.usage_pct': 12.5, 'fs.used_pct{mount=/}': 40 } }] };
    const s1 = a.send('metrics', body);
    await a.waitAck(s1);
    expect(await sampleCount(cred.deviceId)).toBe(2);
    a.close();
    await a.closed;
    // Reconnect and replay the same seq, as an agent does when an ack was lost.
    const b = await TestAgent.connect(h.wsUrl, cred);
    await b.hello({ nextSeq: 2 });
    expect((await b.next((m) => m.type === 'ack')).body.seq).toBe(1);
    b.send('metrics', body, s1);
    const s2 = b.send('metrics', { samples: [{ ts: Date.now() + 1000, values: { 'cpu.usage_pct': 13 } }] }, 2);
    await b.waitAck(s2);
    expect(await sampleCount(cred.deviceId)).toBe(3);
    expect(h.collector.channel.stats.duplicates).toBeGreaterThanOrEqual(1);
    b.close();
  });

  it.each(invalidAgentFrames)('refuses $name with $code, closes, stores nothing, and other agents go on', async ({ raw, code }) => {
    const bad = await enrollAgent(h, h.acme.siteId, 'pc-bad');
    const good = await enrollAgent(h, h.acme.siteId, 'pc-good');
    const a = await TestAgent.connect(h.wsUrl, bad);
    const g = await TestAgent.connect(h.wsUrl, good);
    await a.hello();
    await g.hello();
    a.sendRaw(raw);
    const err = await a.next((m) => m.type === 'error');
    expect(err.body.code).toBe(code);
    expect(err.body.fatal).toBe(true);
    expect(await a.closed).toBeGreaterThanOrEqual(4400);
    expect((await sampleCount(bad.deviceId)) + (await count('inventory_snapshots', bad.deviceId)) + (await count('check_results', bad.deviceId))).toBe(0);
    const s = g.send('metrics', { samples: [{ ts: Date.now(), values: { 'cpu.usage_pct': 1 } }] });
    await g.waitAck(s);
    expect(await sampleCount(good.deviceId)).toBe(1);
    g.close();
  });

  it('refuses an oversized frame with VIGIE_E_FRAME_TOO_LARGE', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-big');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    a.sendRaw(`{"pad":"${'x'.repeat(5 * 1024 * 1024)}"}`);
    expect((await a.next((m) => m.type === 'error')).body.code).toBe('VIGIE_E_FRAME_TOO_LARGE');
    await a.closed;
  });

  it('requires hello before data', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-nohello');
    const a = await TestAgent.connect(h.wsUrl, cred);
    a.send('metrics', { samples: [{ ts: Date.now(), values: { 'cpu.usage_pct': 1 } }] });
    expect((await a.next((m) => m.type === 'error')).body.code).toBe('VIGIE_E_HELLO_REQUIRED');
    await a.closed;
    expect(await sampleCount(cred.deviceId)).toBe(0);
  });

  it('refuses a wrong, malformed, missing or revoked credential before the upgrade', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-cred');
    await expect(TestAgent.connect(h.wsUrl, { agentId: cred.agentId, secret: `${cred.secret.slice(0, -2)}xx` })).rejects.toMatchObject({
      status: 401,
      code: 'VIGIE_E_AGENT_BAD_CREDENTIAL',
    });
    // Another agent's id with this agent's secret: identity comes from the credential only.
    const other = await enrollAgent(h, h.globex.siteId, 'pc-other');
    await expect(TestAgent.connect(h.wsUrl, { agentId: other.agentId, secret: cred.secret })).rejects.toMatchObject({ status: 401 });
    await expect(TestAgent.connect(h.wsUrl, { agentId: 'not a valid id!', secret: 'x' })).rejects.toMatchObject({
      status: 401,
      code: 'VIGIE_E_AGENT_BAD_CREDENTIAL',
    });
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    const tech = await login(h.url, 'tech@vigie.test');
    expect((await tech.post(`/api/v1/devices/${cred.deviceId}/revoke`)).status).toBe(200);
    expect((await a.next((m) => m.type === 'error')).body.code).toBe('VIGIE_E_AGENT_REVOKED');
    await a.closed;
    await expect(TestAgent.connect(h.wsUrl, cred)).rejects.toMatchObject({ status: 403, code: 'VIGIE_E_AGENT_REVOKED' });
  });

  it('stores hostile inventory strings as data and serves them back intact', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-hostile');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    const hostile = '<img src=x onerror=alert(1)>';
    const longName = `\u0000\u001b[31m${'Ä'.repeat(100_000)}`;
    const inv = {
      ...sampleInventory,
      os: { ...sampleInventory.os, hostname: hostile },
      software: [{ name: longName, version: "'; DROP TABLE devices; --", source: 'other' as const }],
    };
    await a.waitAck(a.send('inventory', inv));
    const tech = await login(h.url, 'tech@vigie.test');
    const res = await tech.get(`/api/v1/devices/${cred.deviceId}`);
    expect(res.status).toBe(200);
    expect(res.body.device.hostname).toBe(hostile);
    expect(res.body.inventory.software[0].name).toBe(longName);
    expect(res.body.inventory.software[0].version).toBe("'; DROP TABLE devices; --");
    const list = await tech.get(`/api/v1/devices?q=${encodeURIComponent('<img')}`);
    expect(list.body.devices.map((d: { hostname: string }) => d.hostname)).toContain(hostile);
    a.close();
  });

  it('refuses frames beyond the per-agent rate', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-flood');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    for (let i = 0; i < 1500; i++) a.send('event', { kind: 'test', severity: 'info', message: 'flood', occurredAt: Date.now() });
    expect((await a.next((m) => m.type === 'error')).body.code).toBe('VIGIE_E_RATE_LIMITED');
    await a.closed;
  });
});
