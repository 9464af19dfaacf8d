import type { Kysely } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/**
 * A site's devices by id: every agent's hello asks for its site's role holder (the site's first
 * enrolled agent, policies/service.ts). Without this index each hello read every device of the site:
 * with 100,000 agents in one site on PostgreSQL, 45 ms a hello on a quiet server and 375 ms under
 * load, and the fleet could not connect (bench fleet --database postgres).
 */
export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, ['CREATE INDEX devices_site ON devices (site_id, id)']);
}
