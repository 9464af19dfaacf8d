import type { Kysely } from 'kysely';

/** The engine a migration writes for: the same migration list runs on both. */
export type MigrationEngine = 'sqlite' | 'postgres';

/**
 * A migration of the store. `engine` lets it write engine-specific SQL where the schema builder
 * cannot express the same thing on both (triggers, partial text of existing SQLite DDL); the SQL it
 * runs on SQLite must never change once released (installations have run it: see
 * `sqlite-schema-frozen.test.ts`).
 */
export interface EngineMigration {
  up(db: Kysely<any>, engine: MigrationEngine): Promise<void>;
}
