import { createHash, randomBytes } from 'node:crypto';
import type { RelationalStore } from '../store/relational-store.js';

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
  constructor(private readonly db: RelationalStore) {}

  /** The token's hash when `token` is a live trusted device of the account `email`. */
  async find(token: string | undefined, email: string, now = Date.now()): Promise<string | undefined> {
    if (!token || token.length > 128) return undefined;
    const hash = sha256(token);
    const row = await this.db.kysely
      .selectFrom('login_devices as d')
      .innerJoin('users as u', 'u.id', 'd.user_id')
      .select('d.token_hash')
      .where('d.token_hash', '=', hash)
      .where('u.email', '=', email.toLowerCase())
      .where('d.expires_at', '>', now)
      .executeTakeFirst();
    return row ? hash : undefined;
  }

  /** A new trusted device for the user; returns the cookie's value. */
  async issue(userId: number, now = Date.now()): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.db.kysely.transaction().execute(async (tx) => {
      await tx.deleteFrom('login_devices').where('expires_at', '<=', now).execute();
      await tx
        .insertInto('login_devices')
        .values({ token_hash: sha256(token), user_id: userId, created_at: now, expires_at: now + DEVICE_TRUST_MS })
        .execute();
      await tx
        .deleteFrom('login_devices')
        .where('user_id', '=', userId)
        .where(
          'token_hash',
          'not in',
          tx.selectFrom('login_devices').select('token_hash').where('user_id', '=', userId).orderBy('created_at', 'desc').limit(MAX_PER_USER),
        )
        .execute();
    });
    return token;
  }
}
