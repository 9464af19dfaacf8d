import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../store/database.js';

/** The cookie a browser gets when an account signs in on it; sent to the login route only. */
export const DEVICE_COOKIE = 'vigie_device';
export const DEVICE_COOKIE_PATH = '/api/v1/auth/login';
export const DEVICE_TRUST_MS = 180 * 86_400_000;
/** Browsers remembered per account; the oldest go first. */
const MAX_PER_USER = 20;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Browsers where an account signed in before (OWASP "device cookies"): a login from one of them is
 * limited by its own failures only, so a spray of failures from a shared address (an office NAT, a
 * proxy) does not lock out the users who sign in from there every day. The cookie holds a random
 * token; the store keeps its hash, bound to one account.
 */
export class TrustedDevices {
  constructor(private readonly db: Database) {}

  /** The token's hash when `token` is a live trusted device of the account `email`. */
  find(token: string | undefined, email: string, now = Date.now()): Promise<string | undefined> {
    if (!token || token.length > 128) return Promise.resolve(undefined);
    const hash = sha256(token);
    return this.db.writeLock(() => {
      const row = this.db.sqlite
        .prepare('SELECT 1 FROM login_devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = ? AND u.email = ? AND d.expires_at > ?')
        .get(hash, email.toLowerCase(), now);
      return row ? hash : undefined;
    });
  }

  /** A new trusted device for the user; returns the cookie's value. */
  issue(userId: number, now = Date.now()): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    return this.db.writeTransaction(() => {
      const sql = this.db.sqlite;
      sql.prepare('DELETE FROM login_devices WHERE expires_at <= ?').run(now);
      sql
        .prepare('INSERT INTO login_devices (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
        .run(sha256(token), userId, now, now + DEVICE_TRUST_MS);
      sql
        .prepare(
          'DELETE FROM login_devices WHERE user_id = ? AND token_hash NOT IN (SELECT token_hash FROM login_devices WHERE user_id = ? ORDER BY created_at DESC LIMIT ?)',
        )
        .run(userId, userId, MAX_PER_USER);
      return token;
    });
  }
}
