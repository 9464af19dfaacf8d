import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './database.js';
import { watchConnectionErrors } from './postgres/pg-connection-errors.js';
import { describePgTarget, type PgTarget, parsePostgresUrl } from './postgres/pg-target.js';
import type { DB } from './schema.js';

const INT8 = 20;
const NUMERIC = 1700;

/**
 * PostgreSQL sends `bigint` (and `count(*)`, `sum()` of bigints as `numeric`) as text, which pg
 * leaves as strings. The application reads these columns as JS numbers on SQLite, so they are
 * parsed to numbers here, refusing (rather than rounding) an integer beyond 2^53.
 */
function parseNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || (Number.isInteger(n) && !Number.isSafeInteger(n))) {
    throw new RangeError(`PostgreSQL returned ${text}, beyond what a JavaScript number holds exactly (2^53)`);
  }
  return n;
}

// Scoped to our pool (not pg's process-wide parsers): other pg users in the process keep their own.
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (oid === INT8 || oid === NUMERIC) && format !== 'binary' ? parseNumber : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export type PostgresDatabaseOptions = (
  | {
      /** `postgres://user@host:port/database` (or `postgresql://`). */
      url: string;
    }
  | {
      /** Parsed and checked (`serve --database`, store/database-target.ts): the password may come from VIGIE_PG_PASSWORD. */
      target: PgTarget;
    }
) & {
  /** Pool size (default 10). */
  maxConnections?: number;
};

/** A connection attempt that gets no answer in 10 s fails (a server that stopped answering) instead of waiting for the kernel. */
class TimedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    // pg-pool keeps the password as a non-enumerable property (out of logs): copied by name, not by spread.
    super(
      typeof config === 'string'
        ? { connectionString: config, connectionTimeoutMillis: 10_000 }
        : { ...config, password: config?.password, connectionTimeoutMillis: 10_000 },
    );
  }
}

/** Is this database option a PostgreSQL URL rather than a SQLite file path? */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/**
 * The relational store on PostgreSQL: Kysely over a pg pool, migrated with the same migrations as
 * SQLite. Only Kysely code runs on it: the collector's synchronous better-sqlite3 statements do not,
 * so `serve --database postgres://…` refuses to start while any module still uses them
 * (open-relational-store.ts, SQLITE_ONLY_MODULES).
 */
export class PostgresDatabase {
  readonly pool: pg.Pool;
  readonly kysely: Kysely<DB>;
  readonly dialect = 'postgres' as const;

  /** Where it is: host, port, database, user (the password, if any, never logged: describePgTarget). */
  readonly target: PgTarget;

  /** Connections the server closed or that were lost (a restart, an administrator, an outage), idle or in use; the pool opens new ones. */
  connectionErrors = 0;
  /** Told of each (the collector logs it). */
  onConnectionError: ((err: Error) => void) | undefined;

  constructor(opts: PostgresDatabaseOptions) {
    if ('url' in opts && !isPostgresUrl(opts.url)) throw new Error(`not a PostgreSQL URL (postgres://…): ${opts.url.replace(/:[^:@/]*@/, ':***@')}`);
    const t = 'target' in opts ? opts.target : parsePostgresUrl(opts.url, process.env, { option: '--database', code: 'DATABASE_URL_INVALID' });
    this.target = t;
    this.pool = new pg.Pool({
      host: t.host,
      port: t.port,
      database: t.database,
      user: t.user,
      ...(t.password ? { password: t.password } : {}),
      ...(t.ssl ? { ssl: true } : {}),
      max: opts.maxConnections ?? 10,
      application_name: 'vigie-collector',
      // The connect timeout is the client's (TimedClient): pg-pool's own option would also bound the
      // wait for a free connection, and a collector under a burst would fail requests waiting their turn.
      Client: TimedClient,
      keepAlive: true,
      types: typeParsers,
    });
    watchConnectionErrors(this.pool, (err) => {
      this.connectionErrors++;
      if (this.onConnectionError) this.onConnectionError(err);
      else console.error(`PostgreSQL ${describePgTarget(t)}: a connection was lost (${err.message}); the pool reconnects`);
    });
    this.kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool: this.pool }) });
  }

  /**
   * Whether a PostgreSQL target (the metric store's) is this very database: same host, port and
   * database name. Then the PostgreSQL ingest writer stores samples in its own transaction.
   */
  holds(t: { host: string; port: number; database: string }): boolean {
    return this.target.host === t.host && this.target.port === t.port && this.target.database === t.database;
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.kysely, 'postgres');
  }

  async close(): Promise<void> {
    await this.kysely.destroy(); // ends the pool
  }
}
