import { type Kysely, sql } from 'kysely';
import { idColumn } from './001-foundation.js';
import type { MigrationEngine } from './engine.js';

/** Tickets with their devices and a timeline of every action (comment, status, assignment, incident, time). */
export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await db.schema
    .createTable('tickets')
    .addColumn('id', 'integer', idColumn(engine))
    .addColumn('client_id', 'integer', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('portal', 'email', 'phone', 'monitoring')`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('urgent', 'programmed')`))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('remote', 'on_site')`))
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('assignee_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('sla_start_at', 'bigint', (c) => c.notNull())
    .addColumn('sla_deadline_at', 'bigint')
    .addColumn('planned_date', 'text')
    .addColumn('intervention_started_at', 'bigint')
    .addColumn('resolved_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .addColumn('fingerprint', 'text')
    .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tickets_client_status').on('tickets').columns(['client_id', 'status', 'id']).execute();
  await db.schema.createIndex('tickets_fingerprint').on('tickets').column('fingerprint').execute();
  await db.schema
    .createTable('ticket_devices')
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('device_id', 'integer', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('ticket_devices_pk', ['ticket_id', 'device_id'])
    .execute();
  await db.schema
    .createTable('ticket_events')
    .addColumn('id', 'integer', idColumn(engine))
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('author_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ticket_events_ticket').on('ticket_events').columns(['ticket_id', 'id']).execute();
}
