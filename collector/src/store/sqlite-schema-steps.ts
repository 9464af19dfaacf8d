import type { Kysely, Migrator } from 'kysely';
import type { DB } from './schema.js';

/** One object of `sqlite_master` as SQLite stores it (its `sql` is the text it was created with, amended by ALTER TABLE). */
export interface SqliteObject {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

/** What one migration left in `sqlite_master`: the objects it created or whose text it changed. */
export interface SchemaStep {
  migration: string;
  objects: SqliteObject[];
}

async function sqliteMaster(kysely: Kysely<DB>): Promise<Map<string, SqliteObject>> {
  const rows = await kysely
    .withTables<{ sqlite_master: SqliteObject }>()
    .selectFrom('sqlite_master')
    .select(['type', 'name', 'tbl_name', 'sql'])
    .orderBy('type')
    .orderBy('name')
    .execute();
  // Kysely's own bookkeeping tables are not ours to freeze (their text may change with Kysely).
  return new Map(rows.filter((r) => !r.tbl_name.startsWith('kysely_')).map((r) => [`${r.type}:${r.name}`, r]));
}

/**
 * Applies pending migrations one at a time and records, per migration, the `sqlite_master` objects
 * it added or changed (by byte-exact `sql`). Recording per migration (rather than the final schema)
 * lets migrations added later run too without touching the record of the older ones.
 */
export async function recordSchemaSteps(db: Kysely<DB>, migrator: Migrator): Promise<SchemaStep[]> {
  const steps: SchemaStep[] = [];
  let before = await sqliteMaster(db);
  for (;;) {
    const { error, results } = await migrator.migrateUp();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    const done = results?.find((r) => r.status === 'Success');
    if (!done) return steps;
    const after = await sqliteMaster(db);
    const objects = [...after].filter(([key, o]) => before.get(key)?.sql !== o.sql).map(([, o]) => o);
    const removed = [...before.keys()].filter((key) => !after.has(key));
    if (removed.length > 0) throw new Error(`migration ${done.migrationName} dropped ${removed.join(', ')}`);
    steps.push({ migration: done.migrationName, objects });
    before = after;
  }
}
