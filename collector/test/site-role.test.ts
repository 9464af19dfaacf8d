import { startPostgres, waitFor } from '@vigie/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/index.js';
import { PolicyService } from '../src/policies/service.js';
import { enrollAgent, type Harness, login, startHarness, TestAgent } from './harness.js';

/**
 * Site role over the real agent channel: a site agent reports the devices it watches (SNMP), their
 * metrics and checks; they become agentless devices of that agent's site, with their own metrics and
 * check states, and the default rules turn a nearly empty toner into a ticket.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rulesIntervalMs: 0, invoicing: false });
});
afterAll(async () => h.close());

const now = () => Date.now();
const printer = (reachable = true) => ({
  key: 'snmp:192.168.10.20',
  address: '192.168.10.20',
  kind: 'printer',
  name: 'IMP-COMPTA',
  description: 'HP LaserJet M507',
  objectId: '1.3.6.1.4.1.11.2.3.9.1',
  uptimeSec: 86_400,
  location: 'Bureau comptabilité, 1er étage',
  contact: 'Jeanne Martin <compta@acme.test>',
  serials: [{ serial: 'PHBQL12345', description: 'HP LaserJet M507', class: 'chassis' }],
  reachable,
  observedAt: now(),
});

describe('site role ingest', () => {
  it('stores a watched printer as an agentless device of the agent’s site, with its metrics and checks', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'acme-site-agent');
    const a = await TestAgent.connect(h.wsUrl, cred);
    try {
      await a.hello();
      await a.waitAck(a.send('site-devices', { devices: [printer()] }));
      await a.waitAck(
        a.send('metrics', {
          device: 'snmp:192.168.10.20',
          samples: [{ ts: now(), values: { 'printer_supply_pct{supply=Black Toner}': 5, printer_pages: 120_345 } }],
        }),
      );
      await a.waitAck(
        a.send('checks', {
          device: 'snmp:192.168.10.20',
          results: [
            {
              check: 'snmp-supply',
              target: 'Black Toner',
              status: 'critical',
              code: 'SUPPLY_CRITICAL',
              message: 'Black Toner : reste 5 %',
              values: { percent: 5 },
              observedAt: now(),
            },
            { check: 'snmp-reachable', target: '192.168.10.20:161', status: 'ok', code: 'SNMP_OK', message: 'répond en SNMP', observedAt: now() },
          ],
        }),
      );
      const tech = await login(h.url, 'tech@vigie.test');
      const list = await tech.get(`/api/v1/devices?clientId=${h.acme.clientId}`);
      const dev = list.body.devices.find((d: any) => d.hostname === 'IMP-COMPTA');
      // Issue 18: its state is its watcher's polls' — online, and critical for its toner, never "offline".
      expect(dev).toMatchObject({ kind: 'agentless', siteId: h.acme.siteId, platform: 'printer', serial: 'PHBQL12345', status: 'online', state: 'critical' });
      const detail = await tech.get(`/api/v1/devices/${dev.id}`);
      expect(detail.status, JSON.stringify(detail.body)).toBe(200);
      expect(detail.body.device.watcherId).toBe(cred.deviceId);
      expect(detail.body.state).toBe('critical');
      expect(detail.body.watched).toMatchObject({
        kind: 'printer',
        address: '192.168.10.20',
        objectId: '1.3.6.1.4.1.11.2.3.9.1',
        location: 'Bureau comptabilité, 1er étage',
        contact: 'Jeanne Martin <compta@acme.test>',
        reporterDeviceId: cred.deviceId,
      });
      expect(detail.body.checks.map((c: any) => [c.check, c.status])).toEqual(
        expect.arrayContaining([
          ['snmp-supply', 'critical'],
          ['snmp-reachable', 'ok'],
        ]),
      );
      const m = await tech.get(`/api/v1/devices/${dev.id}/metrics?name=printer_supply_pct&from=${now() - 60_000}&step=1s`);
      expect(m.body.series[0].points.at(-1)[1]).toBe(5);
      // The agent's own device got none of it.
      const own = await tech.get(`/api/v1/devices/${cred.deviceId}`);
      expect(own.body.checks.filter((c: any) => c.check.startsWith('snmp'))).toEqual([]);

      // 8 (issue): a toner at 5 % opens a ticket through the default rules.
      await h.collector.rules.evaluate(now());
      const tickets = await tech.get(`/api/v1/tickets?clientId=${h.acme.clientId}`);
      const t = tickets.body.tickets.find((x: any) => /Black Toner/.test(x.title));
      expect(t).toMatchObject({ channel: 'monitoring' });
      // The catalogue's French sentence (shared/src/checks/), then the device's name.
      expect(t.title).toBe('[Alerte] Black Toner\u00a0: presque vide, reste 5\u00a0% (IMP-COMPTA)');

      // Another client sees nothing of it.
      const other = await login(h.url, 'it@globex.test');
      expect((await other.get(`/api/v1/devices/${dev.id}`)).status).toBe(404);

      // Issue 18, point 4: it stops answering its watcher's polls — offline, though its watcher is up.
      const reachable = (status: 'ok' | 'critical') =>
        a.waitAck(
          a.send('checks', {
            device: 'snmp:192.168.10.20',
            results: [
              {
                check: 'snmp-reachable',
                target: '192.168.10.20:161',
                status,
                code: status === 'ok' ? 'SNMP_OK' : 'SNMP_TIMEOUT',
                message: status === 'ok' ? 'répond en SNMP' : 'pas de réponse SNMP',
                observedAt: now(),
              },
            ],
          }),
        );
      await reachable('critical');
      expect((await tech.get(`/api/v1/devices/${dev.id}`)).body).toMatchObject({ device: { status: 'offline' }, state: 'offline' });
      await reachable('ok');
      expect((await tech.get(`/api/v1/devices/${dev.id}`)).body).toMatchObject({ device: { status: 'online' }, state: 'critical' });
      // Its watcher revoked: nobody polls it any more, so nothing vouches for it.
      const admin = await login(h.url, 'admin@vigie.test');
      expect((await admin.post(`/api/v1/devices/${cred.deviceId}/revoke`)).status).toBe(200);
      expect((await tech.get(`/api/v1/devices/${dev.id}`)).body).toMatchObject({ device: { status: 'offline' }, state: 'offline' });
    } finally {
      a.close();
    }
  });

  it('an agent can only report for devices of its own site: the same key elsewhere is another device', async () => {
    const acme = await h.collector.db.kysely.selectFrom('devices').select('id').where('external_key', '=', 'snmp:192.168.10.20').execute();
    expect(acme).toHaveLength(1);
    const cred = await enrollAgent(h, h.globex.siteId, 'globex-site-agent');
    const a = await TestAgent.connect(h.wsUrl, cred);
    try {
      await a.hello();
      await a.waitAck(a.send('site-devices', { devices: [{ ...printer(false), name: 'HOSTILE' }] }));
      const rows = await h.collector.db.kysely
        .selectFrom('devices')
        .select(['client_id', 'site_id', 'hostname'])
        .where('external_key', '=', 'snmp:192.168.10.20')
        .orderBy('id')
        .execute();
      expect(rows).toEqual([
        { client_id: h.acme.clientId, site_id: h.acme.siteId, hostname: 'IMP-COMPTA' },
        { client_id: h.globex.clientId, site_id: h.globex.siteId, hostname: 'HOSTILE' },
      ]);
    } finally {
      a.close();
    }
  });

  it.each([
    ['a device key that is not one', 'metrics', { device: 'snmp:1.2.3.4; DROP TABLE devices', samples: [{ ts: Date.now(), values: { x: 1 } }] }],
    ['an unknown device kind', 'site-devices', { devices: [{ ...printer(), kind: 'toaster' }] }],
    ['an unknown field', 'site-devices', { devices: [{ ...printer(), firmware: '1.0' }] }],
  ])('refuses %s with a clear error, and stores nothing', async (_what, type, body) => {
    const countDevices = async () => (await h.collector.db.kysely.selectFrom('devices').select('id').execute()).length;
    const before = await countDevices();
    const cred = await enrollAgent(h, h.acme.siteId, 'acme-site-agent-bad');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    a.send(type, body);
    const err = await a.next((m) => m.type === 'error');
    expect(err.body).toMatchObject({ code: 'VIGIE_E_INVALID_BODY', fatal: true });
    await a.closed;
    expect(await countDevices()).toBe(before + 1); // the enrolled agent's own device only
  });
});

describe('site role by policy', () => {
  it('set for a site, it goes to the site’s first agent only; set on a device, to that device; clients never see the secrets', async () => {
    const site = await h.collector.tenants.createSite(h.acme.clientId, 'Agence Annecy');
    const first = await enrollAgent(h, site, 'annecy-1');
    const second = await enrollAgent(h, site, 'annecy-2');
    const tech = await login(h.url, 'tech@vigie.test');
    const snmp = {
      targets: [
        { address: '192.168.20.1', version: '2c', community: 'c0mmun1ty-secret' },
        {
          address: '192.168.20.2',
          version: '3',
          v3: { level: 'authPriv', user: 'vigie', authProtocol: 'sha', authKey: 'auth-secret-1', privProtocol: 'aes', privKey: 'priv-secret-1' },
        },
      ],
    };
    expect((await tech.put(`/api/v1/policies/site/${site}`, { probes: { snmp } })).status).toBe(200);
    const eff = async (s: any, id: number) => (await s.get(`/api/v1/devices/${id}/policy`)).body.policy.probes;
    expect((await eff(tech, first.deviceId)).snmp.targets).toHaveLength(2);
    expect((await eff(tech, second.deviceId)).snmp).toBeUndefined();
    // A device's own setting applies to it.
    expect(
      (await tech.put(`/api/v1/policies/device/${second.deviceId}`, { probes: { flows: { enabled: true, exporters: ['192.168.20.1'], bind: '0.0.0.0' } } }))
        .status,
    ).toBe(200);
    expect((await eff(tech, second.deviceId)).flows).toMatchObject({ enabled: true });
    expect((await eff(tech, second.deviceId)).snmp).toBeUndefined();
    // The client sees that SNMP is set up, without the community or the keys.
    const client = await login(h.url, 'dsi@acme.test');
    const seen = JSON.stringify(await eff(client, first.deviceId));
    expect(seen).toContain('192.168.20.1');
    for (const secret of ['c0mmun1ty-secret', 'auth-secret-1', 'priv-secret-1']) expect(seen).not.toContain(secret);
  });

  it('revoking the site’s role holder hands the role to the site’s next agent at once, over its open connection', async () => {
    const site = await h.collector.tenants.createSite(h.acme.clientId, 'Agence Chambéry');
    const first = await enrollAgent(h, site, 'chambery-1');
    const second = await enrollAgent(h, site, 'chambery-2');
    const third = await enrollAgent(h, site, 'chambery-3');
    const tech = await login(h.url, 'tech@vigie.test');
    const snmp = { targets: [{ address: '192.168.30.1', version: '2c', community: 'public-chambery' }] };
    expect((await tech.put(`/api/v1/policies/site/${site}`, { probes: { snmp } })).status).toBe(200);
    const agents = await Promise.all([first, second, third].map((c) => TestAgent.connect(h.wsUrl, c)));
    await Promise.all(agents.map((a) => a.hello()));
    const [a1, a2, a3] = agents as [TestAgent, TestAgent, TestAgent];
    const policies = (a: TestAgent) => a.received.filter((m) => m.type === 'policy').map((m) => m.body.probes?.snmp?.targets?.length ?? 0);
    expect([policies(a1), policies(a2), policies(a3)]).toEqual([[1], [0], [0]]);

    // Revoking a device that does not hold the role leaves it where it is (its holder is told the same again)…
    expect((await tech.post(`/api/v1/devices/${third.deviceId}/revoke`)).status).toBe(200);
    await a3.closed;
    await waitFor('the holder told again', async () => policies(a1).length === 2, 5000, 20);
    expect(policies(a1)).toEqual([1, 1]);
    expect(policies(a2)).toEqual([0]);
    // …revoking the holder pushes the role to the next one.
    expect((await tech.post(`/api/v1/devices/${first.deviceId}/revoke`)).status).toBe(200);
    await a1.closed;
    await a2.next((m) => m.type === 'policy' && m.body.probes?.snmp);
    expect(policies(a2)).toEqual([0, 1]);
    expect(a2.received.filter((m) => m.type === 'policy').at(-1).body.probes.snmp.targets[0].address).toBe('192.168.30.1');
    const audit = await h.collector.db.kysely
      .selectFrom('audit_log')
      .select(['target', 'details'])
      .where('action', '=', 'agent.revoke')
      .where('target', 'in', [`device:${first.deviceId}`, `device:${third.deviceId}`])
      .orderBy('id')
      .execute();
    expect(audit.map((r) => [r.target, JSON.parse(String(r.details)).siteRoleTo])).toEqual([
      [`device:${third.deviceId}`, undefined],
      [`device:${first.deviceId}`, second.deviceId],
    ]);
    a2.close();
  });

  // The race is PostgreSQL's: on SQLite enrollments commit one after the other, in id order. The
  // SQLite pass runs it on a PostgreSQL of its own.
  it('an enrollment committed after a later id takes the role through the enroll route: the later device hears at once that it lost it', async () => {
    const own = h.collector.db.dialect === 'postgres' ? undefined : await startPostgres({ fast: true });
    const ph = own ? await startHarness({ rulesIntervalMs: 0, invoicing: false, databaseUrl: await own.createDatabase('site_role_race') }) : h;
    try {
      const k = ph.collector.db.kysely;
      const site = await ph.collector.tenants.createSite(ph.acme.clientId, 'Agence Moûtiers');
      const tech = await login(ph.url, 'tech@vigie.test');
      expect(
        (await tech.put(`/api/v1/policies/site/${site}`, { probes: { snmp: { targets: [{ address: '192.168.40.1', version: '2c', community: 'm' }] } } }))
          .status,
      ).toBe(200);
      // At least 1: the sequence cannot be set to 0 (a fresh database has no device yet).
      const newest = await k
        .selectFrom('devices')
        .select((eb) => eb.fn.max('id').as('max'))
        .executeTakeFirstOrThrow();
      const base = Math.max(1, Number(newest.max ?? 0));
      // The next device id, as a transaction begun earlier would have taken it.
      const nextId = (id: number) => sql`SELECT setval(pg_get_serial_sequence('devices', 'id'), ${id - 1})`.execute(k);
      await nextId(base + 20);
      const later = await enrollAgent(ph, site, 'moutiers-2');
      const agent = await TestAgent.connect(ph.wsUrl, later);
      await agent.hello();
      expect(agent.received.find((m) => m.type === 'policy').body.probes.snmp).toBeDefined();
      await nextId(base + 1);
      const earlier = await enrollAgent(ph, site, 'moutiers-1');
      await nextId(base + 21);
      expect([earlier.deviceId, later.deviceId]).toEqual([base + 1, base + 20]);
      await agent.next((m) => m.type === 'policy' && !m.body.probes?.snmp);
      const moved = await k
        .selectFrom('audit_log')
        .select(['actor', 'details'])
        .where('action', '=', 'policy.site-role.moved')
        .where('target', '=', `device:${earlier.deviceId}`)
        .execute();
      expect(moved.map((r) => [r.actor, JSON.parse(String(r.details))])).toEqual([['system:policies', { siteId: site, from: [later.deviceId] }]]);
      agent.close();
    } finally {
      if (own) {
        await ph.close();
        await own.stop();
      }
    }
  });

  it('a device enrolled with a lower id but committed later takes the role from the site’s devices of higher id; any other enrollment takes nothing', async () => {
    const policies = new PolicyService(h.collector.db, defaultConfig().channel);
    const site = await h.collector.tenants.createSite(h.acme.clientId, 'Agence Albertville');
    const low = await enrollAgent(h, site, 'albertville-1');
    const high = await enrollAgent(h, site, 'albertville-2');
    expect(await policies.siteRoleHolder(site)).toBe(low.deviceId);
    // The ordinary case: the later enrollment takes the role from nobody.
    expect(await policies.siteRoleTakenBy(high.deviceId, site)).toEqual([]);
    // The race's outcome (two tokens of the site: the lower id's transaction commits after the
    // higher's): until it commits, the lower id has no usable agent and the higher holds the role.
    await h.collector.db.kysely.updateTable('agents').set({ revoked_at: Date.now() }).where('device_id', '=', low.deviceId).execute();
    expect(await policies.siteRoleHolder(site)).toBe(high.deviceId);
    await h.collector.db.kysely.updateTable('agents').set({ revoked_at: null }).where('device_id', '=', low.deviceId).execute();
    expect(await policies.siteRoleTakenBy(low.deviceId, site)).toEqual([high.deviceId]);
  });
});
