import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import type { CollectorConfig } from '../src/config.js';
import type { Database } from '../src/store/database.js';
import { postgresRefusal } from '../src/store/migrations/sql-for-engine.js';
import { type CollectorStore, sqliteHandleOf } from '../src/store/open-relational-store.js';
import type { RelationalStore } from '../src/store/relational-store.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's PostgreSQL cluster (`postgres://postgres@127.0.0.1:<port>`), or '' on SQLite (postgres-global-setup.ts). */
    vigieTestPostgres: string;
  }
}

/**
 * Where a test collector keeps its relational store: nothing to add on SQLite (a file in its data
 * folder), or with VIGIE_TEST_DATABASE=postgres a fresh database of the run's cluster
 * (postgres-global-setup.ts), so that collectors never see each other's rows.
 */
export async function testDatabase(): Promise<Partial<CollectorConfig>> {
  const cluster = inject('vigieTestPostgres');
  if (!cluster) return {};
  const name = `vigie_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: `${cluster.replace(/\/$/, '')}/postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`); // a name of our own making: letters, digits, _
  } finally {
    await admin.end();
  }
  return { databaseUrl: `${cluster.replace(/\/$/, '')}/${name}` };
}

/**
 * The raw SQLite handle of a test collector's store, for assertions that read the SQLite file
 * itself. On PostgreSQL (VIGIE_TEST_DATABASE=postgres) it fails saying so: such an assertion is
 * SQLite-only until it reads through `collector.db.kysely` (see `test:postgres` in package.json).
 */
export function sqliteOf(store: CollectorStore): Database['sqlite'] {
  return sqliteHandleOf(store);
}

/**
 * A real failure at the end of an agent's ingest transaction, on either engine: a trigger that
 * refuses to record the agent's seq (`agents.last_seq`), so the relational commit aborts. Returns
 * what removes it.
 */
export async function refuseSeqUpdate(store: RelationalStore, agentId: string): Promise<() => Promise<void>> {
  const when = `NEW.id = '${agentId.replace(/'/g, "''")}'`;
  const create =
    store.dialect === 'postgres'
      ? postgresRefusal({ name: 'refuse_seq', table: 'agents', event: 'UPDATE', of: 'last_seq', when, message: 'simulated failure' })
      : [`CREATE TRIGGER refuse_seq BEFORE UPDATE OF last_seq ON agents WHEN ${when} BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`];
  for (const statement of create) await sql.raw(statement).execute(store.kysely);
  return async () => {
    const drop = store.dialect === 'postgres' ? ['DROP TRIGGER refuse_seq ON agents', 'DROP FUNCTION refuse_seq()'] : ['DROP TRIGGER refuse_seq'];
    for (const statement of drop) await sql.raw(statement).execute(store.kysely);
  };
}
