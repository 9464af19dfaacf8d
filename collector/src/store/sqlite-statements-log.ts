import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type Migrator, SqliteDialect } from 'kysely';
import type { DB } from './schema.js';

/** The SQL texts one migration sent to SQLite, in order. */
export interface MigrationStatements {
  migration: string;
  statements: string[];
}

/**
 * Every SQL text each migration sends to SQLite (DDL, backfills, reads) on a fresh in-memory
 * database, migration by migration; Kysely's own queries left out. Parameters are not
 * recorded: some are the current date.
 */
export async function recordMigrationStatements(migratorFor: (db: Kysely<DB>) => Migrator): Promise<MigrationStatements[]> {
  let texts: string[] = [];
  const db = new Kysely<DB>({
    dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }),
    log: (event) => {
      // Kysely's own: its migration tables, and its introspection of "sqlite_master" (migrations never query it).
      if (!/kysely_migration|"sqlite_master"/.test(event.query.sql)) texts.push(event.query.sql);
    },
  });
  const steps: MigrationStatements[] = [];
  try {
    const migrator = migratorFor(db);
    for (;;) {
      texts = [];
      const { error, results } = await migrator.migrateUp();
      if (error) throw error instanceof Error ? error : new Error(String(error));
      const done = results?.find((r) => r.status === 'Success');
      if (!done) return steps;
      steps.push({ migration: done.migrationName, statements: texts });
    }
  } finally {
    await db.destroy();
  }
}
