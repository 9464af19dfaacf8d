import { createPublicKey, verify } from 'node:crypto';
import { TEST_PRICE_GRID as GRID } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { enrolTotp, freshTotpCode } from '../src/auth/totp/test-codes.js';
import { enrollAgent, type Harness, login, type Session, startHarness, TOTP_SECRETS } from './harness.js';

// Contract tie (issue 16 point 7), key rotation and the monthly report's remote actions, against a
// real collector: a remote session from a ticket becomes a draft remote intervention priced by the
// billing service's own quote, recorded only when the technician confirms it.
vi.setConfig({ testTimeout: 120_000 });
let h: Harness;
let admin: Session;
let tech: Session;
let device: { agentId: string; secret: string; deviceId: number; commandKey?: { keyId: string; publicKey: string } };
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const keyOf = (raw: string) => createPublicKey({ key: Buffer.concat([ED25519_SPKI, Buffer.from(raw, 'base64url')]), format: 'der', type: 'spki' });

beforeAll(async () => {
  h = await startHarness({ invoicing: false });
  admin = await login(h.url, 'admin@vigie.test');
  const techId = (await h.collector.db.kysely.selectFrom('users').select('id').where('email', '=', 'tech@vigie.test').executeTakeFirstOrThrow()).id;
  TOTP_SECRETS.set('tech@vigie.test', (await enrolTotp(h.collector, { id: techId, email: 'tech@vigie.test' })).secret);
  await admin.put(`/api/v1/users/${techId}/remote-permissions`, { clientIds: [h.acme.clientId] });
  tech = await login(h.url, 'tech@vigie.test');
  const seller = {
    name: 'Sibio',
    address: ['1 rue X', '69000 Lyon'],
    siren: '812345678',
    siret: '81234567800021',
    vatNumber: 'FR45812345678',
    rcs: 'RCS Lyon',
    email: 'f@sibio.test',
    legalForm: 'SARL',
  };
  await admin.put('/api/v1/billing/settings', { seller });
  const c = await admin.put(`/api/v1/billing/clients/${h.acme.clientId}/contract`, {
    startDate: '2025-01-01',
    buyer: { name: 'Acme SARL', address: ['1 place Bellecour', '69002 Lyon'], siren: '401234567', vatNumber: 'FR11401234567' },
    grid: GRID,
    // The Syntec index at signature (S0): the collector knows none for 2025 (issue 18, point 7).
    syntecIndex: 305.4,
    syntecIndexDate: '2024-12-01',
  });
  expect(c.status, JSON.stringify(c.body)).toBe(200);
  device = await enrollAgent(h, h.acme.siteId, 'acme-srv');
});
afterAll(async () => h.close());

describe('a remote session from a ticket (contract 2.6)', () => {
  it('becomes a draft remote intervention priced by the billing quote, recorded only once the technician confirms', async () => {
    const ticket = await tech.post('/api/v1/tickets', {
      clientId: h.acme.clientId,
      title: 'Serveur lent',
      description: 'Appel du DSI',
      channel: 'email',
      deviceIds: [device.deviceId],
    });
    expect(ticket.status, JSON.stringify(ticket.body)).toBe(201);
    const ticketId = ticket.body.id as number;
    const sessions = h.collector.remote.sessions!;
    const user = (await tech.get('/api/v1/auth/me')).body.user;
    const start = Date.now() - 50 * 60_000;
    const s = await sessions.start(user, ticketId, device.deviceId, start);
    expect(s.state).toBe('open');
    const ended = await sessions.end(user, s.id, start + 50 * 60_000);
    expect(ended).toMatchObject({ state: 'ended', minutes: 50 });
    // The same price as the billing API's own quote for 50 urgent remote minutes that day.
    const kind = (await tech.get(`/api/v1/tickets/${ticketId}`)).body.kind;
    const q = await tech.post('/api/v1/billing/quote', {
      clientId: h.acme.clientId,
      kind,
      mode: 'remote',
      minutes: 50,
      date: new Date(start).toISOString().slice(0, 10),
    });
    expect(q.status, JSON.stringify(q.body)).toBe(200);
    expect(ended.quote).toMatchObject({ amountCents: q.body.amountCents, unit: q.body.unit, count: q.body.count, minutes: 50, mode: 'remote' });
    expect((await tech.get(`/api/v1/billing/interventions?ticketId=${ticketId}`)).body.interventions ?? []).toEqual([]);
    const confirmed = await tech.post(`/api/v1/remote-sessions/${s.id}/confirm`, {});
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.state).toBe('confirmed');
    const iv = await h.collector.db.kysely.selectFrom('interventions').selectAll().where('id', '=', confirmed.body.interventionId).executeTakeFirstOrThrow();
    expect(iv).toMatchObject({ ticket_id: ticketId, mode: 'remote', minutes: 50, amount_cents: q.body.amountCents });
    // Twice: refused, and still one intervention.
    expect((await tech.post(`/api/v1/remote-sessions/${s.id}/confirm`, {})).status).toBe(409);
    expect(
      await h.collector.db.kysely
        .selectFrom('interventions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('ticket_id', '=', ticketId)
        .executeTakeFirstOrThrow(),
    ).toEqual({ n: 1 });
    const timeline = (await tech.get(`/api/v1/tickets/${ticketId}`)).body.timeline.map((e: any) => e.type);
    expect(timeline).toEqual(expect.arrayContaining(['remote_session', 'intervention']));
  });

  it('refuses a session on another client’s device, and to a technician without the client’s permission', async () => {
    const globexDevice = await enrollAgent(h, h.globex.siteId, 'globex-pc');
    const ticket = await tech.post('/api/v1/tickets', { clientId: h.acme.clientId, title: 'x', description: 'x', channel: 'email' });
    expect((await tech.post(`/api/v1/tickets/${ticket.body.id}/remote-sessions`, { deviceId: globexDevice.deviceId })).body.error.code).toBe(
      'VIGIE_E_VALIDATION',
    );
    const gt = await tech.post('/api/v1/tickets', { clientId: h.globex.clientId, title: 'y', description: 'y', channel: 'email' });
    expect((await tech.post(`/api/v1/tickets/${gt.body.id}/remote-sessions`, { deviceId: globexDevice.deviceId })).body.error.code).toBe(
      'VIGIE_E_REMOTE_PERMISSION_REQUIRED',
    );
  });
});

