import type { Kysely } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { type EngineStatement, runStatements } from './sql-for-engine.js';

/**
 * Tickets as the contract defines them (issue 18, point 5): monitoring tickets internal until
 * published (or all published by a client's setting), attachments kept in the store, a client's
 * request linked to the automatic ticket of the same problem, and the SLA start taken from the
 * first recorded intervention when it began before any status change.
 */
const STATEMENTS: (string | EngineStatement)[] = [
  'ALTER TABLE clients ADD COLUMN publish_monitoring_tickets INTEGER NOT NULL DEFAULT 0',
  'ALTER TABLE tickets ADD COLUMN client_visible INTEGER NOT NULL DEFAULT 1',
  `CREATE TABLE ticket_attachments (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     type TEXT NOT NULL,
     size INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     data BLOB NOT NULL,
     created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL)`,
  'CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id)',
  `CREATE TABLE ticket_links (
     ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
     linked_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
     created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (ticket_id, linked_id),
     CHECK (ticket_id < linked_id))`,
  'CREATE INDEX ticket_links_linked ON ticket_links (linked_id)',
  // Interventions recorded before: the first one's start (or, for a date alone, the end of that Paris day: 23:00 UTC, never earlier than it) counts.
  {
    postgres: [], // no PostgreSQL store predates this migration: nothing to backfill
    sqlite: `UPDATE tickets SET intervention_started_at = (
     SELECT min(coalesce(i.started_at, CAST(strftime('%s', i.date || ' 23:00:00') AS INTEGER) * 1000)) FROM interventions i WHERE i.ticket_id = tickets.id)
   WHERE EXISTS (SELECT 1 FROM interventions i WHERE i.ticket_id = tickets.id)
     AND (intervention_started_at IS NULL OR intervention_started_at > (
       SELECT min(coalesce(i.started_at, CAST(strftime('%s', i.date || ' 23:00:00') AS INTEGER) * 1000)) FROM interventions i WHERE i.ticket_id = tickets.id))`,
  },
];

export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, STATEMENTS);
}
