import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './database.js';
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

export interface PostgresDatabaseOptions {
  /** `postgres://user@host:port/database` (or `postgresql://`). */
  url: string;
  /** Pool size (default 10). */
  maxConnections?: number;
}

/** Is this database option a PostgreSQL URL rather than a SQLite file path? */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/**
 * The relational store on PostgreSQL: Kysely over a pg pool, migrated with the same migrations as
 * SQLite. Only Kysely code runs on it: the collector's synchronous better-sqlite3 statements do not,
 * so `serve` does not open it yet.
 */
export class PostgresDatabase {
  readonly pool: pg.Pool;
  readonly kysely: Kysely<DB>;
  readonly dialect = 'postgres' as const;

  private readonly url: string;

  constructor(opts: PostgresDatabaseOptions) {
    if (!isPostgresUrl(opts.url)) throw new Error(`not a PostgreSQL URL (postgres://…): ${opts.url.replace(/:[^:@/]*@/, ':***@')}`);
    this.url = opts.url;
    this.pool = new pg.Pool({ connectionString: opts.url, max: opts.maxConnections ?? 10, types: typeParsers });
    this.kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool: this.pool }) });
  }

  /**
   * Whether a PostgreSQL target (the metric store's) is this very database: same host, port and
   * database name. Then the PostgreSQL ingest writer stores samples in its own transaction.
   */
  holds(t: { host: string; port: number; database: string }): boolean {
    const u = new URL(this.url);
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    return host === t.host && (u.port ? Number(u.port) : 5432) === t.port && decodeURIComponent(u.pathname.replace(/^\//, '')) === t.database;
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.kysely, 'postgres');
  }

  async close(): Promise<void> {
    await this.kysely.destroy(); // ends the pool
  }
}
