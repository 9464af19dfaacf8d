import { sql } from 'kysely';
import type { RelationalStore } from '../store/relational-store.js';

/** A key with the number of failures it may reach within the window before being refused. */
export interface LimitKey {
  key: string;
  max: number;
}

/** How many failures each kind of key may reach within the window. */
export interface LoginLimits {
  /** Guessing one account's password, from anywhere. */
  perAccount: number;
  /** Spraying accounts from one address (behind a NAT, many people share it: trusted browsers are not counted here). */
  perAddress: number;
  /** A browser where the account signed in before. */
  perDevice: number;
  /** Enrolment attempts from one address. */
  perEnrollAddress: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 10, perAddress: 100, perDevice: 10, perEnrollAddress: 20 };

export interface LoginLimiterOptions {
  /** Failures count for this long (sliding window). */
  windowMs: number;
  /** The table never holds more rows than this: the oldest failures go first. */
  maxRows: number;
  limits: LoginLimits;
}

const DEFAULTS: LoginLimiterOptions = { windowMs: 15 * 60_000, maxRows: 200_000, limits: DEFAULT_LOGIN_LIMITS };

/**
 * Counts failed attempts per key in a sliding window, in the store: every collector process of a
 * cluster sees the same counts (with N workers an attacker does not get N times the attempts).
 * Failures older than the window are pruned as new ones come; past `maxRows` the oldest go, never
 * all of them at once.
 */
export class LoginLimiter {
  private readonly opts: LoginLimiterOptions;
  private writes = 0;

  constructor(
    private readonly db: RelationalStore,
    opts: Partial<LoginLimiterOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  get limits(): LoginLimits {
    return this.opts.limits;
  }

  /** True when one of the keys reached its limit. */
  async blocked(keys: readonly LimitKey[], now = Date.now()): Promise<boolean> {
    if (keys.length === 0) return false;
    const rows = await this.db.kysely
      .selectFrom('login_failures')
      .select(['key', (eb) => eb.fn.countAll<number>().as('n')])
      .where(
        'key',
        'in',
        keys.map((k) => k.key),
      )
      .where('at', '>', now - this.opts.windowMs)
      .groupBy('key')
      .execute();
    const counts = new Map(rows.map((r) => [r.key, Number(r.n)]));
    return keys.some((k) => (counts.get(k.key) ?? 0) >= k.max);
  }

  /**
   * Counts one failure per key. Each failure is a row of its own (an INSERT, never a read-modify-
   * write), so concurrent failures on any engine, from any collector, are all counted.
   */
  async fail(keys: readonly LimitKey[], now = Date.now()): Promise<void> {
    const countTable = ++this.writes % 256 === 0 || this.opts.maxRows < 1000;
    await this.db.kysely.transaction().execute(async (tx) => {
      if (keys.length > 0)
        await tx
          .insertInto('login_failures')
          .values(keys.map((k) => ({ key: k.key, at: now })))
          .execute();
      await tx
        .deleteFrom('login_failures')
        .where('at', '<=', now - this.opts.windowMs)
        .execute();
      // Counting the table costs a scan: done every few hundred writes, enough to keep it bounded.
      if (!countTable) return;
      const { n } = await tx
        .selectFrom('login_failures')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const excess = Number(n) - this.opts.maxRows;
      if (excess <= 0) return;
      // The oldest go first; the table has no key of its own, a failure is known by (key, at).
      await tx
        .deleteFrom('login_failures')
        .where(({ eb, refTuple, selectFrom }) =>
          eb(refTuple('key', 'at'), 'in', selectFrom('login_failures').select(['key', 'at']).orderBy('at').orderBy('key').limit(excess).$asTuple('key', 'at')),
        )
        .execute();
    });
  }

  /**
   * Counts an attempt before it is checked, and says whether it went over a limit. Asking `blocked`
   * first and counting the failure after the slow password (or code) check let a burst of
   * simultaneous guesses through whole: every one of them read the count before any was written.
   * Here each attempt is a row inserted first, then the rows are counted, so of any burst (on any
   * engine, reaching any collector) at most `max` attempts go on to be checked. A refused attempt's
   * row goes again (refused attempts are not failures, as before); `release` takes back the row of an
   * attempt that turned out not to be a failure (right password, or a first step asking for a code).
   */
  async attempt(keys: readonly LimitKey[], now = Date.now()): Promise<{ blocked: boolean; release(): Promise<void> }> {
    if (keys.length === 0) return { blocked: false, release: async () => undefined };
    await this.fail(keys, now);
    const rows = await this.db.kysely
      .selectFrom('login_failures')
      .select(['key', (eb) => eb.fn.countAll<number>().as('n')])
      .where(
        'key',
        'in',
        keys.map((k) => k.key),
      )
      .where('at', '>', now - this.opts.windowMs)
      .groupBy('key')
      .execute();
    const counts = new Map(rows.map((r) => [r.key, Number(r.n)]));
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await this.takeBack(keys, now);
    };
    const blocked = keys.some((k) => (counts.get(k.key) ?? 0) > k.max);
    if (blocked) await release();
    return { blocked, release };
  }

