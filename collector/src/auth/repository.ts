import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../store/database.js';
import type { Role } from '../store/schema.js';

export interface SessionUser {
  id: number;
  email: string;
  name: string;
  role: Role;
  clientId: number | null;
  locale: string;
}

export const SESSION_IDLE_MS = 12 * 3600_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class AuthRepository {
  /** Recognises (and counts) a write the store refused (full, damaged): true when `err` is one. */
  onWriteRefused?: (err: unknown) => boolean;

  constructor(private readonly db: Database) {}

  async createUser(u: { email: string; name: string; role: Role; clientId: number | null; passwordHash: string; locale?: string }): Promise<number> {
    const row = await this.db.kysely
      .insertInto('users')
      .values({
        email: u.email.toLowerCase(),
        name: u.name,
        role: u.role,
        client_id: u.clientId,
        password_hash: u.passwordHash,
        locale: u.locale ?? 'fr',
        created_at: Date.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async findUserByEmail(email: string) {
    return this.db.kysely.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).where('disabled_at', 'is', null).executeTakeFirst();
  }

  async listUsers(clientId?: number) {
    let q = this.db.kysely.selectFrom('users').select(['id', 'email', 'name', 'role', 'client_id', 'locale', 'created_at', 'disabled_at']).orderBy('email');
    if (clientId !== undefined) q = q.where('client_id', '=', clientId);
    return q.execute();
  }

  async createSession(userId: number, now = Date.now()): Promise<{ token: string; csrfToken: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const expiresAt = now + SESSION_IDLE_MS;
    await this.db.kysely
      .insertInto('sessions')
      .values({ id_hash: sha256(token), user_id: userId, csrf_token: csrfToken, created_at: now, expires_at: expiresAt, last_seen_at: now })
      .execute();
    return { token, csrfToken, expiresAt };
  }

  /** The session's user, sliding its expiry; undefined when unknown or expired. */
  async resolveSession(token: string, now = Date.now()): Promise<{ user: SessionUser; csrfToken: string; idHash: string } | undefined> {
    const idHash = sha256(token);
    const row = await this.db.kysely
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['s.csrf_token', 's.expires_at', 's.last_seen_at', 'u.id', 'u.email', 'u.name', 'u.role', 'u.client_id', 'u.locale', 'u.disabled_at'])
      .where('s.id_hash', '=', idHash)
      .executeTakeFirst();
    if (!row || row.expires_at <= now || row.disabled_at !== null) return undefined;
    if (now - row.last_seen_at > 60_000) {
      // Sliding expiry: a store that refuses writes (disk full) must not lock users out of reading.
      await this.db.kysely
        .updateTable('sessions')
        .set({ last_seen_at: now, expires_at: now + SESSION_IDLE_MS })
        .where('id_hash', '=', idHash)
        .execute()
        .catch((err: unknown) => {
          if (!this.onWriteRefused?.(err)) throw err;
        });
    }
    return {
      idHash,
      csrfToken: row.csrf_token,
      user: { id: row.id, email: row.email, name: row.name, role: row.role, clientId: row.client_id, locale: row.locale },
    };
  }

  /**
   * Disables a user (or enables it again): a disabled user cannot sign in, and its open sessions
   * are closed at once. False when there is no such user.
   */
  async setDisabled(userId: number, disabled: boolean, now = Date.now()): Promise<boolean> {
    return this.db.writeTransaction(() => {
      const sql = this.db.sqlite;
      // Disabling twice keeps the first date.
      const r = sql
        .prepare('UPDATE users SET disabled_at = CASE WHEN ? THEN COALESCE(disabled_at, ?) ELSE NULL END WHERE id = ?')
        .run(disabled ? 1 : 0, now, userId);
      if (disabled) sql.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
      return r.changes > 0;
    });
  }

  /**
   * Whether a session still stands as it stood when a live socket opened on it: not closed, not
   * expired, its user enabled and with the same role and client. False otherwise.
   */
  async sessionStillValid(idHash: string, user: Pick<SessionUser, 'role' | 'clientId'>, now = Date.now()): Promise<boolean> {
    const row = await this.db.kysely
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['s.expires_at', 'u.role', 'u.client_id', 'u.disabled_at'])
      .where('s.id_hash', '=', idHash)
      .executeTakeFirst();
    return !!row && row.expires_at > now && row.disabled_at === null && row.role === user.role && row.client_id === user.clientId;
  }

  async passwordHash(userId: number): Promise<string | undefined> {
    const row = await this.db.kysely.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst();
    return row?.password_hash;
  }

  /** A new password closes every session of the user and forgets the browsers it trusted (theirs to open again with it). */
  async changePassword(userId: number, passwordHash: string): Promise<void> {
    await this.db.writeTransaction(() => this.replacePassword(userId, passwordHash));
  }

  /** A new password closes every session of the account and forgets its trusted browsers (call in a write transaction). */
  private replacePassword(userId: number, passwordHash: string): void {
    this.db.sqlite.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, userId);
    this.db.sqlite.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
    this.db.sqlite.prepare('DELETE FROM login_devices WHERE user_id = ?').run(userId);
  }

  /**
   * A password reset token (its hash) spent for a new password, in one transaction: the token must
   * exist, be unused and unexpired, and its account enabled. Returns the user, or undefined.
   */
  async resetPassword(tokenHash: string, passwordHash: string, now: number): Promise<number | undefined> {
    return this.db.writeTransaction(() => {
      const r = this.db.sqlite
        .prepare(
          `SELECT p.user_id FROM password_resets p JOIN users u ON u.id = p.user_id
           WHERE p.token_hash = ? AND p.used_at IS NULL AND p.expires_at > ? AND u.disabled_at IS NULL`,
        )
        .get(tokenHash, now) as { user_id: number } | undefined;
      if (!r) return undefined;
      this.db.sqlite.prepare('UPDATE password_resets SET used_at = ? WHERE token_hash = ?').run(now, tokenHash);
      this.replacePassword(r.user_id, passwordHash);
      return r.user_id;
    });
  }

  /** A new role (and client binding) closes every session of the user: what it may see changed. False when there is no such user. */
  async setRole(userId: number, role: Role, clientId: number | null): Promise<boolean> {
    return this.db.writeTransaction(() => {
      const r = this.db.sqlite.prepare('UPDATE users SET role = ?, client_id = ? WHERE id = ?').run(role, clientId, userId);
      this.db.sqlite.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
      return r.changes > 0;
    });
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.kysely.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async purgeExpiredSessions(now = Date.now()): Promise<void> {
    await this.db.kysely.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  }
}
