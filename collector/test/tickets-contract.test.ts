import { addBusinessDays, fromParis, PROGRAMMED_MIN_BUSINESS_DAYS, parisDate } from '@vigie/shared';
import { TEST_PRICE_GRID as GRID } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentService } from '../src/incidents/service.js';
import { enrollAgent, type Harness, login, type Session, startHarness } from './harness.js';

/**
 * Issue 18, point 5, on a real collector: tickets as the contract defines them — programmed or
 * urgent, remote or on site, desired date and devices; attachments stored, size-capped and typed
 * from their bytes; the SLA met by a recorded intervention that started before the deadline;
 * monitoring tickets internal until published (or a client's setting); a client's own ticket linked
 * to the automatic one about the same device.
 */
let h: Harness;
let tech: Session;
let admin: Session;
let acme: Session;
let globex: Session;
let acmeDevice: number;
let incidents: IncidentService;

// A PNG's signature and IHDR chunk (enough for its type to be read from its bytes).
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
]);

async function upload(s: Session, ticketId: number, name: string, data: Buffer): Promise<{ status: number; body: any }> {
  const r = await fetch(`${h.url}/api/v1/tickets/${ticketId}/attachments?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/octet-stream' },
    body: data,
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  h = await startHarness({ rulesIntervalMs: 0, invoicing: false });
  tech = await login(h.url, 'tech@vigie.test');
  admin = await login(h.url, 'admin@vigie.test');
  acme = await login(h.url, 'dsi@acme.test');
  globex = await login(h.url, 'it@globex.test');
  acmeDevice = (await enrollAgent(h, h.acme.siteId, 'PC-ACCUEIL')).deviceId;
  const contract = await admin.put(`/api/v1/billing/clients/${h.acme.clientId}/contract`, {
    startDate: '2024-01-01',
    buyer: { name: 'Acme SARL', address: ['1 place Bellecour', '69002 Lyon'], siren: '401234567', vatNumber: 'FR11401234567' },
    grid: GRID,
    syntecIndex: 274.7,
    syntecIndexDate: '2019-10-31',
  });
  expect(contract.status, JSON.stringify(contract.body)).toBe(200);
  incidents = new IncidentService(h.collector.db, h.collector.tickets, { reopenWindowMs: 7 * 86_400_000, quietPeriodMs: 600_000 });
});
afterAll(async () => h?.close());

describe('a request as the contract defines it (issue 18, point 5)', () => {
  it('takes programmed or urgent, remote or on site, a desired date and the devices concerned from the portal', async () => {
    const earliest = addBusinessDays(parisDate(Date.now()), PROGRAMMED_MIN_BUSINESS_DAYS);
    const r = await acme.post('/api/v1/tickets', {
      title: 'Installer le nouveau copieur',
      description: 'Au 2e étage',
      kind: 'programmed',
      mode: 'on_site',
      plannedDate: earliest,
      deviceIds: [acmeDevice],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ channel: 'portal', kind: 'programmed', mode: 'on_site', plannedDate: earliest, priority: 'normal', slaDeadlineAt: null });
    expect(r.body.deviceIds).toEqual([acmeDevice]);
    // Sooner than 5 business days is not a programmed intervention: refused with the earliest date, in the reader's terms.
    const soon = await acme.post('/api/v1/tickets', { title: 'x', description: 'x', kind: 'programmed', mode: 'remote', plannedDate: parisDate(Date.now()) });
    expect(soon.status).toBe(400);
    expect(soon.body.error).toMatchObject({ code: 'VIGIE_E_VALIDATION', details: { reason: 'programmed_too_soon', field: '/plannedDate' } });
    // Another client's device is not one a request can name.
    const other = await globex.post('/api/v1/tickets', { title: 'x', description: 'x', kind: 'urgent', deviceIds: [acmeDevice] });
    expect(other.status).toBe(404);
  });

  it('stores attachments checked by their bytes and size, for those who may see the ticket only', async () => {
    const t = await acme.post('/api/v1/tickets', { title: 'Écran noir', description: 'Capture jointe', kind: 'urgent', mode: 'remote' });
    expect(t.status).toBe(201);
    const ok = await upload(acme, t.body.id, 'capture écran.png', PNG);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({ name: 'capture écran.png', type: 'image/png', size: PNG.length, authorName: 'DSI Acme' });
    const back = await fetch(`${h.url}/api/v1/tickets/${t.body.id}/attachments/${ok.body.id}`, { headers: { cookie: tech.cookie } });
    expect(back.status).toBe(200);
    expect(back.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(Buffer.from(await back.arrayBuffer()).equals(PNG)).toBe(true);
    // A Windows executable named as a picture: its bytes say what it is.
    const exe = await upload(acme, t.body.id, 'photo.png', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0)]));
    expect(exe.status).toBe(400);
    expect(exe.body.error).toMatchObject({ code: 'VIGIE_E_VALIDATION', details: { reason: 'attachment_type' } });
    const big = await upload(acme, t.body.id, 'journal.txt', Buffer.alloc(10 * 1024 * 1024 + 1, 0x61));
    expect(big.status).toBe(413);
    // Nothing refused was kept; another client neither reads nor adds.
    expect((await acme.get(`/api/v1/tickets/${t.body.id}`)).body.attachments).toHaveLength(1);
    expect((await upload(globex, t.body.id, 'x.png', PNG)).status).toBe(404);
    expect((await fetch(`${h.url}/api/v1/tickets/${t.body.id}/attachments/${ok.body.id}`, { headers: { cookie: globex.cookie } })).status).toBe(404);
  });
});

describe('the SLA is met when a technician takes charge (contract 2.6.2)', () => {
  it('counts an intervention that started before the deadline, not only a status click', async () => {
    // An e-mail on Tuesday 3 November 2026, 10:00: urgent remote, due Wednesday 10:00; nobody moved its status.
    const received = fromParis('2026-11-03', 10, 0);
    const t = await tech.post('/api/v1/tickets', {
      clientId: h.acme.clientId,
      title: 'Messagerie bloquée',
      description: 'x',
      channel: 'email',
      receivedAt: received,
    });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    expect(t.body.slaDeadlineAt).toBe(fromParis('2026-11-04', 10, 0));
    expect(t.body.sla).toBe('breached'); // what the client saw before: the deadline passed without a status change
    const rec = await tech.post(`/api/v1/tickets/${t.body.id}/interventions`, {
      startedAt: fromParis('2026-11-03', 14, 0),
      endedAt: fromParis('2026-11-03', 15, 0),
      kind: 'urgent',
      mode: 'remote',
    });
    expect(rec.status, JSON.stringify(rec.body)).toBe(201);
    const after = await tech.get(`/api/v1/tickets/${t.body.id}`);
    expect(after.body).toMatchObject({ sla: 'met', interventionStartedAt: fromParis('2026-11-03', 14, 0) });
    expect((await acme.get(`/api/v1/tickets/${t.body.id}`)).body.sla).toBe('met');
  });

  it('an intervention recorded with its date alone claims no more than the end of that day', async () => {
    const t = await tech.post('/api/v1/tickets', {
      clientId: h.acme.clientId,
      title: 'Imprimante',
      description: 'x',
      channel: 'email',
      receivedAt: fromParis('2026-11-05', 10, 0),
    });
    // Due Friday 6 November 10:00; worked "on the 6th", time not given: not proven in time.
    const rec = await tech.post(`/api/v1/tickets/${t.body.id}/interventions`, { date: '2026-11-06', minutes: 30, kind: 'urgent', mode: 'remote' });
    expect(rec.status, JSON.stringify(rec.body)).toBe(201);
    expect((await tech.get(`/api/v1/tickets/${t.body.id}`)).body.sla).toBe('missed');
    // Worked on the 5th: in time whatever the hour.
    await tech.post(`/api/v1/tickets/${t.body.id}/interventions`, { date: '2026-11-05', minutes: 15, kind: 'urgent', mode: 'remote' });
    expect((await tech.get(`/api/v1/tickets/${t.body.id}`)).body.sla).toBe('met');
  });
});

describe('monitoring tickets stay internal until published, and a client’s own ticket is linked to them', () => {
  const problem = (fingerprint: string, clientId: number, siteId: number, deviceId: number) => ({
    fingerprint,
    clientId,
    siteId,
    deviceId,
    ruleId: 1,
    target: 'C:',
    severity: 'critical' as const,
    message: 'Disque C: plein à 97 %',
  });

  it('hides the automatic ticket from the client until a technician publishes it; the client’s ticket about the device is linked to it', async () => {
    await incidents.opened(problem('disk-acme', h.acme.clientId, h.acme.siteId, acmeDevice), Date.now());
    const auto = (await h.collector.db.kysely.selectFrom('incidents').select('ticket_id').where('fingerprint', '=', 'disk-acme').executeTakeFirstOrThrow()) as {
      ticket_id: number;
    };
    const staffView = await tech.get(`/api/v1/tickets/${auto.ticket_id}`);
    expect(staffView.body).toMatchObject({ channel: 'monitoring', clientVisible: false });
    expect((await acme.get(`/api/v1/tickets/${auto.ticket_id}`)).status).toBe(404);
    expect((await acme.get('/api/v1/tickets')).body.tickets.map((t: any) => t.id)).not.toContain(auto.ticket_id);

    // The client reports the same problem about the same device: the two are linked, the client sees only its own.
    const own = await acme.post('/api/v1/tickets', { title: 'Mon PC est lent', description: 'Depuis ce matin', kind: 'urgent', deviceIds: [acmeDevice] });
    expect(own.status).toBe(201);
    expect(own.body.links).toEqual([]);
    const staffOwn = await tech.get(`/api/v1/tickets/${own.body.id}`);
    expect(staffOwn.body.links.map((l: any) => l.id)).toEqual([auto.ticket_id]);
    expect((await tech.get(`/api/v1/tickets/${auto.ticket_id}`)).body.links.map((l: any) => l.id)).toEqual([own.body.id]);

    // Published: the client sees it, linked to its own, and the timeline and audit say who did it.
    expect((await acme.post(`/api/v1/tickets/${auto.ticket_id}/publish`)).status).toBe(403);
    const pub = await tech.post(`/api/v1/tickets/${auto.ticket_id}/publish`);
    expect(pub.status, JSON.stringify(pub.body)).toBe(200);
    expect(pub.body.clientVisible).toBe(true);
    expect(pub.body.timeline.map((e: any) => e.type)).toContain('published');
    expect((await acme.get(`/api/v1/tickets/${auto.ticket_id}`)).status).toBe(200);
    expect((await acme.get(`/api/v1/tickets/${own.body.id}`)).body.links.map((l: any) => l.id)).toEqual([auto.ticket_id]);
    const audited = { n: (await h.collector.db.kysely.selectFrom('audit_log').select('id').where('action', '=', 'ticket.publish').execute()).length };
    expect(audited.n).toBe(1);
  });

  it('shows a client every monitoring ticket when its setting says so (set by an administrator)', async () => {
    const globexDevice = (await enrollAgent(h, h.globex.siteId, 'SRV-GLOBEX')).deviceId;
    expect((await tech.put(`/api/v1/clients/${h.globex.clientId}/settings`, { publishMonitoringTickets: true })).status).toBe(403);
    const set = await admin.put(`/api/v1/clients/${h.globex.clientId}/settings`, { publishMonitoringTickets: true });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ publishMonitoringTickets: true });
    await incidents.opened(problem('disk-globex', h.globex.clientId, h.globex.siteId, globexDevice), Date.now());
    const auto = (await h.collector.db.kysely
      .selectFrom('incidents')
      .select('ticket_id')
      .where('fingerprint', '=', 'disk-globex')
      .executeTakeFirstOrThrow()) as { ticket_id: number };
    expect((await globex.get(`/api/v1/tickets/${auto.ticket_id}`)).body).toMatchObject({ channel: 'monitoring', clientVisible: true });
  });

  it('links two tickets of the same client by hand, never across clients', async () => {
    const a = await acme.post('/api/v1/tickets', { title: 'Wi-Fi', description: 'x', kind: 'urgent' });
    const b = await acme.post('/api/v1/tickets', { title: 'Wi-Fi encore', description: 'x', kind: 'urgent' });
    const g = await globex.post('/api/v1/tickets', { title: 'Wi-Fi', description: 'x', kind: 'urgent' });
    const linked = await tech.post(`/api/v1/tickets/${a.body.id}/links`, { ticketId: b.body.id });
    expect(linked.status, JSON.stringify(linked.body)).toBe(200);
    expect(linked.body.links.map((l: any) => l.id)).toEqual([b.body.id]);
    expect((await tech.post(`/api/v1/tickets/${a.body.id}/links`, { ticketId: g.body.id })).status).toBe(404);
    expect((await acme.post(`/api/v1/tickets/${a.body.id}/links`, { ticketId: b.body.id })).status).toBe(403);
  });
});
