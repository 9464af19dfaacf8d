import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { enrollAgent, type Harness, login, startHarness, TestAgent } from './harness.js';

// A real SMTP relay on loopback that receives the notifications, and a real HTTP webhook receiver.
const relayed: { to: string[]; subject: string; text: string }[] = [];
const hooks: { signature: string | undefined; body: any }[] = [];
let relay: SMTPServer;
let hookServer: Server;
let h: Harness;

beforeAll(async () => {
  relay = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      simpleParser(stream).then((m) => {
        relayed.push({ to: session.envelope.rcptTo.map((r) => r.address), subject: m.subject ?? '', text: m.text ?? '' });
        cb();
      }, cb);
    },
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
  const relayPort = (relay.server.address() as AddressInfo).port;
  hookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push({ signature: req.headers['x-vigie-signature'] as string | undefined, body: JSON.parse(body) });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
  h = await startHarness({
    mail: { inboundHost: '127.0.0.1', inboundPort: 0, supportAddress: 'support@infogerance.test', maxMessageBytes: 200_000 },
    notifications: {
      smtpUrl: `smtp://127.0.0.1:${relayPort}`,
      from: 'Vigie <noreply@infogerance.test>',
      webhooks: [`http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`],
      webhookSecret: 's3cret',
    },
  });
});
afterAll(async () => {
  await h.close();
  relay.close();
  hookServer.close();
});

const send = (from: string, subject: string, extra: Record<string, unknown> = {}) =>
  createTransport({ host: '127.0.0.1', port: h.collector.mailPort!, secure: false, ignoreTLS: true }).sendMail({
    from,
    to: 'support@infogerance.test',
    subject,
    text: 'Bonjour, le NAS ne répond plus.',
    ...extra,
  });

