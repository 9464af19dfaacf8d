import { createHash, randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB, Role } from '../store/schema.js';

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

  constructor(private readonly db: RelationalStore) {}

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
    return this.db.kysely.transaction().execute(async (tx) => {
      // Disabling twice keeps the first date.
      const changed = await tx
        .updateTable('users')
        .set((eb) => ({ disabled_at: disabled ? eb.fn.coalesce('disabled_at', eb.val(now)) : null }))
        .where('id', '=', userId)
        .returning('id')
        .executeTakeFirst();
      if (disabled) await tx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      return changed !== undefined;
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
    await this.db.kysely.transaction().execute((tx) => replacePassword(tx, userId, passwordHash));
  }

  /** Issues a password reset token (its hash): asking again voids the previous one, in one transaction. */
  async issuePasswordReset(userId: number, tokenHash: string, now: number, expiresAt: number): Promise<void> {
    await this.db.kysely.transaction().execute(async (tx) => {
      // One link at a time: asking again voids the previous one.
      await tx.updateTable('password_resets').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
      await tx.insertInto('password_resets').values({ token_hash: tokenHash, user_id: userId, created_at: now, expires_at: expiresAt }).execute();
    });
  }

  /**
   * A password reset token (its hash) spent for a new password, in one transaction: the token must
   * exist, be unused and unexpired, and its account enabled. Returns the user, or undefined. The
   * token is spent by one conditional UPDATE … RETURNING: of two concurrent uses, one wins.
   */
  async resetPassword(tokenHash: string, passwordHash: string, now: number): Promise<number | undefined> {
    return this.db.kysely.transaction().execute(async (tx) => {
      const spent = await tx
        .updateTable('password_resets')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .where(({ exists, selectFrom }) =>
          exists(selectFrom('users as u').select('u.id').whereRef('u.id', '=', 'password_resets.user_id').where('u.disabled_at', 'is', null)),
        )
        .returning('user_id')
        .executeTakeFirst();
      if (!spent) return undefined;
      await replacePassword(tx, spent.user_id, passwordHash);
      return spent.user_id;
    });
  }

  /** A new role (and client binding) closes every session of the user: what it may see changed. False when there is no such user. */
  async setRole(userId: number, role: Role, clientId: number | null): Promise<boolean> {
    return this.db.kysely.transaction().execute(async (tx) => {
      const changed = await tx.updateTable('users').set({ role, client_id: clientId }).where('id', '=', userId).returning('id').executeTakeFirst();
      await tx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      return changed !== undefined;
    });
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.kysely.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async purgeExpiredSessions(now = Date.now()): Promise<void> {
    await this.db.kysely.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  }
}

/** A new password closes every session of the account and forgets its trusted browsers (inside the caller's transaction). */
async function replacePassword(tx: Transaction<DB>, userId: number, passwordHash: string): Promise<void> {
  await tx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
  await tx.deleteFrom('sessions').where('user_id', '=', userId).execute();
  await tx.deleteFrom('login_devices').where('user_id', '=', userId).execute();
}