  /**
   * Removes one row per key at `at` (the attempt's own). Rows have no id of their own (two attempts of
   * the same millisecond share (key, at)): exactly one is deleted by its physical address, `rowid` on
   * SQLite, `ctid` on PostgreSQL. Counting the rows, deleting them all and putting back one fewer lost
   * on PostgreSQL the rows other attempts committed between the count and the delete (one uncounted
   * guess each), and two take-backs at once multiplied the rows; take-backs of a key take turns there
   * (advisory lock, keys in one order so two never wait for each other), and each DELETE sees the
   * previous one's commit.
   */
  private async takeBack(keys: readonly LimitKey[], at: number): Promise<void> {
    const address = this.db.dialect === 'postgres' ? sql.raw('ctid') : sql.raw('rowid');
    await this.db.kysely.transaction().execute(async (tx) => {
      if (this.db.dialect === 'postgres')
        for (const key of [...new Set(keys.map((k) => k.key))].sort())
          await sql`SELECT pg_advisory_xact_lock(hashtext(${`vigie.login_failures:${key}`}))`.execute(tx);
      for (const k of keys)
        await sql`DELETE FROM login_failures WHERE ${address} = (SELECT ${address} FROM login_failures WHERE key = ${k.key} AND at = ${at} LIMIT 1)`.execute(
          tx,
        );
    });
  }

  /** Forgets the failures of these keys (a trusted browser that signed in). */
  async succeed(keys: readonly LimitKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.kysely
      .deleteFrom('login_failures')
      .where(
        'key',
        'in',
        keys.map((k) => k.key),
      )
      .execute();
  }
}

/**
 * Logins from a browser the account has not signed in from: limited per account (from anywhere:
 * guessing one password) and per address (spraying many accounts). Separately: a spray from one
 * address blocks that address for strangers, not the account elsewhere.
 */
export function loginKeys(address: string, email: string, limits = DEFAULT_LOGIN_LIMITS): LimitKey[] {
  return [...accountKeys(email, limits), { key: `address:${address}`, max: limits.perAddress }];
}

export function accountKeys(email: string, limits = DEFAULT_LOGIN_LIMITS): LimitKey[] {
  return [{ key: `account:${email.toLowerCase()}`, max: limits.perAccount }];
}

/** A browser where the account signed in before: only its own failures count (OWASP's device cookies). */
export function trustedDeviceKeys(tokenHash: string, limits = DEFAULT_LOGIN_LIMITS): LimitKey[] {
  return [{ key: `device:${tokenHash}`, max: limits.perDevice }];
}

export function enrollKeys(address: string, limits = DEFAULT_LOGIN_LIMITS): LimitKey[] {
  return [{ key: `enroll-address:${address}`, max: limits.perEnrollAddress }];
}
