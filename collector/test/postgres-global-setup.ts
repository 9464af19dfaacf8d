/**
 * `VIGIE_TEST_DATABASE=postgres`: the collector test files run against PostgreSQL instead of a
 * SQLite file. One private cluster (Debian's `postgresql`, testkit's startPostgres) per vitest run,
 * started here; each collector the tests start gets a fresh database in it (test-database.ts).
 * Without the variable nothing is started and the tests use SQLite as always.
 */
import { type Postgres, startPostgres } from '@vigie/testkit';
import type { TestProject } from 'vitest/node';
// What it provides is declared with its reader, test-database.ts (ProvidedContext).

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const engine = process.env.VIGIE_TEST_DATABASE ?? 'sqlite';
  if (engine !== 'postgres' && engine !== 'sqlite') throw new Error(`VIGIE_TEST_DATABASE must be sqlite or postgres, not ${JSON.stringify(engine)}`);
  if (engine === 'sqlite') {
    project.provide('vigieTestPostgres', '');
    return undefined;
  }
  // Every collector holds a pool of up to 10 (relational) + 8 (metrics) connections; files run in parallel.
  const postgres: Postgres = await startPostgres({ fast: true, maxConnections: 400 });
  project.provide('vigieTestPostgres', postgres.url(''));
  return () => postgres.stop();
}
