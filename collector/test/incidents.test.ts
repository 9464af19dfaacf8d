import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type Harness, login, startHarness, TestAgent } from './harness.js';

let h: Harness;
beforeAll(async () => {
  // Rules are evaluated by the test at chosen times, not by the timer.
  h = await startHarness({ rulesIntervalMs: 0 });
});
afterAll(async () => h.close());

const MIN = 60_000;
const ticketsOf = async (deviceId: number) => {
  const tech = await login(h.url, 'tech@vigie.test');
  const all = (await tech.get('/api/v1/tickets?limit=500')).body.tickets as any[];
  const out = [];
  for (const t of all) {
    const full = (await tech.get(`/api/v1/tickets/${t.id}`)).body;
    if (full.deviceIds.includes(deviceId)) out.push(full);
  }
  return out;
};

describe('rules → incidents → tickets', () => {
  it('a disk over 90 % for 5 minutes opens exactly one ticket; recovery adds a note and resolves it after the quiet period; a return reopens it', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'srv-fichiers');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    const t0 = Date.now();
    const sendDisk = async (pct: number) =>
      a.waitAck(a.send('metrics', { samples: [{ ts: Date.now(), values: { 'fs.used_pct{mount=/srv}': pct, 'fs.used_pct{mount=/}': 40 } }] }));
    await sendDisk(95);
    await h.collector.rules.evaluate(t0);
    await h.collector.rules.evaluate(t0 + 2 * MIN);
    expect(await ticketsOf(cred.deviceId)).toHaveLength(0); // not yet 5 minutes
    await h.collector.rules.evaluate(t0 + 5 * MIN);
    await h.collector.rules.evaluate(t0 + 6 * MIN);
    let tickets = await ticketsOf(cred.deviceId);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ channel: 'monitoring', kind: 'urgent', priority: 'critical', status: 'new' });
    expect(tickets[0].title).toContain('mount=/srv');
    // 88 %: below the threshold but above the recovery value (hysteresis): still a problem.
    await sendDisk(88);
    await h.collector.rules.evaluate(t0 + 7 * MIN);
    expect((await ticketsOf(cred.deviceId))[0].timeline.map((e: any) => e.type)).toEqual(['created']);
    await sendDisk(70);
    await h.collector.rules.evaluate(t0 + 8 * MIN);
    tickets = await ticketsOf(cred.deviceId);
    expect(tickets[0].timeline.at(-1)).toMatchObject({ type: 'comment', author: 'system:monitoring' });
    expect(tickets[0].timeline.at(-1).text).toMatch(/^Retour à la normale/);
    expect(tickets[0].status).toBe('new');
    await h.collector.rules.evaluate(t0 + 19 * MIN);
    tickets = await ticketsOf(cred.deviceId);
    expect(tickets[0].status).toBe('resolved');
    // The same problem comes back: the same ticket is reopened, not duplicated.
    await sendDisk(97);
    await h.collector.rules.evaluate(t0 + 30 * MIN);
    await h.collector.rules.evaluate(t0 + 36 * MIN);
    tickets = await ticketsOf(cred.deviceId);
    expect(tickets).toHaveLength(1);
    expect(tickets[0].status).toBe('in_progress');
    expect(tickets[0].timeline.at(-1)).toMatchObject({ type: 'status', from: 'resolved', to: 'in_progress', reopened: true });
    a.close();
  });

  it('a silent agent opens an "offline" ticket after the configured time', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-silencieux');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello({ hostname: 'pc-silencieux' });
    await a.waitAck(a.send('metrics', { samples: [{ ts: Date.now(), values: { 'cpu.usage_pct': 1 } }] }));
    a.close();
    await a.closed;
    const now = Date.now();
    await h.collector.rules.evaluate(now + 5 * MIN);
    expect(await ticketsOf(cred.deviceId)).toHaveLength(0);
    await h.collector.rules.evaluate(now + 11 * MIN);
    const tickets = await ticketsOf(cred.deviceId);
    expect(tickets).toHaveLength(1);
    expect(tickets[0].title).toMatch(/L'agent de pc-silencieux ne répond plus/);
  });

  it('a site losing all its agents at once gets one site ticket, not one per machine', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const admin = await login(h.url, 'admin@vigie.test');
    const site = (await admin.post(`/api/v1/clients/${h.globex.clientId}/sites`, { name: 'Agence Nantes' })).body.id as number;
    const creds = await Promise.all(['nantes-1', 'nantes-2', 'nantes-3', 'nantes-4'].map((n) => enrollAgent(h, site, n)));
    for (const c of creds) {
      const a = await TestAgent.connect(h.wsUrl, c);
      await a.hello();
      await a.waitAck(a.send('metrics', { samples: [{ ts: Date.now(), values: { 'cpu.usage_pct': 1 } }] }));
      a.close();
      await a.closed;
    }
    await h.collector.rules.evaluate(Date.now() + 15 * MIN);
    const globex = (await tech.get(`/api/v1/tickets?clientId=${h.globex.clientId}`)).body.tickets as any[];
    const siteTickets = globex.filter((t) => /Site injoignable/.test(t.title));
    expect(siteTickets).toHaveLength(1);
    expect(siteTickets[0].title).toContain('4 agents sur 4');
    for (const c of creds) expect(await ticketsOf(c.deviceId)).toHaveLength(0);
    const incidents = (await tech.get('/api/v1/incidents?limit=1000')).body.incidents as any[];
    expect(incidents.filter((i) => creds.some((c) => c.deviceId === i.device_id)).every((i) => i.suppressed === 'site-outage')).toBe(true);
  });

  it('a maintenance window keeps the incident in the history without opening a ticket', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'srv-maintenance');
    const tech = await login(h.url, 'tech@vigie.test');
    const now = Date.now();
    const w = await tech.post('/api/v1/maintenance-windows', {
      scope: 'device',
      scopeId: cred.deviceId,
      startsAt: now - MIN,
      endsAt: now + 60 * MIN,
      reason: 'Migration du serveur',
    });
    expect(w.status).toBe(201);
    expect(
      (await tech.post('/api/v1/maintenance-windows', { scope: 'device', scopeId: cred.deviceId, startsAt: now, endsAt: now - 1, reason: 'x' })).status,
    ).toBe(400);
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    await a.waitAck(
      a.send('checks', {
        results: [
          {
            check: 'network',
            target: 'ping 192.0.2.50',
            status: 'critical',
            code: 'HOST_UNREACHABLE',
            message: 'Host 192.0.2.50 does not answer',
            observedAt: now,
          },
        ],
      }),
    );
    await h.collector.rules.evaluate(now + MIN);
    expect(await ticketsOf(cred.deviceId)).toHaveLength(0);
    const incidents = (await tech.get('/api/v1/incidents?limit=1000')).body.incidents as any[];
    expect(incidents.find((i) => i.device_id === cred.deviceId)).toMatchObject({ suppressed: 'maintenance', status: 'open' });
    a.close();
  });

  it('a check’s ticket reads in French from the catalogue; the API gives its text in French and English beside the agent’s message', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-compta');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello({ hostname: 'pc-compta' });
    const now = Date.now();
    const LAST_SUCCESS = Date.UTC(2025, 0, 6, 1, 30); // 02:30 in Paris
    const backup = (status: string, code: string, message: string, ageHours: number) => ({
      check: 'backup',
      target: 'restic nas-acme',
      status,
      code,
      message,
      values: { ageHours, lastSuccessAt: LAST_SUCCESS },
      observedAt: Date.now(),
    });
    const unknownCode = { check: 'backup', target: 'custom', status: 'ok', code: 'CUSTOM_FINDING', message: 'custom words', observedAt: now };
    await a.waitAck(
      a.send('checks', {
        results: [backup('critical', 'BACKUP_TOO_OLD', 'restic nas-acme: last successful backup 30 h ago (critical from 26 h)', 30), unknownCode],
      }),
    );
    await h.collector.rules.evaluate(now + MIN);
    let [ticket] = await ticketsOf(cred.deviceId);
    // Non-breaking spaces before the colon and inside the guillemets, as French typography wants.
    expect(ticket.title).toBe(
      '[Critique] Dépôt restic «\u00a0nas-acme\u00a0»\u00a0: aucune sauvegarde réussie depuis 30\u00a0h (la dernière le 6 janvier 2025 à 02:30) (pc-compta)',
    );

    const client = await login(h.url, 'dsi@acme.test');
    const detail = (await client.get(`/api/v1/devices/${cred.deviceId}`)).body;
    const state = detail.checks.find((c: any) => c.code === 'BACKUP_TOO_OLD');
    expect(state.message).toBe('restic nas-acme: last successful backup 30 h ago (critical from 26 h)');
    expect(state.text).toEqual({
      fr: 'Dépôt restic «\u00a0nas-acme\u00a0»\u00a0: aucune sauvegarde réussie depuis 30\u00a0h (la dernière le 6 janvier 2025 à 02:30)',
      en: 'restic repository “nas-acme”: no successful backup for 30\u00a0h (the last on 6 January 2025 at 02:30)',
    });
    // A code the catalogue does not know: the agent's own message, in both.
    expect(detail.checks.find((c: any) => c.code === 'CUSTOM_FINDING').text).toEqual({ fr: 'custom words', en: 'custom words' });
    const checks = (await client.get(`/api/v1/devices/${cred.deviceId}/checks?check=backup`)).body;
    expect(checks.current.find((c: any) => c.code === 'BACKUP_TOO_OLD').text.fr).toMatch(/^Dépôt restic .+ aucune sauvegarde réussie depuis 30\u00a0h/);
    expect(checks.history.find((c: any) => c.code === 'BACKUP_TOO_OLD').text.en).toMatch(/^restic repository “nas-acme”: no successful backup for 30\u00a0h/);

    // Recovery: the note reads in French too.
    await a.waitAck(a.send('checks', { results: [backup('ok', 'BACKUP_OK', 'restic nas-acme: last successful backup 1 h ago', 1), unknownCode] }));
    await h.collector.rules.evaluate(now + 2 * MIN);
    [ticket] = await ticketsOf(cred.deviceId);
    expect(ticket.timeline.at(-1).text).toBe(
      'Retour à la normale : Dépôt restic «\u00a0nas-acme\u00a0»\u00a0: dernière sauvegarde réussie il y a 1\u00a0h (pc-compta)',
    );
    a.close();
  });

  it('a client sees only its own incidents; rules are for staff', async () => {
    const client = await login(h.url, 'it@globex.test');
    const inc = (await client.get('/api/v1/incidents?limit=1000')).body.incidents as any[];
    expect(inc.every((i) => i.client_id === h.globex.clientId)).toBe(true);
    expect((await client.get('/api/v1/rules')).status).toBe(403);
    const tech = await login(h.url, 'tech@vigie.test');
    const rules = (await tech.get('/api/v1/rules')).body.rules as any[];
    expect(rules.map((r) => r.key)).toEqual(
      expect.arrayContaining(['agent-offline', 'disk-full', 'backup-too-old', 'antivirus', 'certificate-expiring', 'host-unreachable']),
    );
    expect(
      (
        await tech.post('/api/v1/rules', {
          name: 'CPU',
          type: 'threshold',
          severity: 'warning',
          params: { metric: 'cpu.usage_pct', op: '>', value: 95, forSec: 600 },
        })
      ).status,
    ).toBe(201);
    expect(
      (await tech.post('/api/v1/rules', { name: 'x', type: 'threshold', severity: 'warning', params: { metric: 'Bad Name', op: '>', value: 1, forSec: 0 } }))
        .status,
    ).toBe(400);
  });
});
