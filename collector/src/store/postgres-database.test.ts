import { type Postgres, startPostgres, waitFor } from '@vigie/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresDatabase } from './postgres-database.js';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres({ fast: true });
}, 60_000);
afterAll(async () => postgres?.stop());

it('survives the server closing its idle connections (an administrator, a restart): noticed, counted, the next query reconnects', async () => {
  const db = new PostgresDatabase({ url: await postgres.createDatabase('idle_lost'), maxConnections: 4 });
  const lost: string[] = [];
  db.onIdleError = (err) => lost.push(err.message);
  try {
    await db.migrate();
    // Four queries at once leave four idle connections in the pool.
    await Promise.all([1, 2, 3, 4].map(() => sql`SELECT pg_sleep(0.05)`.execute(db.kysely)));
    expect(db.pool.idleCount).toBe(4);
    // Without a listener on the pool, the first closed idle connection was an uncaught 'error' event:
    // the collector process exited (every collector of a cluster, on one PostgreSQL restart).
    postgres.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'vigie-collector'", 'idle_lost');
    await waitFor('the pool noticed its connections were closed', async () => db.idleConnectionErrors === 4, 10_000, 50);
    expect(lost).toHaveLength(4);
    expect(lost[0]).toMatch(/terminating connection due to administrator command/);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM clients`.execute(db.kysely);
    expect(rows).toEqual([{ n: 0 }]);
  } finally {
    await db.close();
  }
});
