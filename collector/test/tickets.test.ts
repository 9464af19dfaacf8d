import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type Harness, login, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

// Paris is UTC+2 in May 2026. Whit Monday is 25 May 2026.
const paris = (iso: string) => Date.parse(`${iso}+02:00`);

describe('tickets and their SLA (contract 2.6)', () => {
  it('2.6 — a phone call on Friday 16:00 before Whit Monday, urgent remote: deadline Tuesday 16:00', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const r = await tech.post('/api/v1/tickets', {
      clientId: h.acme.clientId,
      title: 'Imprimante HS',
      description: 'Appel de Marie',
      channel: 'phone',
      receivedAt: paris('2026-05-22T16:00:00'),
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ channel: 'phone', kind: 'urgent', mode: 'remote', status: 'new' });
    expect(r.body.slaStartAt).toBe(paris('2026-05-22T16:00:00'));
    expect(r.body.slaDeadlineAt).toBe(paris('2026-05-26T16:00:00'));
    expect(r.body.timeline.map((e: any) => e.type)).toEqual(['created']);
  });

  it('2.6 — a forwarded mail received on Saturday, on site: the clock starts Tuesday 09:00, deadline Thursday 09:00', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const r = await tech.post('/api/v1/tickets', {
      clientId: h.acme.clientId,
      title: 'Serveur',
      description: 'x',
      channel: 'email',
      mode: 'on_site',
      receivedAt: paris('2026-05-23T10:00:00'),
    });
    expect(r.body.slaStartAt).toBe(paris('2026-05-26T09:00:00'));
    expect(r.body.slaDeadlineAt).toBe(paris('2026-05-28T09:00:00'));
  });

  it('2.6 — the hotline does not take calls on Saturday or during the lunch break', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    for (const at of ['2026-05-23T10:00:00', '2026-05-22T13:30:00', '2026-05-25T10:00:00']) {
      const r = await tech.post('/api/v1/tickets', { clientId: h.acme.clientId, title: 'x', description: 'x', channel: 'phone', receivedAt: paris(at) });
      expect(r.status, at).toBe(400);
      expect(r.body.error.code).toBe('VIGIE_E_VALIDATION');
    }
  });

  it('a client user files from the portal, follows the history and comments; another client sees nothing', async () => {
    const dev = await enrollAgent(h, h.acme.siteId, 'acme-pc-ticket');
    const client = await login(h.url, 'dsi@acme.test');
    const hostile = '<img src=x onerror=alert(1)>';
    const r = await client.post('/api/v1/tickets', {
      clientId: h.globex.clientId,
      title: hostile,
      description: 'Le poste ne démarre plus',
      deviceIds: [dev.deviceId],
      channel: 'phone',
    });
    expect(r.status).toBe(201);
    // Whatever it asked, a client user files for its own company, through the portal.
    expect(r.body).toMatchObject({ clientId: h.acme.clientId, channel: 'portal', title: hostile, deviceIds: [dev.deviceId] });
    const id = r.body.id as number;
    expect((await client.post(`/api/v1/tickets/${id}/events`, { type: 'comment', text: 'Toujours en panne' })).status).toBe(201);
    const forbidden = await client.post(`/api/v1/tickets/${id}/events`, { type: 'status', status: 'closed' });
    expect(forbidden.status).toBe(403);
    const other = await login(h.url, 'it@globex.test');
    expect((await other.get(`/api/v1/tickets/${id}`)).status).toBe(404);
    expect((await other.post(`/api/v1/tickets/${id}/events`, { type: 'comment', text: 'x' })).status).toBe(404);
    expect((await other.get('/api/v1/tickets')).body.tickets.map((t: any) => t.id)).not.toContain(id);
    const foreignDevice = await other.post('/api/v1/tickets', { title: 'x', description: 'x', deviceIds: [dev.deviceId] });
    expect(foreignDevice.status).toBe(404);
  });

  it('records every action in the timeline: assignment, status moves, intervention time, reopening', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const admin = await login(h.url, 'admin@vigie.test');
    const users = (await admin.get('/api/v1/users')).body.users as { id: number; email: string }[];
    const techId = users.find((u) => u.email === 'tech@vigie.test')!.id;
    const clientUserId = users.find((u) => u.email === 'dsi@acme.test')!.id;
    const id = (await tech.post('/api/v1/tickets', { clientId: h.acme.clientId, title: 'VPN', description: 'x', channel: 'email' })).body.id;
    const ev = (body: unknown) => tech.post(`/api/v1/tickets/${id}/events`, body);
    expect((await ev({ type: 'assign', assigneeId: clientUserId })).status).toBe(400);
    expect((await ev({ type: 'assign', assigneeId: techId })).status).toBe(201);
    expect((await ev({ type: 'status', status: 'in_progress' })).body.interventionStartedAt).toBeGreaterThan(0);
    expect((await ev({ type: 'time', minutes: 50, note: 'Reconfiguration du client VPN' })).status).toBe(201);
    expect((await ev({ type: 'status', status: 'resolved' })).body.status).toBe('resolved');
    expect((await ev({ type: 'status', status: 'closed' })).body.closedAt).toBeGreaterThan(0);
    expect((await ev({ type: 'status', status: 'waiting_client' })).status).toBe(409);
    const reopened = await ev({ type: 'status', status: 'in_progress', note: 'Le problème revient' });
    expect(reopened.body).toMatchObject({ status: 'in_progress', closedAt: null, resolvedAt: null });
    const t = reopened.body.timeline as any[];
    expect(t.map((e) => e.type)).toEqual(['created', 'assign', 'status', 'time', 'status', 'status', 'status']);
    expect(t.at(-1)).toMatchObject({ from: 'closed', to: 'in_progress', reopened: true, author: `user:${techId}`, authorName: 'Technicienne' });
    expect(t.every((e, i) => i === 0 || e.at >= t[i - 1].at)).toBe(true);
    expect(reopened.body.sla).toMatch(/met|missed/);
  });
});