describe('key rotation and the monthly report', () => {
  it('announces a new key to every agent in an envelope signed by the old one; new commands are signed by the new key', async () => {
    const old = (await admin.get('/api/v1/remote/key')).body.current;
    expect(old.keyId).toBe(device.commandKey?.keyId);
    expect(JSON.stringify((await admin.get('/api/v1/remote/key')).body)).not.toMatch(/PRIVATE/);
    expect((await admin.post('/api/v1/remote/key/rotate')).body.error.code).toBe('VIGIE_E_STEP_UP_REQUIRED');
    await admin.post('/api/v1/auth/step-up', { code: await freshTotpCode(TOTP_SECRETS.get('admin@vigie.test')!) });
    const r = await admin.post('/api/v1/remote/key/rotate');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.next.keyId).not.toBe(old.keyId);
    const rows = await h.collector.db.kysely
      .selectFrom('commands')
      .select(['envelope', 'signature', 'key_id'])
      .where('action', '=', 'key-rotate')
      .where('device_id', '=', device.deviceId)
      .execute();
    expect(rows).toHaveLength(1);
    const bytes = Buffer.from(rows[0]!.envelope, 'base64url');
    expect(rows[0]!.key_id).toBe(old.keyId);
    expect(verify(null, bytes, keyOf(old.publicKey), Buffer.from(rows[0]!.signature, 'base64url'))).toBe(true);
    expect(JSON.parse(bytes.toString()).args).toEqual({ newKeyId: r.body.next.keyId, newPublicKey: r.body.next.publicKey });
    const cmd = await tech.post('/api/v1/commands', { target: { kind: 'device', id: device.deviceId }, action: 'service-restart', args: { service: 'cron' } });
    const row = await h.collector.db.kysely
      .selectFrom('commands')
      .select(['envelope', 'signature', 'key_id'])
      .where('id', '=', cmd.body.commands[0].id)
      .executeTakeFirstOrThrow();
    expect(row.key_id).toBe(r.body.next.keyId);
    expect(verify(null, Buffer.from(row.envelope, 'base64url'), keyOf(r.body.next.publicKey), Buffer.from(row.signature, 'base64url'))).toBe(true);
    // The private keys stay in their own 0600 files, never in the database.
    const dump =
      JSON.stringify(await h.collector.db.kysely.selectFrom('kv').selectAll().execute()) +
      JSON.stringify(await h.collector.db.kysely.selectFrom('audit_log').selectAll().execute());
    expect(dump).not.toContain('PRIVATE KEY');
  });

  it('lists the month’s remote actions in the client’s monthly report (a key rotation runs nothing and is left out)', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const report = await h.collector.reports.builder.build(h.acme.clientId, month);
    expect(report.remoteActions?.total).toBe(1);
    expect(report.remoteActions?.rows[0]).toMatchObject({ hostname: 'acme-srv', action: 'service-restart', by: 'Technicienne', state: 'queued' });
    const globex = await h.collector.reports.builder.build(h.globex.clientId, month);
    expect(globex.remoteActions).toEqual({ total: 0, refused: 0, rows: [], more: 0 });
  });
});
