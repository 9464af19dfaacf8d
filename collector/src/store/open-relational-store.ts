import { join } from 'node:path';
import { VigieError } from '@vigie/shared';
import { Database } from './database.js';
import { type DatabaseTarget, parseDatabaseTarget } from './database-target.js';
import { describePgTarget } from './postgres/pg-target.js';
import { PostgresDatabase } from './postgres-database.js';
import { migrateOrExplain, openStore } from './startup.js';

/** The relational store a collector runs on: the embedded SQLite file or PostgreSQL. */
export type CollectorStore = Database | PostgresDatabase;

/**
 * The SQLite file's raw handle, for tools and test harnesses that read the file itself. On
 * PostgreSQL it throws saying so: such a reader is SQLite-only until it reads through `kysely`.
 */
export function sqliteHandleOf(store: CollectorStore): Database['sqlite'] {
  if (store instanceof Database) return store.sqlite;
  throw new Error('this reads the SQLite file directly, but the store is PostgreSQL');
}

/** Where the configuration puts the relational store: `databaseUrl` (PostgreSQL) or the SQLite file. */
export function databaseTargetOf(config: { dataDir: string; dbPath?: string | undefined; databaseUrl?: string | undefined }): DatabaseTarget {
  if (config.databaseUrl) return parseDatabaseTarget(config.databaseUrl);
  return { engine: 'sqlite', path: config.dbPath ?? join(config.dataDir, 'vigie.db') };
}

/**
 * The source files that still reach the raw SQLite handle (`db.sqlite`): while any is left, a
 * collector cannot serve on PostgreSQL. Kept equal to the source by sqlite-only-modules.test.ts,
 * which fails as soon as a file starts using the handle again: while the list is empty,
 * `serve --database postgres://…` starts.
 */
export const SQLITE_ONLY_MODULES: readonly string[] = [];

/**
 * Refuses PostgreSQL before anything is opened or created while some module still needs the SQLite
 * handle (SQLITE_ONLY_MODULES), in French then English.
 */
export function assertServableOn(target: DatabaseTarget, modules: readonly string[] = SQLITE_ONLY_MODULES): void {
  if (target.engine !== 'postgres' || modules.length === 0) return;
  const where = describePgTarget(target.target);
  const list = [...new Set(modules.map((m) => m.split('/')[0]))].join(', ');
  throw new VigieError(
    'DATABASE_ENGINE_NOT_READY',
    `--database ${where}\u00a0: ce collecteur ne fonctionne pas encore sur PostgreSQL\u00a0: ${modules.length} fichier(s) utilisent encore la base SQLite directement, dans ${list}\u00a0; rien n’a été créé. Sans --database, il utilise son fichier SQLite.\n` +
      `--database ${where}: this collector cannot serve on PostgreSQL yet: ${modules.length} file(s) still use the SQLite store directly, in ${list}; nothing was created. Without --database it uses its SQLite file.`,
  );
}

/**
 * Opens and migrates the relational store. SQLite: the file (a full disk said in the catalogue's
 * terms, startup.ts). PostgreSQL: a pool, the same migrations; an unreachable server is
 * VIGIE_E_UNAVAILABLE naming the server without its password.
 */
export async function openRelationalStore(target: DatabaseTarget, synchronous: 'full' | 'normal'): Promise<CollectorStore> {
  if (target.engine === 'sqlite') {
    const db = openStore(target.path, synchronous);
    try {
      await migrateOrExplain(db);
    } catch (err) {
      await db.close();
      throw err;
    }
    return db;
  }
  const db = new PostgresDatabase({ target: target.target });
  try {
    await db.migrate();
  } catch (err) {
    await db.close();
    throw new VigieError('UNAVAILABLE', `PostgreSQL at ${describePgTarget(target.target)}: ${(err as Error).message}`);
  }
  return db;
}