describe('support mailbox (real SMTP on loopback)', () => {
  it('turns a mail from a known client address into a ticket, then a reply naming it into a comment', async () => {
    const info = await send('dsi@acme.test', 'NAS inaccessible <b>urgent</b>', { html: '<p>Bonjour, <script>alert(1)</script>le NAS ne répond plus.</p>' });
    expect(info.response).toMatch(/Ticket #\d+ créé/);
    const id = Number(/#(\d+)/.exec(info.response)![1]);
    const tech = await login(h.url, 'tech@vigie.test');
    const t = (await tech.get(`/api/v1/tickets/${id}`)).body;
    expect(t).toMatchObject({ clientId: h.acme.clientId, channel: 'email', title: 'NAS inaccessible <b>urgent</b>' });
    expect(t.description).not.toContain('<script>');
    const reply = await send('dsi@acme.test', `Re: [#${id}] NAS inaccessible`);
    expect(reply.response).toContain(`Ajouté au ticket #${id}`);
    expect((await tech.get(`/api/v1/tickets/${id}`)).body.timeline.at(-1)).toMatchObject({ type: 'comment', text: 'Bonjour, le NAS ne répond plus.' });
  });

  it('refuses unknown senders, other recipients, another client’s ticket number and oversized mails', async () => {
    await expect(send('pirate@evil.test', 'hello')).rejects.toMatchObject({ responseCode: 550 });
    await expect(
      createTransport({ host: '127.0.0.1', port: h.collector.mailPort!, ignoreTLS: true }).sendMail({
        from: 'dsi@acme.test',
        to: 'ceo@infogerance.test',
        subject: 'x',
        text: 'x',
      }),
    ).rejects.toMatchObject({ responseCode: 550 });
    const tech = await login(h.url, 'tech@vigie.test');
    const globexTicket = (await tech.post('/api/v1/tickets', { clientId: h.globex.clientId, title: 'Globex secret', description: 'x', channel: 'email' })).body
      .id;
    await expect(send('dsi@acme.test', `[#${globexTicket}] je veux voir`)).rejects.toMatchObject({ responseCode: 550 });
    expect((await tech.get(`/api/v1/tickets/${globexTicket}`)).body.timeline).toHaveLength(1);
    await expect(send('dsi@acme.test', 'gros fichier', { attachments: [{ filename: 'dump.bin', content: Buffer.alloc(300_000, 1) }] })).rejects.toMatchObject({
      responseCode: 552,
    });
  });
});

describe('notifications', () => {
  it('mails the client’s users about ticket changes and calls the webhook with a signature', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const id = (await tech.post('/api/v1/tickets', { clientId: h.acme.clientId, title: 'Serveur lent', description: 'x', channel: 'email' })).body.id;
    expect((await tech.post(`/api/v1/tickets/${id}/events`, { type: 'status', status: 'in_progress' })).status).toBe(201);
    await h.collector.notifier.flush();
    const mails = relayed.filter((m) => m.subject.includes(`[#${id}]`));
    expect(h.collector.notifier.stats.failures).toBe(0);
    expect(mails.map((m) => m.subject)).toEqual([`[#${id}] Nouveau ticket — Serveur lent`, `[#${id}] Changement de statut — Serveur lent`]);
    expect(mails[0]!.to).toEqual(['dsi@acme.test']);
    // Issue 18: statuses by their French name, with French typography, never an identifier like "new".
    expect(mails[0]!.text).toContain(`Nouveau ticket sur le ticket #${id} «\u00a0Serveur lent\u00a0».`);
    expect(mails[0]!.text).toContain('Statut\u00a0: Nouveau');
    expect(mails[1]!.text).toContain('Statut\u00a0: En cours');
    expect(mails.map((m) => m.text).join('\n')).not.toMatch(/\b(new|in_progress)\b/);
    expect(mails.every((m) => !m.to.includes('it@globex.test'))).toBe(true);
    const ours = hooks.filter((x) => x.body.ticket.id === id);
    expect(ours.map((x) => x.body.event)).toEqual(['ticket.created', 'ticket.status']);
    const { createHmac } = await import('node:crypto');
    expect(ours[0]!.signature).toBe(`sha256=${createHmac('sha256', 's3cret').update(JSON.stringify(ours[0]!.body)).digest('hex')}`);
  });
});

describe('live channel', () => {
  const connect = (cookie: string, origin?: string) =>
    new Promise<{ ws: WebSocket; messages: any[] }>((resolve, reject) => {
      const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/live`, { headers: { cookie, ...(origin ? { origin } : {}) } });
      const messages: any[] = [];
      ws.on('message', (d) => messages.push(JSON.parse(String(d))));
      ws.once('open', () => resolve({ ws, messages }));
      ws.once('unexpected-response', (_q, res) => reject(Object.assign(new Error(String(res.statusCode)), { status: res.statusCode })));
      ws.once('error', reject);
    });
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  };

  it('pushes ticket changes to staff and to the ticket’s own client only; checks the session and the Origin', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const acme = await login(h.url, 'dsi@acme.test');
    const globex = await login(h.url, 'it@globex.test');
    await expect(connect('vigie_session=forged')).rejects.toMatchObject({ status: 401 });
    await expect(connect(tech.cookie, 'http://evil.example')).rejects.toMatchObject({ status: 403 });
    const [t, a, g] = await Promise.all([connect(tech.cookie, h.url), connect(acme.cookie, h.url), connect(globex.cookie)]);
    const created = await acme.post('/api/v1/tickets', { title: 'Portail : imprimante', description: 'x' });
    const id = created.body.id;
    await until(() => t.messages.some((m) => m.type === 'ticket') && a.messages.some((m) => m.type === 'ticket'));
    expect(t.messages.find((m) => m.type === 'ticket').data.ticket.id).toBe(id);
    expect(a.messages.find((m) => m.type === 'ticket').data.change).toBe('created');
    const quiet = () => new Promise((r) => setTimeout(r, 200));
    await quiet();
    expect(g.messages.filter((m) => m.type === 'ticket')).toEqual([]);
    // The same wait sees Globex's own ticket arrive: the silence above was not a slow socket.
    const own = await globex.post('/api/v1/tickets', { title: 'Portail : messagerie', description: 'x' });
    await quiet();
    expect(g.messages.filter((m) => m.type === 'ticket').map((m) => m.data.ticket.id)).toEqual([own.body.id]);
    for (const c of [t, a, g]) c.ws.close();
  });

  it('pushes a device’s connection and health changes to staff and to its own client only', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const acme = await login(h.url, 'dsi@acme.test');
    const globex = await login(h.url, 'it@globex.test');
    const [t, a, g] = await Promise.all([connect(tech.cookie), connect(acme.cookie), connect(globex.cookie)]);
    const cred = await enrollAgent(h, h.acme.siteId, 'acme-live-health');
    const agent = await TestAgent.connect(h.wsUrl, cred);
    await agent.hello();
    const check = (status: string) => ({
      check: 'backup',
      target: 'restic NAS',
      status,
      code: status === 'ok' ? 'BACKUP_OK' : 'BACKUP_TOO_OLD',
      message: 'x',
      observedAt: Date.now(),
    });
    await agent.waitAck(agent.send('checks', { results: [check('ok')] }));
    await agent.waitAck(agent.send('checks', { results: [check('ok')] }));
    await agent.waitAck(agent.send('checks', { results: [check('critical')] }));
    agent.close();
    const of = (c: { messages: any[] }) => c.messages.filter((m) => m.type === 'device' && m.data.deviceId === cred.deviceId).map((m) => m.data.change);
    await until(() => of(t).includes('disconnected') && of(a).includes('disconnected'));
    // Connected, the first state, the same state again (nothing), critical, disconnected.
    expect(of(t)).toEqual(['connected', 'health', 'health', 'disconnected']);
    expect(of(a)).toEqual(['connected', 'health', 'health', 'disconnected']);
    expect(of(g)).toEqual([]);
    // Globex's socket does hear its own devices: the silence above is the wall, not a deaf socket.
    const globexCred = await enrollAgent(h, h.globex.siteId, 'globex-live-health');
    const globexAgent = await TestAgent.connect(h.wsUrl, globexCred);
    await globexAgent.hello();
    const ofGlobex = (c: { messages: any[] }) =>
      c.messages.filter((m) => m.type === 'device' && m.data.deviceId === globexCred.deviceId).map((m) => m.data.change);
    await until(() => ofGlobex(t).includes('connected') && ofGlobex(g).includes('connected'));
    expect(ofGlobex(g)).toEqual(['connected']);
    expect(ofGlobex(a)).toEqual([]);
    globexAgent.close();
    for (const c of [t, a, g]) c.ws.close();
  });
});
