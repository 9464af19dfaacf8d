import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { freshTotpCode } from '@vigie/collector';
import { canonicalJson } from '@vigie/shared';
import Database from 'better-sqlite3';
import { httpJson } from './processes.js';

/** A signed-in staff member (cookie + CSRF) who enrolled TOTP the way the dashboard does. */
export interface Staff {
  get(path: string): Promise<{ status: number; body: any }>;
  post(path: string, body?: unknown): Promise<{ status: number; body: any }>;
  put(path: string, body: unknown): Promise<{ status: number; body: any }>;
  stepUp(): Promise<void>;
  secret: string;
}

async function session(base: string, email: string, password: string, totp?: string) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, ...(totp ? { totp } : {}) }),
  });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const call = (method: string, path: string, body?: unknown) =>
    httpJson(`${base}${path}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrfToken, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return { get: (p: string) => call('GET', p), post: (p: string, b: unknown = {}) => call('POST', p, b), put: (p: string, b: unknown) => call('PUT', p, b) };
}

/** First sign-in of an admin created by the CLI: TOTP enrolment (QR, first code, recovery codes). */
export async function enrolStaff(base: string, email: string, password: string): Promise<Staff> {
  const s = await session(base, email, password);
  const setup = await s.post('/api/v1/auth/totp/setup');
  if (setup.status !== 200) throw new Error(`totp setup: ${JSON.stringify(setup.body)}`);
  const secret = setup.body.secret as string;
  const confirm = await s.post('/api/v1/auth/totp/confirm', { code: await freshTotpCode(secret) });
  if (confirm.status !== 200) throw new Error(`totp confirm: ${JSON.stringify(confirm.body)}`);
  return withStepUp(s, secret);
}

export async function signInStaff(base: string, email: string, password: string, secret: string): Promise<Staff> {
  return withStepUp(await session(base, email, password, await freshTotpCode(secret)), secret);
}

function withStepUp(s: Awaited<ReturnType<typeof session>>, secret: string): Staff {
  let until = 0;
  return {
    ...s,
    secret,
    /** A step-up lasts 5 minutes for the session: asked again only when less than a minute is left. */
    async stepUp() {
      if (Date.now() < until - 60_000) return;
      const r = await s.post('/api/v1/auth/step-up', { code: await freshTotpCode(secret) });
      if (r.status !== 200) throw new Error(`step-up: ${JSON.stringify(r.body)}`);
      until = r.body.stepUpUntil;
    },
  };
}

/**
 * What an attacker holding the collector's database file (but not its key file) can do: edit rows,
 * copy envelopes, insert commands. The test uses it to make the real collector deliver envelopes
 * that only the agent's own checks can refuse.
 */
export class StolenDatabase {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('busy_timeout = 5000');
  }

  command(id: string): Record<string, any> {
    return this.db.prepare('SELECT * FROM commands WHERE id = ?').get(id) as Record<string, any>;
  }

  /** A copy of a command row under a new id (and, optionally, for another device's agent), queued. */
  copyCommand(fromId: string, over: Record<string, unknown> = {}): string {
    const row: Record<string, unknown> = {
      ...this.command(fromId),
      id: `cmd_forged${randomBytes(8).toString('hex')}`,
      state: 'queued',
      sent_at: null,
      acked_at: null,
      finished_at: null,
      created_at: Date.now(),
      ...over,
    };
    const cols = Object.keys(row);
    this.db.prepare(`INSERT INTO commands (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c]));
    return row.id as string;
  }

  /** Changes one byte of an approved script version (the immutability trigger dropped first). */
  tamperScript(versionId: number): void {
    this.db.exec('DROP TRIGGER IF EXISTS script_versions_frozen');
    const { content } = this.db.prepare('SELECT content FROM script_versions WHERE id = ?').get(versionId) as { content: string };
    this.db.prepare('UPDATE script_versions SET content = ? WHERE id = ?').run(content.replace('fin', 'fim'), versionId);
  }

  restoreScript(versionId: number, content: string): void {
    this.db.prepare('UPDATE script_versions SET content = ? WHERE id = ?').run(content, versionId);
  }

  update(sql: string, ...args: unknown[]): void {
    this.db.prepare(sql).run(...args);
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  close(): void {
    this.db.close();
  }
}

/** An Ed25519 key that is not the provider's, signing an envelope exactly as the collector would. */
export function forgeEnvelope(env: Record<string, unknown>): { envelope: string; signature: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const bytes = Buffer.from(canonicalJson(env), 'utf8');
  return { envelope: bytes.toString('base64url'), signature: sign(null, bytes, privateKey).toString('base64url') };
}
