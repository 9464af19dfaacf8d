import { join } from 'node:path';
import { waitFor } from '@vigie/testkit';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { staffSession, world } from './support/context.js';
import { type Session, signIn } from './support/http.js';
import { Tally } from './support/tally.js';

// The dashboard's live socket: no cross-site WebSocket (the Origin is checked), no socket without
// a session, and no socket that outlives its session — logout, expiry, a new password or role —
// on whichever of the two collector processes holds it.
const w = world();
const tally = new Tally('live socket');
afterAll(() => tally.flush());
const wsUrl = `${w.url.replace('http', 'ws')}/api/v1/live`;

interface Live {
  ws: WebSocket;
  events: any[];
  closed: Promise<{ code: number; reason: string }>;
}
/** Opens the socket; resolves with it once the collector said hello, or with the HTTP status that refused it. */
function open(headers: Record<string, string>): Promise<Live | number> {
  const ws = new WebSocket(wsUrl, { headers });
  const events: any[] = [];
  ws.on('message', (d) => events.push(JSON.parse(String(d))));
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
  return new Promise((resolve) => {
    ws.once('message', () => resolve({ ws, events, closed }));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}
const openOk = async (headers: Record<string, string>) => {
  const l = await open(headers);
  if (typeof l === 'number') throw new Error(`live socket refused: ${l}`);
  return l;
};

describe('cross-site WebSocket hijacking', () => {
  let s: Session;
  beforeAll(async () => {
    s = await signIn(w.url, w.emails.tech, w.password);
  });

  it('refuses a socket opened from another origin, with the victim’s cookie', async () => {
    const host = new URL(w.url).host;
    const origins = [
      'https://evil.example',
      'null',
      `http://${host}.evil.example`,
      `http://evil.example/${host}`,
      `http://evil.example?${host}`,
      `http://${host.split(':')[0]}:1`,
      `http://localhost.evil.example:${host.split(':')[1]}`,
      `http://user@evil.example`,
      'file://',
      'chrome-extension://abcdef',
    ];
    for (const origin of origins) {
      const r = await open({ cookie: s.cookie, origin });
      tally.add(r === 403, `live socket from ${origin} → ${typeof r === 'number' ? r : 101}`);
      if (typeof r !== 'number') r.ws.close();
    }
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('refuses a socket without a session, or with one that ended', async () => {
    const ended = await signIn(w.url, w.emails.tech, w.password);
    await ended.post('/api/v1/auth/logout');
    for (const [what, cookie] of [
      ['no cookie', ''],
      ['a forged cookie', 'vigie_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['a logged-out session', ended.cookie],
    ] as const) {
      const r = await open(cookie ? { cookie } : {});
      tally.add(r === 401, `live socket with ${what} → ${typeof r === 'number' ? r : 101}`);
    }
    expect(tally.takeLetThrough()).toEqual([]);
    // The control: its own origin, its own session.
    const mine = await openOk({ cookie: s.cookie, origin: w.url });
    mine.ws.close();
  });
});

describe('a live socket ends with its session, on every collector process', () => {
  /** Several sockets on new connections: the cluster's primary deals them to both workers. */
  const many = (cookie: string) => Promise.all(Array.from({ length: 6 }, () => openOk({ cookie, origin: w.url })));

  it('logout closes every socket of that session, and no event reaches them afterwards', async () => {
    const s = await signIn(w.url, w.emails.acme, w.password);
    const other = await signIn(w.url, w.emails.acme, w.password);
    const lives = await many(s.cookie);
    const survivor = await openOk({ cookie: other.cookie, origin: w.url });
    await s.post('/api/v1/auth/logout');
    const closes = await Promise.all(lives.map((l) => l.closed));
    for (const c of closes) tally.add(c.code === 1008, `socket after logout: ${c.code} ${c.reason}`);
    const heard = lives.map((l) => l.events.length);
    await other.post('/api/v1/tickets', { title: 'Après déconnexion', description: 'un évènement que les sockets fermées ne doivent pas recevoir' });
    await waitFor('the other session hears the ticket', async () => survivor.events.some((e) => e.type === 'ticket'));
    tally.add(
      lives.every((l, i) => l.events.length === heard[i]),
      'an event reached a socket after logout',
    );
    survivor.ws.close();
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('a new password closes every socket of the account', async () => {
    const s = await signIn(w.url, w.emails.globex, w.password);
    const lives = await many(s.cookie);
    expect((await s.post('/api/v1/auth/password', { currentPassword: w.password, newPassword: `${w.password}-2` })).status).toBe(200);
    for (const c of await Promise.all(lives.map((l) => l.closed)))
      tally.add(c.reason === 'session ended: password-changed', `socket after password change: ${c.reason}`);
    const again = await signIn(w.url, w.emails.globex, `${w.password}-2`);
    expect((await again.post('/api/v1/auth/password', { currentPassword: `${w.password}-2`, newPassword: w.password })).status).toBe(200);
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('a new role closes every socket of the user', async () => {
    const admin = staffSession('admin');
    const s = await signIn(w.url, w.emails.acme, w.password);
    const lives = await many(s.cookie);
    expect((await admin.put(`/api/v1/users/${w.acme.user}/role`, { role: 'client', clientId: w.acme.client })).status).toBe(200);
    for (const c of await Promise.all(lives.map((l) => l.closed)))
      tally.add(c.reason === 'session ended: role-changed', `socket after role change: ${c.reason}`);
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('expiry closes the sockets at the next check (the session expired in the store, as another process sees it)', async () => {
    const s = await signIn(w.url, w.emails.tech, w.password);
    const lives = await many(s.cookie);
    const db = new Database(join(w.dataDir, 'vigie.db'));
    try {
      db.pragma('busy_timeout = 5000');
      const csrfOf = db.prepare('UPDATE sessions SET expires_at = ? WHERE csrf_token = ?').run(Date.now() - 1, s.csrf);
      expect(csrfOf.changes).toBe(1);
    } finally {
      db.close();
    }
    for (const c of await Promise.all(lives.map((l) => l.closed))) tally.add(c.reason === 'session ended: expired', `socket after expiry: ${c.reason}`);
    expect(tally.takeLetThrough()).toEqual([]);
  }, 60_000);
});
