import type { Kysely } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/**
 * Site role (issue 8): devices without an agent, watched by a site agent (SNMP), keyed within their
 * site; and the network-flow aggregates that agent sends — per-minute detail kept 30 days, hourly
 * merged summaries kept at least two years.
 */
const STATEMENTS = [
  'ALTER TABLE devices ADD COLUMN external_key TEXT',
  'ALTER TABLE devices ADD COLUMN site_data TEXT',
  'CREATE UNIQUE INDEX devices_external_key ON devices (site_id, external_key) WHERE external_key IS NOT NULL',
  `CREATE TABLE flow_buckets (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
     reporter_device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
     exporter TEXT NOT NULL,
     start INTEGER NOT NULL,
     "end" INTEGER NOT NULL,
     bytes INTEGER NOT NULL,
     packets INTEGER NOT NULL,
     flows INTEGER NOT NULL,
     summary TEXT NOT NULL,
     received_at INTEGER NOT NULL)`,
  'CREATE INDEX flow_buckets_site_start ON flow_buckets (site_id, start)',
  `CREATE TABLE flow_hourly (
     site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
     hour INTEGER NOT NULL,
     bytes INTEGER NOT NULL,
     packets INTEGER NOT NULL,
     flows INTEGER NOT NULL,
     summary TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (site_id, hour))`,
];

export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, STATEMENTS);
}
