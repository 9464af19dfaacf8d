import { sampleInventory } from '@vigie/shared/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type Harness, login, startHarness, TestAgent } from './harness.js';

// What the dashboard asks of the collector beyond the domain APIs: the technicians' overview, the
// device list's state filter and search by address and software, tickets and incidents of a device.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

const insertIncident = async (
  clientId: number,
  siteId: number,
  deviceId: number | null,
  severity: 'warning' | 'critical',
  status: string,
  ticketId: number | null = null,
) =>
  (
    await h.collector.db.kysely
      .insertInto('incidents')
      .values({
        fingerprint: `fp-${Math.random()}`,
        client_id: clientId,
        site_id: siteId,
        device_id: deviceId,
        rule_id: 1,
        target: 'test',
        severity,
        status,
        message: 'test incident',
        opened_at: Date.now(),
        ticket_id: ticketId,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;

describe('technician overview (GET /api/v1/overview)', () => {
  it('counts each client’s devices by state, open incidents and tickets, and lists SLA deadlines within 48 h', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    // Acme: one device reporting with a critical check, one never heard from.
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-overview');
    await enrollAgent(h, h.acme.siteId, 'pc-silent');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    const now = Date.now();
    await a.waitAck(
      a.send('checks', { results: [{ check: 'backup', target: 'restic', status: 'critical', code: 'BACKUP_STALE', message: 'old', observedAt: now }] }),
    );
    const ticket = await tech.post('/api/v1/tickets', { clientId: h.acme.clientId, title: 'Imprimante en panne', description: '', channel: 'email' });
    expect(ticket.status).toBe(201);
    await insertIncident(h.acme.clientId, h.acme.siteId, cred.deviceId, 'critical', 'open');
    await insertIncident(h.acme.clientId, h.acme.siteId, cred.deviceId, 'warning', 'resolved');

    const o = await tech.get('/api/v1/overview');
    expect(o.status).toBe(200);
    const acme = o.body.clients.find((c: any) => c.id === h.acme.clientId);
    expect(acme.devices).toMatchObject({ total: 2, critical: 1, offline: 1, ok: 0, warning: 0 });
    expect(acme).toMatchObject({ openIncidents: 1, criticalIncidents: 1, openTickets: 1 });
    const globex = o.body.clients.find((c: any) => c.id === h.globex.clientId);
    expect(globex).toMatchObject({ devices: { total: 0 }, openTickets: 0 });
    // An urgent remote request is due within one business day (2.6): on the list unless it is far off (weekend).
    const due = ticket.body.slaDeadlineAt as number;
    const listed = o.body.slaAtRisk.some((s: any) => s.ticketId === ticket.body.id);
    expect(listed).toBe(due <= o.body.generatedAt + 48 * 3600_000);
    a.close();
  });

  it('is for staff only', async () => {
    const client = await login(h.url, 'dsi@acme.test');
    expect((await client.get('/api/v1/overview')).status).toBe(403);
  });
});

describe('device list: state filter and search by address and software', () => {
  it('finds a device by an IP address or a software name of its latest inventory, and filters by state', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const cred = await enrollAgent(h, h.globex.siteId, 'srv-search');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    const inv = structuredClone(sampleInventory);
    inv.network[0]!.ipv4 = ['198.51.100.77'];
    inv.software.push({ name: 'Veeam Agent for Linux', version: '6.1', source: 'dpkg' });
    await a.waitAck(a.send('inventory', inv));
    const ids = async (q: string) => {
      for (let i = 0; i < 40; i++) {
        const r = await tech.get(`/api/v1/devices?q=${encodeURIComponent(q)}`);
        if (r.body.devices.length > 0) return r.body.devices.map((d: any) => d.id);
        await new Promise((res) => setTimeout(res, 50));
      }
      return [];
    };
    expect(await ids('198.51.100.77')).toEqual([cred.deviceId]);
    expect(await ids('veeam')).toEqual([cred.deviceId]);
    expect((await tech.get('/api/v1/devices?q=no-such-software-xyz')).body.devices).toEqual([]);
    // A new inventory replaces what is searched: the old address no longer finds the device.
    inv.network[0]!.ipv4 = ['198.51.100.78'];
    inv.collectedAt += 60_000;
    await a.waitAck(a.send('inventory', inv));
    expect(await ids('198.51.100.78')).toEqual([cred.deviceId]);
    expect((await tech.get('/api/v1/devices?q=198.51.100.77')).body.devices).toEqual([]);
    // `%` and `_` are literal characters, not wildcards.
    expect((await tech.get('/api/v1/devices?q=%25')).body.total).toBe(0);

    const row = (await tech.get(`/api/v1/devices?clientId=${h.globex.clientId}`)).body.devices.find((d: any) => d.id === cred.deviceId);
    expect(row.state).toBe('ok');
    const ok = await tech.get(`/api/v1/devices?state=ok&clientId=${h.globex.clientId}`);
    expect(ok.body.devices.map((d: any) => d.id)).toContain(cred.deviceId);
    expect(ok.body.devices.every((d: any) => d.state === 'ok')).toBe(true);
    const offline = await tech.get('/api/v1/devices?state=offline');
    expect(offline.body.devices.map((d: any) => d.id)).not.toContain(cred.deviceId);
    expect(offline.body.total).toBe(offline.body.devices.length);
    expect((await tech.get('/api/v1/devices?state=sleeping')).status).toBe(400);
    // A client user searches only its own company's devices.
    const acme = await login(h.url, 'dsi@acme.test');
    expect((await acme.get('/api/v1/devices?q=198.51.100.78')).body.devices).toEqual([]);
    a.close();
  });
});

describe('tickets and incidents of one device', () => {
  it('lists the tickets naming the device or opened by its incidents, and its incidents', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const dev = await enrollAgent(h, h.acme.siteId, 'pc-tickets');
    const other = await enrollAgent(h, h.acme.siteId, 'pc-other');
    const named = await tech.post('/api/v1/tickets', {
      clientId: h.acme.clientId,
      title: 'Écran noir',
      description: '',
      channel: 'email',
      deviceIds: [dev.deviceId],
    });
    const fromIncident = await tech.post('/api/v1/tickets', { clientId: h.acme.clientId, title: 'Disque plein', description: '', channel: 'email' });
    await tech.post('/api/v1/tickets', { clientId: h.acme.clientId, title: 'Autre poste', description: '', channel: 'email', deviceIds: [other.deviceId] });
    const inc = await insertIncident(h.acme.clientId, h.acme.siteId, dev.deviceId, 'warning', 'open', fromIncident.body.id);
    await insertIncident(h.acme.clientId, h.acme.siteId, other.deviceId, 'warning', 'open');

    const tickets = await tech.get(`/api/v1/tickets?deviceId=${dev.deviceId}`);
    expect(tickets.body.tickets.map((t: any) => t.id).sort()).toEqual([named.body.id, fromIncident.body.id].sort());
    const incidents = await tech.get(`/api/v1/incidents?deviceId=${dev.deviceId}`);
    expect(incidents.body.incidents.map((i: any) => i.id)).toEqual([inc]);
    // Another client's user asking about this device sees nothing.
    const globex = await login(h.url, 'it@globex.test');
    expect((await globex.get(`/api/v1/tickets?deviceId=${dev.deviceId}`)).body.tickets).toEqual([]);
    expect((await globex.get(`/api/v1/incidents?deviceId=${dev.deviceId}`)).body.incidents).toEqual([]);
  });
});

describe('assignable users', () => {
  it('gives staff the names of admins and technicians to assign a ticket to, and nothing to clients', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const r = await tech.get('/api/v1/users/assignable');
    expect(r.body.users.map((u: any) => u.name).sort()).toEqual(['Admin', 'Technicienne']);
    expect(Object.keys(r.body.users[0]).sort()).toEqual(['id', 'name']);
    const client = await login(h.url, 'dsi@acme.test');
    expect((await client.get('/api/v1/users/assignable')).status).toBe(403);
  });
});
