import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type Migration,
  Migrator,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import * as m001 from './migrations/001-foundation.js';
import * as m002 from './migrations/002-policies.js';
import * as m003 from './migrations/003-tickets.js';
import * as m004 from './migrations/004-rules-incidents.js';
import * as m005 from './migrations/005-billing.js';
import * as m006 from './migrations/006-reports.js';
import * as m007 from './migrations/007-site-role.js';
import * as m008 from './migrations/008-device-search.js';
import * as m009facturx from './migrations/009-facturx.js';
import * as m009logins from './migrations/009-login-limits.js';
import * as m010remote from './migrations/010-remote.js';
import * as m011programTargets from './migrations/011-policy-program-targets.js';
import * as m012accounting from './migrations/012-agent-accounting.js';
import * as m013patches from './migrations/013-patches.js';
import * as m014patchManagement from './migrations/014-patch-management.js';
import * as m015agentUpdates from './migrations/015-agent-updates.js';
import * as mUxAgentless from './migrations/016-ux-agentless-watcher.js';
import * as mUxContract from './migrations/016-ux-contract-data.js';
import * as mUxFlowPeaks from './migrations/016-ux-flow-peaks.js';
import * as mUxIncidents from './migrations/016-ux-incidents-acknowledged.js';
import * as mUxPasswordResets from './migrations/016-ux-password-resets.js';
import * as mUxRecurring from './migrations/016-ux-recurring-business-days.js';
import * as mUxReportComments from './migrations/016-ux-report-comments.js';
import * as mUxTickets from './migrations/016-ux-tickets-contract.js';
import * as m017clusterLeases from './migrations/017-cluster-leases.js';
import * as m018commandsQueueOrder from './migrations/018-commands-queue-order.js';
import * as m019devicesSiteIndex from './migrations/019-devices-site-index.js';
import type { EngineMigration, MigrationEngine } from './migrations/engine.js';
import { ensurePrivateDatabaseFile } from './private-files.js';
import type { DB } from './schema.js';

export type SqliteHandle = BetterSqlite3.Database;

export interface DatabaseOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** `full` (default) survives power loss after an ack; `normal` survives process crashes only. */
  synchronous?: 'full' | 'normal';
}

const migrations: Record<string, EngineMigration> = {
  '001-foundation': m001,
  '002-policies': m002,
  '003-tickets': m003,
  '004-rules-incidents': m004,
  '005-billing': m005,
  '006-reports': m006,
  '007-site-role': m007,
  '008-device-search': m008,
  '009-facturx': m009facturx,
  '009-login-limits': m009logins,
  '010-remote': m010remote,
  '011-policy-program-targets': m011programTargets,
  '012-agent-accounting': m012accounting,
  '013-patches': m013patches,
  '014-patch-management': m014patchManagement,
  '015-agent-updates': m015agentUpdates,
  '016-ux-agentless-watcher': mUxAgentless,
  '016-ux-contract-data': mUxContract,
  '016-ux-flow-peaks': mUxFlowPeaks,
  '016-ux-incidents-acknowledged': mUxIncidents,
  '016-ux-password-resets': mUxPasswordResets,
  '016-ux-recurring-business-days': mUxRecurring,
  '016-ux-report-comments': mUxReportComments,
  '016-ux-tickets-contract': mUxTickets,
  '017-cluster-leases': m017clusterLeases,
  '018-commands-queue-order': m018commandsQueueOrder,
  '019-devices-site-index': m019devicesSiteIndex,
};

/**
 * Transactions take the write lock when they begin (`BEGIN IMMEDIATE`): when several collector
 * processes share the file, a deferred transaction that read first could not upgrade to a writer
 * (SQLITE_BUSY without waiting); an immediate one waits its turn under busy_timeout.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class VigieSqliteDialect extends SqliteDialect {
  constructor(private readonly cfg: SqliteDialectConfig) {
    super(cfg);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.cfg);
  }
}

/** The migrations, each told which engine it runs on. */
export function createMigrator(db: Kysely<DB>, engine: MigrationEngine): Migrator {
  const bound: Record<string, Migration> = {};
  for (const [name, m] of Object.entries(migrations)) bound[name] = { up: (tx) => m.up(tx, engine) };
  // Unordered: migrations land from parallel work; each only adds, so their order does not matter.
  return new Migrator({ db, provider: { getMigrations: async () => bound }, allowUnorderedMigrations: true });
}

/** Applies every pending migration; throws naming the one that failed. */
export async function migrateToLatest(db: Kysely<DB>, engine: MigrationEngine): Promise<void> {
  const { error, results } = await createMigrator(db, engine).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
}

/**
 * The embedded relational store: one better-sqlite3 connection, shared by Kysely (repositories)
 * and by the synchronous ingest writer. `writeLock` keeps the two from interleaving: it waits for
 * Kysely's connection mutex, so no Kysely transaction can be open while a sync batch runs.
 */
export class Database {
  readonly sqlite: SqliteHandle;
  readonly kysely: Kysely<DB>;
  readonly dialect = 'sqlite' as const;
  private readonly synchronous: 'full' | 'normal';

  constructor(opts: DatabaseOptions) {
    this.synchronous = opts.synchronous === 'normal' ? 'normal' : 'full';
    if (opts.path !== ':memory:') ensurePrivateDatabaseFile(opts.path, dirname(opts.path));
    this.sqlite = new BetterSqlite3(opts.path);
    this.sqlite.pragma('journal_mode = WAL');
    this.sqlite.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.sqlite.pragma('foreign_keys = ON');
    this.sqlite.pragma('busy_timeout = 5000');
    this.sqlite.pragma('temp_store = MEMORY');
    this.sqlite.pragma('cache_size = -65536'); // 64 MiB page cache
    this.sqlite.pragma('wal_autocheckpoint = 4000');
    this.kysely = new Kysely<DB>({ dialect: new VigieSqliteDialect({ database: this.sqlite }) });
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.kysely, 'sqlite');
  }

  /** Runs `fn` synchronously with exclusive use of the connection (no Kysely transaction open). */
  writeLock<T>(fn: () => T): Promise<T> {
    return this.kysely.connection().execute(async () => fn());
  }

  /**
   * `fn` in one write transaction (BEGIN IMMEDIATE), under the write lock. `durable: false` commits
   * without waiting for the disk (for derived data that is recomputed if lost; the next durable
   * commit makes it durable too, the write-ahead log being synced as a whole).
   */
  writeTransaction<T>(fn: () => T, opts: { durable?: boolean } = {}): Promise<T> {
    if (opts.durable !== false || this.synchronous === 'normal') return this.writeLock(() => this.sqlite.transaction(fn).immediate());
    return this.writeLock(() => {
      this.sqlite.pragma('synchronous = NORMAL');
      try {
        return this.sqlite.transaction(fn).immediate();
      } finally {
        this.sqlite.pragma('synchronous = FULL');
      }
    });
  }

  async close(): Promise<void> {
    await this.kysely.destroy(); // closes the better-sqlite3 handle too
  }
}

/** A prepared statement taking positional parameters. */
export type Stmt = BetterSqlite3.Statement<unknown[], unknown>;
