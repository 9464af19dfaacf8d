import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freshTotpCode } from '../src/auth/totp/test-codes.js';
import { type Harness, login, PASSWORD, startHarness, TOTP_SECRETS } from './harness.js';

/** The admin's sign-in: password and a fresh code of its authenticator (admins must have TOTP). */
const adminCredentials = async () => ({ email: 'admin@vigie.test', password: PASSWORD, totp: await freshTotpCode(TOTP_SECRETS.get('admin@vigie.test')!) });

// Issue 13, point 5: no way to run the collector safely over HTTPS — the session cookie was never
// Secure. Now: TLS served directly (--tls-cert/--tls-key), or behind a TLS proxy (--public-url
// https://…, --trust-proxy), with Secure cookies and HSTS either way.
let dir: string;
let ca: Buffer;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-https-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  ca = readFileSync(join(dir, 'cert.pem'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function httpsPost(url: string, path: string, body: unknown): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('TLS served by the collector', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rulesIntervalMs: 0, invoicing: false, tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } });
  });
  afterAll(async () => h.close());

  it('answers over HTTPS with Secure cookies and HSTS, and the live socket over WSS', async () => {
    expect(h.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await httpsPost(h.url, '/api/v1/auth/login', await adminCredentials());
    expect(res.status).toBe(200);
    const cookies = res.headers['set-cookie'] as string[];
    expect(cookies.length).toBeGreaterThan(0);
    expect(cookies.every((c) => /; Secure/i.test(c) && /HttpOnly/i.test(c))).toBe(true);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    const cookie = cookies[0]!.split(';')[0]!;
    const ws = new WebSocket(`${h.url.replace('https', 'wss')}/api/v1/live`, { ca, headers: { cookie } });
    const hello = await new Promise<any>((resolve, reject) => {
      ws.once('message', (d) => resolve(JSON.parse(String(d))));
      ws.once('error', reject);
    });
    expect(hello).toMatchObject({ type: 'hello', data: { user: 'admin@vigie.test' } });
    ws.close();
  });

  it('refuses a plain HTTP request on its port', async () => {
    await expect(fetch(h.url.replace('https', 'http'))).rejects.toThrow();
  });
});

describe('behind a TLS proxy (--public-url https://…, --trust-proxy)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      rulesIntervalMs: 0,
      invoicing: false,
      trustProxy: ['127.0.0.1'],
      notifications: { from: 'Vigie <noreply@vigie.test>', webhooks: [], publicUrl: 'https://vigie.prestataire.test' },
    });
  });
  afterAll(async () => h.close());

  it('marks cookies Secure, sends HSTS, and lets the live socket open from the public origin only', async () => {
    const res = await fetch(`${h.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify(await adminCredentials()),
    });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().length).toBeGreaterThan(0);
    expect(res.headers.getSetCookie().every((c) => /; Secure/i.test(c))).toBe(true);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
    const open = (origin: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/live`, { headers: { cookie, origin } });
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0));
      });
    expect(await open('https://vigie.prestataire.test')).toBe(101);
    expect(await open('https://evil.example')).toBe(403);
  });
});

describe('plain HTTP on loopback (development)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rulesIntervalMs: 0, invoicing: false });
  });
  afterAll(async () => h.close());

  it('sends no HSTS and no Secure flag (a browser would drop the cookie over http://)', async () => {
    const s = await login(h.url, 'admin@vigie.test');
    const res = await fetch(`${h.url}/api/v1/auth/me`, { headers: { cookie: s.cookie } });
    expect(res.headers.get('strict-transport-security')).toBeNull();
    const login2 = await fetch(`${h.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(await adminCredentials()),
    });
    // A sign-in that set its cookies (without them, "no Secure flag" would say nothing).
    expect(login2.status).toBe(200);
    expect(login2.headers.getSetCookie().length).toBeGreaterThan(0);
    expect(login2.headers.getSetCookie().some((c) => /; Secure/i.test(c))).toBe(false);
  });
});
