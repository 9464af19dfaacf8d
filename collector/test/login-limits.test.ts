import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector } from '../src/app.js';
import { LoginLimiter } from '../src/auth/login-limiter.js';
import { defaultConfig } from '../src/config.js';
import { DEFAULT_REPORT_SETTINGS } from '../src/reports/settings.js';
import { Database } from '../src/store/database.js';
import { type Harness, PASSWORD, startHarness } from './harness.js';

// Issue 13, point 3: 110 failed logins for made-up accounts from one address locked the admin out
// of that address for 15 minutes (behind a proxy or an office NAT, everyone). Limits are now per
// account and per address, separately; a browser where the account signed in before is limited by
// its own failures only; X-Forwarded-For counts only from --trust-proxy; the counts live in the
// store, shared by every collector process.

interface Attempt {
  status: number;
  code?: string;
  deviceCookie?: string;
}
async function attempt(url: string, email: string, password: string, opts: { from?: string; device?: string } = {}): Promise<Attempt> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.from) headers['x-forwarded-for'] = opts.from;
  if (opts.device) headers.cookie = opts.device;
  const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers, body: JSON.stringify({ email, password }) });
  const body = (await res.json()) as { error?: { code: string } };
  const device = res.headers.getSetCookie().find((c) => c.startsWith('vigie_device='));
  return { status: res.status, code: body.error?.code, ...(device ? { deviceCookie: device.split(';')[0] } : {}) };
}

describe('behind a trusted proxy', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rulesIntervalMs: 0, invoicing: false, trustProxy: ['127.0.0.1'] });
  });
  afterAll(async () => h.close());

  it('a spray of 110 failures from one address blocks that address for strangers, not the admin’s browser nor other addresses', async () => {
    const office = '203.0.113.7';
    const before = await attempt(h.url, 'admin@vigie.test', PASSWORD, { from: office });
    expect(before.status).toBe(200);
    expect(before.deviceCookie).toMatch(/^vigie_device=/);
    for (let i = 0; i < 110; i++) await attempt(h.url, `nobody-${i}@spray.test`, 'guess', { from: office });
    // The same admin, same address, same browser: in.
    expect((await attempt(h.url, 'admin@vigie.test', PASSWORD, { from: office, device: before.deviceCookie })).status).toBe(200);
    // A browser never seen from that address: refused, the address is spraying.
    expect(await attempt(h.url, 'tech@vigie.test', PASSWORD, { from: office })).toMatchObject({ status: 429, code: 'VIGIE_E_LOGIN_RATE_LIMITED' });
    // Another address is not concerned.
    expect((await attempt(h.url, 'tech@vigie.test', PASSWORD, { from: '198.51.100.20' })).status).toBe(200);
  });

  it('guessing one account’s password is limited per account, from any address; its usual browser still signs in', async () => {
    const usual = await attempt(h.url, 'dsi@acme.test', PASSWORD, { from: '192.0.2.1' });
    for (let i = 0; i < 10; i++) expect((await attempt(h.url, 'dsi@acme.test', 'guess', { from: `198.18.0.${i + 1}` })).status).toBe(401);
    expect(await attempt(h.url, 'dsi@acme.test', PASSWORD, { from: '198.18.1.1' })).toMatchObject({ status: 429, code: 'VIGIE_E_LOGIN_RATE_LIMITED' });
    expect((await attempt(h.url, 'dsi@acme.test', PASSWORD, { from: '198.18.1.1', device: usual.deviceCookie })).status).toBe(200);
    // A stolen device cookie gives its own 10 guesses, no more.
    for (let i = 0; i < 10; i++) await attempt(h.url, 'dsi@acme.test', 'guess', { device: usual.deviceCookie });
    expect((await attempt(h.url, 'dsi@acme.test', PASSWORD, { device: usual.deviceCookie })).status).toBe(429);
    // Another account's device cookie is no trusted device for this one.
    const tech = await attempt(h.url, 'it@globex.test', PASSWORD, { from: '192.0.2.9' });
    expect((await attempt(h.url, 'dsi@acme.test', PASSWORD, { device: tech.deviceCookie })).status).toBe(429);
  });
});

describe('without a trusted proxy', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rulesIntervalMs: 0, invoicing: false });
  });
  afterAll(async () => h.close());

  it('X-Forwarded-For is ignored: a forged header does not change the address that is counted and audited', async () => {
    expect((await attempt(h.url, 'tech@vigie.test', PASSWORD, { from: '10.10.10.10' })).status).toBe(200);
    const row = h.collector.db.sqlite.prepare("SELECT details FROM audit_log WHERE action = 'auth.login' ORDER BY id DESC LIMIT 1").get() as {
      details: string;
    };
    expect(JSON.parse(row.details)).toEqual({ ip: '127.0.0.1' });
    await attempt(h.url, 'nobody@spray.test', 'guess', { from: '10.10.10.11' });
    const keys = h.collector.db.sqlite.prepare('SELECT DISTINCT key FROM login_failures ORDER BY key').all() as { key: string }[];
    expect(keys.map((k) => k.key)).toEqual(['account:nobody@spray.test', 'address:127.0.0.1']);
  });
});

describe('several collector processes on one store', () => {
  let dir: string;
  const collectors: Awaited<ReturnType<typeof createCollector>>[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigie-limits-'));
    const config = defaultConfig({
      dataDir: dir,
      port: 0,
      logLevel: 'silent',
      rulesIntervalMs: 0,
      invoicing: false,
      reports: { ...DEFAULT_REPORT_SETTINGS, schedule: null },
    });
    for (let i = 0; i < 2; i++) collectors.push(await createCollector(config));
  });
  afterAll(async () => {
    for (const c of collectors) await c.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('count the same failures: two processes do not give twice the attempts', async () => {
    const urls = await Promise.all(collectors.map((c) => c.listen()));
    for (let i = 0; i < 10; i++) expect((await attempt(urls[i % 2]!, 'victim@acme.test', 'guess')).status).toBe(401);
    expect((await attempt(urls[0]!, 'victim@acme.test', 'guess')).status).toBe(429);
    expect((await attempt(urls[1]!, 'victim@acme.test', 'guess')).status).toBe(429);
  });
});

describe('the failure table', () => {
  it('forgets failures older than the window, and past its size drops the oldest rather than everything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-limiter-'));
    const db = new Database({ path: join(dir, 'l.db') });
    await db.migrate();
    const limiter = new LoginLimiter(db, { windowMs: 60_000, maxRows: 100 });
    const victim = [{ key: 'account:victim', max: 3 }];
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) await limiter.fail(victim, t0 + i);
    expect(await limiter.blocked(victim, t0 + 10)).toBe(true);
    // A spray of 500 other keys: the table stays bounded, the newest failures stay.
    for (let i = 0; i < 500; i++) await limiter.fail([{ key: `address:${i}`, max: 100 }], t0 + 100 + i);
    const { n } = db.sqlite.prepare('SELECT count(*) AS n FROM login_failures').get() as { n: number };
    expect(n).toBe(100);
    expect(await limiter.blocked([{ key: 'address:499', max: 1 }], t0 + 700)).toBe(true);
    expect(await limiter.blocked(victim, t0 + 700)).toBe(false);
    // Out of the window, failures no longer count.
    expect(await limiter.blocked([{ key: 'address:499', max: 1 }], t0 + 60_700)).toBe(false);
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
