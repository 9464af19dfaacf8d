import type { Database } from '../store/database.js';

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
    private readonly db: Database,
    opts: Partial<LoginLimiterOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  get limits(): LoginLimits {
    return this.opts.limits;
  }

  /** True when one of the keys reached its limit. */
  blocked(keys: readonly LimitKey[], now = Date.now()): Promise<boolean> {
    if (keys.length === 0) return Promise.resolve(false);
    return this.db.writeLock(() => {
      const rows = this.db.sqlite
        .prepare('SELECT key, count(*) AS n FROM login_failures WHERE key IN (SELECT value FROM json_each(?)) AND at > ? GROUP BY key')
        .all(JSON.stringify(keys.map((k) => k.key)), now - this.opts.windowMs) as { key: string; n: number }[];
      const counts = new Map(rows.map((r) => [r.key, r.n]));
      return keys.some((k) => (counts.get(k.key) ?? 0) >= k.max);
    });
  }

  fail(keys: readonly LimitKey[], now = Date.now()): Promise<void> {
    return this.db.writeTransaction(() => {
      const insert = this.db.sqlite.prepare('INSERT INTO login_failures (key, at) VALUES (?, ?)');
      for (const k of keys) insert.run(k.key, now);
      this.db.sqlite.prepare('DELETE FROM login_failures WHERE at <= ?').run(now - this.opts.windowMs);
      // Counting the table costs a scan: done every few hundred writes, enough to keep it bounded.
      if (++this.writes % 256 === 0 || this.opts.maxRows < 1000) {
        const { n } = this.db.sqlite.prepare('SELECT count(*) AS n FROM login_failures').get() as { n: number };
        if (n > this.opts.maxRows)
          this.db.sqlite.prepare('DELETE FROM login_failures WHERE rowid IN (SELECT rowid FROM login_failures ORDER BY at LIMIT ?)').run(n - this.opts.maxRows);
      }
    });
  }

  /** Forgets the failures of these keys (a trusted browser that signed in). */
  succeed(keys: readonly LimitKey[]): Promise<void> {
    return this.db.writeTransaction(() => {
      const del = this.db.sqlite.prepare('DELETE FROM login_failures WHERE key = ?');
      for (const k of keys) del.run(k.key);
    });
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
