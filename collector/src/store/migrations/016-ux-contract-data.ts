import type { Kysely } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/**
 * Contracts carry their data (issue 18, points 7 and 11): each grid's Syntec index of reference
 * with its publication date, and the provider's logo printed on reports.
 */
const STATEMENTS = [
  'ALTER TABLE price_grids ADD COLUMN syntec_index_date TEXT',
  // Revised grids took the last index entered before them; the contract's example reference is of 31/10/2019.
  `UPDATE price_grids SET syntec_index_date = (SELECT s.published_on FROM syntec_indices s
     WHERE CAST(s.value AS REAL) = CAST(price_grids.syntec_index AS REAL) AND s.published_on <= price_grids.valid_from ORDER BY s.published_on DESC LIMIT 1)`,
  "UPDATE price_grids SET syntec_index_date = '2019-10-31' WHERE syntec_index_date IS NULL AND CAST(syntec_index AS REAL) = 274.7",
  'ALTER TABLE billing_settings ADD COLUMN logo BLOB',
  'ALTER TABLE billing_settings ADD COLUMN logo_type TEXT',
  'ALTER TABLE billing_settings ADD COLUMN logo_updated_at INTEGER',
];

export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, STATEMENTS);
}
