import type { Kysely } from 'kysely';
import { idColumn } from './001-foundation.js';
import type { MigrationEngine } from './engine.js';

/** Rules, maintenance windows and incidents (one per problem, linked to its ticket). */
export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await db.schema
    .createTable('rules')
    .addColumn('id', 'integer', idColumn(engine))
    .addColumn('key', 'text', (c) => c.unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('maintenance_windows')
    .addColumn('id', 'integer', idColumn(engine))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('scope_id', 'integer', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('incidents')
    .addColumn('id', 'integer', idColumn(engine))
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('client_id', 'integer', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('site_id', 'integer', (c) => c.notNull())
    .addColumn('device_id', 'integer')
    .addColumn('rule_id', 'integer', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('flapping', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('suppressed', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('recovered_at', 'bigint')
    .addColumn('resolved_at', 'bigint')
    .addColumn('ticket_id', 'integer')
    .execute();
  await db.schema.createIndex('incidents_fingerprint').on('incidents').columns(['fingerprint', 'id']).execute();
  await db.schema.createIndex('incidents_client').on('incidents').columns(['client_id', 'status']).execute();
}
