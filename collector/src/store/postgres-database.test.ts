import { type Postgres, startPostgres, waitFor } from '@vigie/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresDatabase } from './postgres-database.js';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres({ fast: true });
}, 60_000);
afterAll(async () => postgres?.stop());

const terminate = (database: string, where = "application_name = 'vigie-collector'") =>
  postgres.psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${where}`, database);

it('survives the server closing its idle connections (an administrator, a restart): noticed, counted, the next query reconnects', async () => {
  const db = new PostgresDatabase({ url: await postgres.createDatabase('idle_lost'), maxConnections: 4 });
  const lost: string[] = [];
  db.onConnectionError = (err) => lost.push(err.message);
  try {
    await db.migrate();
    // Four queries at once leave four idle connections in the pool.
    await Promise.all([1, 2, 3, 4].map(() => sql`SELECT pg_sleep(0.05)`.execute(db.kysely)));
    expect(db.pool.idleCount).toBe(4);
    // Without a listener, the first closed idle connection was an uncaught 'error' event: the
    // collector process exited (every collector of a cluster, on one PostgreSQL restart).
    terminate('idle_lost');
    await waitFor('the pool noticed its connections were closed', async () => db.connectionErrors === 4, 10_000, 50);
    expect(lost).toHaveLength(4);
    expect(lost[0]).toMatch(/terminating connection due to administrator command/);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM clients`.execute(db.kysely);
    expect(rows).toEqual([{ n: 0 }]);
  } finally {
    await db.close();
  }
});

it('survives losing a connection in use, in a query and in a transaction: that work fails with the error, the next succeeds', async () => {
  const db = new PostgresDatabase({ url: await postgres.createDatabase('busy_lost'), maxConnections: 4 });
  db.onConnectionError = () => undefined;
  try {
    await db.migrate();
    const query = sql`SELECT pg_sleep(5)`.execute(db.kysely);
    const transaction = db.kysely.transaction().execute(async (tx) => {
      await tx.insertInto('clients').values({ name: 'Perdu', created_at: 0 }).execute();
      await sql`SELECT pg_sleep(5)`.execute(tx);
    });
    const running = () => Number(postgres.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(5)%'", 'busy_lost')[0]);
    await waitFor('both are running', async () => running() === 2, 10_000, 50);
    terminate('busy_lost', "query LIKE 'SELECT pg_sleep(5)%'");
    await expect(query).rejects.toThrow(/terminating connection due to administrator command|Connection terminated/);
    await expect(transaction).rejects.toThrow(/terminating connection due to administrator command|Connection terminated/);
    await waitFor('both losses counted', async () => db.connectionErrors >= 2, 10_000, 50);
    // The transaction's insert did not survive; the store answers again.
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM clients`.execute(db.kysely);
    expect(rows).toEqual([{ n: 0 }]);
  } finally {
    await db.close();
  }
});
