import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, type HelloBody } from '@vigie/shared';
import WebSocket from 'ws';
import { type Collector, createCollector } from '../src/app.js';
import { hashPassword } from '../src/auth/passwords.js';
import { enrolTotp, freshTotpCode } from '../src/auth/totp/test-codes.js';
import { type CollectorConfig, defaultConfig } from '../src/config.js';
import { DEFAULT_REPORT_SETTINGS } from '../src/reports/settings.js';
import { testDatabase } from './test-database.js';

export const PASSWORD = 'correct horse battery staple';
/** TOTP seeds of the users enrolled by the harness, by e-mail. */
export const TOTP_SECRETS = new Map<string, string>();
/** Sessions of TOTP users, one per collector and user: each new sign-in would wait for a fresh code. */
const totpSessions = new Map<string, Session>();

export interface Harness {
  collector: Collector;
  url: string;
  wsUrl: string;
  dir: string;
  /** Where its relational store is: nothing (the SQLite file in `dir`) or `databaseUrl` (PostgreSQL), for another collector or CLI on the same store. */
  database: { databaseUrl?: string };
  acme: { clientId: number; siteId: number };
  globex: { clientId: number; siteId: number };
  close(): Promise<void>;
}

/**
 * A real collector on loopback with a temporary SQLite file (or PostgreSQL database: test-database.ts), two clients and one user per role.
 * `serving`: as `vigie-collector serve` runs it (store marker, disk reserve). `beforeListen` may add
 * Fastify hooks (which must be added before the server listens).
 */
export async function startHarness(
  overrides: Partial<CollectorConfig> = {},
  opts: { serving?: boolean; beforeListen?: (c: Collector) => void } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-collector-'));
  // VIGIE_TEST_DATABASE=postgres: a fresh PostgreSQL database instead of the SQLite file.
  const database = await testDatabase();
  const collector = await createCollector(
    defaultConfig({
      ...database,
      dataDir: dir,
      port: 0,
      logLevel: 'silent',
      synchronous: 'normal',
      // No monthly report run in the background of unrelated tests (the reports tests set their own).
      reports: { ...DEFAULT_REPORT_SETTINGS, schedule: null },
      ...overrides,
    }),
    { serving: opts.serving ?? false },
  );
  opts.beforeListen?.(collector);
  const url = await collector.listen();
  const { tenants, auth } = collector;
  const acmeId = await tenants.createClient('Acme SARL');
  const globexId = await tenants.createClient('Globex SAS');
  const acme = { clientId: acmeId, siteId: await tenants.createSite(acmeId, 'Siège Lyon') };
  const globex = { clientId: globexId, siteId: await tenants.createSite(globexId, 'Paris') };
  const hash = await hashPassword(PASSWORD);
  const adminId = await auth.createUser({ email: 'admin@vigie.test', name: 'Admin', role: 'admin', clientId: null, passwordHash: hash });
  // An admin must have a second factor (issue 16): enrolled as the dashboard would.
  TOTP_SECRETS.set('admin@vigie.test', (await enrolTotp(collector, { id: adminId, email: 'admin@vigie.test' })).secret);
  await auth.createUser({ email: 'tech@vigie.test', name: 'Technicienne', role: 'technician', clientId: null, passwordHash: hash });
  await auth.createUser({ email: 'dsi@acme.test', name: 'DSI Acme', role: 'client', clientId: acmeId, passwordHash: hash });
  await auth.createUser({ email: 'it@globex.test', name: 'IT Globex', role: 'client', clientId: globexId, passwordHash: hash });
  return {
    collector,
    url,
    wsUrl: `${url.replace('http', 'ws')}/api/v1/agent`,
    dir,
    database: database.databaseUrl ? { databaseUrl: database.databaseUrl } : {},
    acme,
    globex,
    async close() {
      await collector.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Session {
  cookie: string;
  csrf: string;
  get(path: string): Promise<{ status: number; body: any }>;
  post(path: string, body?: unknown, opts?: { csrf?: string | null }): Promise<{ status: number; body: any }>;
  put(path: string, body: unknown): Promise<{ status: number; body: any }>;
}

export async function login(url: string, email: string, password = PASSWORD, opts: { fresh?: boolean } = {}): Promise<Session> {
  const secret = TOTP_SECRETS.get(email);
  const cached = secret && !opts.fresh ? totpSessions.get(`${url} ${email}`) : undefined;
  if (cached && (await cached.get('/api/v1/auth/me')).status === 200) return cached;
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, ...(secret ? { totp: await freshTotpCode(secret) } : {}) }),
  });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const call = async (method: string, path: string, body?: unknown, csrf: string | null = csrfToken) => {
    const headers: Record<string, string> = { cookie };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (csrf) headers['x-csrf-token'] = csrf;
    const r = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  const session: Session = {
    cookie,
    csrf: csrfToken,
    get: (p) => call('GET', p),
    post: (p, b, o) => call('POST', p, b ?? {}, o?.csrf === undefined ? csrfToken : o.csrf),
    put: (p, b) => call('PUT', p, b),
  };
  if (secret) totpSessions.set(`${url} ${email}`, session);
  return session;
}

