import { type Kysely, sql } from 'kysely';
import type { MigrationEngine } from './migrations/engine.js';
import type { DB } from './schema.js';

/**
 * What an engine-neutral repository needs of the relational store: typed Kysely, and which engine
 * runs it (for the few places where the same answer takes different SQL, e.g. case-insensitive
 * LIKE). Both `Database` (SQLite) and `PostgresDatabase` are one, so a repository written against
 * this runs unchanged on either.
 */
export interface RelationalStore {
  readonly kysely: Kysely<DB>;
  readonly dialect: MigrationEngine;
}

/** Resolves once the store answers a trivial read (for `/healthz`). */
export async function pingStore(db: RelationalStore): Promise<void> {
  await sql`SELECT 1`.execute(db.kysely);
}
