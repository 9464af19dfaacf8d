import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffSession, world } from './support/context.js';
import { call, ok } from './support/http.js';
import { Tally } from './support/tally.js';
import { freshCode } from './support/totp.js';

// Logins behind a reverse proxy (the collector runs with --trust-proxy 127.0.0.1 and two worker
// processes): a real proxy on 127.0.0.1 passes each client's address in X-Forwarded-For, clients
// come from distinct loopback addresses. A spray from one address must not lock out the users of
// that address who signed in there before, nor anyone elsewhere; guessing one account is limited
// across both processes; a client forging X-Forwarded-For gains nothing.
const w = world();
const tally = new Tally('login limits');
let proxy: Server;
let proxyUrl: string;

beforeAll(async () => {
  const target = new URL(w.url);
  proxy = createServer((req, res) => {
    // As nginx's $proxy_add_x_forwarded_for: what the client said, then the address it came from.
    const forwarded = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': forwarded, 'x-forwarded-proto': 'http' },
        localAddress: '127.0.0.1',
        agent: false,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  tally.flush();
  await new Promise((r) => proxy.close(r));
});

async function login(email: string, password: string, o: { from: string; device?: string; via?: string; forged?: string; totp?: string }) {
  const headers: Record<string, string> = {};
  if (o.device) headers.cookie = o.device;
  if (o.forged) headers['x-forwarded-for'] = o.forged;
  const res = await call(o.via ?? proxyUrl, 'POST', '/api/v1/auth/login', {
    from: o.from,
    headers,
    body: { email, password, ...(o.totp ? { totp: o.totp } : {}) },
  });
  const device = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('vigie_device='));
  return { status: res.status, device: device?.split(';')[0] };
}

describe('login limits behind a proxy, across two collector processes', () => {
  it('a spray of 110 failures from an office address locks out strangers there, not its users nor other addresses', async () => {
    const office = '127.0.0.10';
    // The admin signs in with its app's code (admins must have a second factor).
    const before = await login(w.emails.admin, w.password, { from: office, totp: await freshCode(w.totp.admin.secret) });
    expect(before.status).toBe(200);
    // Four at a time, as a script would: both collector processes take their share.
    for (let i = 0; i < 110; i += 4) {
      const batch = await Promise.all([0, 1, 2, 3].filter((k) => i + k < 110).map((k) => login(`inconnu-${i + k}@spray.test`, 'devine', { from: office })));
      for (const r of batch) tally.add(r.status === 401 || r.status === 429, `spray attempt → ${r.status}`);
    }
    tally.add((await login(w.emails.tech, w.password, { from: office })).status === 429, 'a new browser at the spraying address got in');
    expect((await login(w.emails.admin, w.password, { from: office, device: before.device, totp: await freshCode(w.totp.admin.secret) })).status).toBe(200);
    expect((await login(w.emails.tech, w.password, { from: '127.0.0.11' })).status).toBe(200);
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('guessing one account’s password stops after 10 failures, whichever process and address the guesses reach', async () => {
    // An account of its own: the other files sign in with the seeded ones.
    const admin = staffSession('admin');
    const victim = 'victime@acme.test';
    ok(await admin.post('/api/v1/users', { email: victim, name: 'Victime', role: 'client', clientId: w.acme.client, password: w.password }), 'victim');
    for (let i = 0; i < 10; i++) await login(victim, 'devine', { from: `127.0.1.${i + 1}` });
    for (let i = 0; i < 6; i++) {
      const r = await login(victim, i === 5 ? w.password : 'devine', { from: `127.0.2.${i + 1}` });
      tally.add(r.status === 429, `guess ${11 + i} on one account → ${r.status}`);
    }
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('X-Forwarded-For from a client that is not the proxy is not believed', async () => {
    // Straight to the collector from 127.0.0.12, claiming another address: the failure counts for 127.0.0.12.
    await login('forge@spray.test', 'devine', { from: '127.0.0.12', via: w.url, forged: '198.51.100.7' });
    await login('forge@spray.test', 'devine', { from: '127.0.0.13', forged: '198.51.100.8' });
    const db = new Database(join(w.dataDir, 'vigie.db'), { readonly: true });
    const keys = (db.prepare("SELECT DISTINCT key FROM login_failures WHERE key LIKE 'address:%'").all() as { key: string }[]).map((k) => k.key);
    db.close();
    tally.add(keys.includes('address:127.0.0.12') && !keys.includes('address:198.51.100.7'), `a forged X-Forwarded-For was believed: ${keys.join(', ')}`);
    // Through the proxy, the proxy's header (the client's real address) wins over the client's own.
    tally.add(
      keys.includes('address:127.0.0.13') && !keys.includes('address:198.51.100.8'),
      `a client's X-Forwarded-For passed through the proxy: ${keys.join(', ')}`,
    );
    expect(tally.takeLetThrough()).toEqual([]);
  });
});
