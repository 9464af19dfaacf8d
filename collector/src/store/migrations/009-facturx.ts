import type { Kysely } from 'kysely';
import { immutableTable } from './005-billing.js';
import type { MigrationEngine } from './engine.js';
import { type EngineStatement, runStatements } from './sql-for-engine.js';

/**
 * Electronic invoices (Factur-X EN 16931, French reform of 2026): the provider's option for paying
 * VAT on debits, the CII XML of each invoice kept as issued beside its PDF (both immutable), the
 * e-mail deliveries of invoices (same claim rows as report deliveries: one sender per claim across
 * collectors) and payments made immutable, since they are what payment e-reporting is built from.
 */
const STATEMENTS: (string | EngineStatement)[] = [
  `ALTER TABLE billing_settings ADD COLUMN vat_on_debits INTEGER NOT NULL DEFAULT 0 CHECK (vat_on_debits IN (0, 1))`,
  `CREATE TABLE invoice_xml (
     invoice_id INTEGER PRIMARY KEY REFERENCES invoices(id),
     xml TEXT NOT NULL,
     sha256 TEXT NOT NULL,
     created_at INTEGER NOT NULL)`,
  ...immutableTable('invoice_xml', 'VIGIE_IMMUTABLE: an issued invoice cannot be changed', 'VIGIE_IMMUTABLE: an issued invoice cannot be deleted'),
  `CREATE TABLE invoice_deliveries (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     invoice_id INTEGER NOT NULL REFERENCES invoices(id),
     claim TEXT NOT NULL UNIQUE,
     kind TEXT NOT NULL CHECK (kind IN ('scheduled', 'resend')),
     status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'skipped')),
     worker TEXT NOT NULL,
     lease_until INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     recipients TEXT NOT NULL DEFAULT '[]',
     revision INTEGER,
     message_id TEXT,
     error TEXT,
     job_id INTEGER,
     requested_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     sent_at INTEGER)`,
  `CREATE INDEX invoice_deliveries_invoice ON invoice_deliveries (invoice_id)`,
  `CREATE INDEX invoice_deliveries_retry ON invoice_deliveries (status, updated_at)`,
  ...immutableTable('payments', 'VIGIE_IMMUTABLE: a recorded payment cannot be changed', 'VIGIE_IMMUTABLE: a recorded payment cannot be deleted'),
  `CREATE INDEX payments_paid_on ON payments (paid_on)`,
];

export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, STATEMENTS);
}
