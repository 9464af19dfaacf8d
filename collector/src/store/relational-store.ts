import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

/**
 * What an engine-neutral repository needs of the relational store: typed Kysely and which engine
 * runs under it. Both `Database` (SQLite) and `PostgresDatabase` are one, so a repository written
 * against this runs unchanged on either.
 */
export interface RelationalStore {
  readonly kysely: Kysely<DB>;
  readonly dialect: 'sqlite' | 'postgres';
}