/**
 * First sign-in of a staff member created by the CLI in a collector process: TOTP enrolment over
 * HTTP as the dashboard does it (set-up, a first code). The session is kept for later `login`s,
 * which give fresh codes from then on.
 */
export async function enrolTotpOverHttp(url: string, email: string, password = PASSWORD): Promise<Session> {
  TOTP_SECRETS.delete(email);
  const s = await login(url, email, password);
  const setup = await s.post('/api/v1/auth/totp/setup');
  if (setup.status !== 200) throw new Error(`TOTP set-up of ${email}: ${setup.status} ${JSON.stringify(setup.body)}`);
  const secret = setup.body.secret as string;
  const confirm = await s.post('/api/v1/auth/totp/confirm', { code: await freshTotpCode(secret) });
  if (confirm.status !== 200) throw new Error(`TOTP confirmation of ${email}: ${confirm.status} ${JSON.stringify(confirm.body)}`);
  TOTP_SECRETS.set(email, secret);
  totpSessions.set(`${url} ${email}`, s);
  return s;
}

export async function enrollAgent(h: Harness, siteId: number, hostname = 'pc-test'): Promise<{ agentId: string; secret: string; deviceId: number }> {
  const t = await h.collector.enrollment.createToken(siteId);
  const res = await fetch(`${h.url}/api/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: t.token, hostname, platform: 'linux', arch: 'x64', agentVersion: '0.1.0-test' }),
  });
  if (res.status !== 201) throw new Error(`enroll: ${res.status} ${await res.text()}`);
  return (await res.json()) as { agentId: string; secret: string; deviceId: number };
}

/** A minimal protocol-v1 peer over a real WebSocket, for channel tests. */
export class TestAgent {
  readonly received: any[] = [];
  private waiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  closeCode: number | undefined;
  closed: Promise<number>;
  seq = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      this.received.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
    this.closed = new Promise((r) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        r(code);
      }),
    );
  }

  static connect(wsUrl: string, cred: { agentId: string; secret: string }): Promise<TestAgent> {
    const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${cred.agentId}.${cred.secret}` } });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestAgent(ws)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, code: res.headers['x-vigie-error'], body })));
      });
      ws.once('error', reject);
    });
  }

  next(pred: (m: any) => boolean, timeoutMs = 5000): Promise<any> {
    const found = this.received.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for a message')), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(t);
          resolve(m);
        },
      });
    });
  }

  waitAck(seq: number): Promise<any> {
    return this.next((m) => m.type === 'ack' && m.body.seq >= seq);
  }

  sendRaw(raw: string | Buffer): void {
    this.ws.send(raw);
  }

  send(type: string, body: unknown, seq?: number): number {
    const s = seq ?? ++this.seq;
    this.ws.send(encodeMessage({ type, seq: s, body }));
    return s;
  }

  async hello(extra: Partial<HelloBody> = {}): Promise<void> {
    this.send(
      'hello',
      {
        agentVersion: '0.1.0-test',
        protocol: 1,
        hostname: 'pc-test',
        platform: 'linux',
        arch: 'x64',
        nextSeq: 1,
        spool: { pendingFrames: 0, pendingBytes: 0, droppedFrames: 0, ackedSeq: 0 },
        ...extra,
      },
      0,
    );
    await this.next((m) => m.type === 'policy');
  }

  close(): void {
    this.ws.close();
  }
}
