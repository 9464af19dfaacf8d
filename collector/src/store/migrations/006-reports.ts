import type { Kysely } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/**
 * Monthly activity reports (contract 3): the archive (one report per client and month, its frozen
 * data and the PDF as sent), who receives them, the jobs that generate and send them (their state
 * is what the dashboard shows), and one delivery row per sending. A delivery's `claim` is unique:
 * taking it is the lock that lets only one of several collectors on the same file send a report.
 */
const STATEMENTS = [
  `CREATE TABLE report_settings (
     client_id INTEGER PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
     recipients TEXT NOT NULL DEFAULT '[]',
     lang TEXT NOT NULL DEFAULT 'fr' CHECK (lang IN ('fr', 'en')),
     updated_at INTEGER NOT NULL)`,
  `CREATE TABLE reports (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
     month TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
     lang TEXT NOT NULL CHECK (lang IN ('fr', 'en')),
     data TEXT NOT NULL,
     pdf BLOB NOT NULL,
     sha256 TEXT NOT NULL,
     pages INTEGER NOT NULL,
     partial INTEGER NOT NULL,
     revision INTEGER NOT NULL DEFAULT 1,
     generated_at INTEGER NOT NULL,
     generated_by TEXT NOT NULL,
     generation_ms INTEGER NOT NULL,
     UNIQUE (client_id, month))`,
  `CREATE INDEX reports_month ON reports (month)`,
  `CREATE TABLE report_jobs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     claim TEXT UNIQUE,
     kind TEXT NOT NULL CHECK (kind IN ('scheduled', 'manual', 'cli', 'resend')),
     month TEXT NOT NULL,
     client_id INTEGER REFERENCES clients(id) ON DELETE CASCADE,
     report_id INTEGER REFERENCES reports(id) ON DELETE CASCADE,
     send INTEGER NOT NULL,
     regenerate INTEGER NOT NULL,
     lang TEXT CHECK (lang IS NULL OR lang IN ('fr', 'en')),
     status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'retrying', 'succeeded', 'failed')),
     attempt INTEGER NOT NULL DEFAULT 0,
     max_attempts INTEGER NOT NULL,
     next_attempt_at INTEGER,
     worker TEXT,
     lease_until INTEGER,
     total INTEGER NOT NULL DEFAULT 0,
     done INTEGER NOT NULL DEFAULT 0,
     failed INTEGER NOT NULL DEFAULT 0,
     results TEXT NOT NULL DEFAULT '[]',
     error TEXT,
     requested_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL,
     started_at INTEGER,
     updated_at INTEGER NOT NULL,
     finished_at INTEGER)`,
  `CREATE INDEX report_jobs_due ON report_jobs (status, next_attempt_at)`,
  `CREATE TABLE report_deliveries (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
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
     job_id INTEGER REFERENCES report_jobs(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     sent_at INTEGER)`,
  `CREATE INDEX report_deliveries_report ON report_deliveries (report_id)`,
];

export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, STATEMENTS);
}
