import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '@vigie/testkit';
import { Kysely, PostgresDialect } from 'kysely';
import pg_ from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../store/database.js';
import * as leaseMigration from '../store/migrations/017-cluster-leases.js';
import { watchConnectionErrors } from '../store/postgres/pg-connection-errors.js';
import type { DB } from '../store/schema.js';
import { ClusterLease } from './lease.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-lease-'));
const opened: Database[] = [];
afterAll(async () => {
  for (const db of opened) await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const log = { info: () => {}, warn: () => {}, error: (o: unknown) => console.error(o) } as never;

/** Two collectors: two connections to one SQLite file, as two processes would have. */
async function twoCollectors(name: string): Promise<[ClusterLease, ClusterLease, Database, Database]> {
  const path = join(dir, `${name}.db`);
  const a = new Database({ path });
  await a.migrate();
  const b = new Database({ path });
  opened.push(a, b);
  return [new ClusterLease(a, 'jobs', 'node-a', { ttlMs: 10_000, log }), new ClusterLease(b, 'jobs', 'node-b', { ttlMs: 10_000, log }), a, b];
}

describe('cluster lease in the database', () => {
  it('one holder at a time; the holder renews; another takes it only once it expired', async () => {
    const [a, b, db] = await twoCollectors('expiry');
    const t0 = 1_000_000;
    expect(await a.tryAcquire(t0)).toBe(true);
    expect(await b.tryAcquire(t0 + 1)).toBe(false);
    // Renewed by its holder before the expiry: still A's, with a later expiry.
    expect(await a.tryAcquire(t0 + 5000)).toBe(true);
    expect(await b.tryAcquire(t0 + 12_000)).toBe(false);
    const row = await db.kysely.selectFrom('cluster_leases').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: 'jobs', holder: 'node-a', expires_at: t0 + 15_000, acquired_at: t0 });
    // A stopped renewing (died): past its expiry, B takes it and A cannot take it back while B renews.
    expect(await b.tryAcquire(t0 + 15_001)).toBe(true);
    expect(await a.tryAcquire(t0 + 15_002)).toBe(false);
    const after = await db.kysely.selectFrom('cluster_leases').selectAll().executeTakeFirstOrThrow();
    expect(after).toMatchObject({ holder: 'node-b', expires_at: t0 + 25_001, acquired_at: t0 + 15_001 });
  });

  it('many attempts at the same moment from both: exactly one holder', async () => {
    const [a, b] = await twoCollectors('race');
    const now = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).tryAcquire(now)));
    const winners = new Set(results.map((held, i) => (held ? (i % 2 ? 'a' : 'b') : null)).filter(Boolean));
    expect(winners.size).toBe(1);
  });

  it('a collector that stops gives the lease back: the other takes it at once, not at the expiry', async () => {
    const [, b, dbA] = await twoCollectors('release');
    const changes: boolean[] = [];
    const a2 = new ClusterLease(dbA, 'jobs', 'node-a', { ttlMs: 60_000, log, onChange: (h) => changes.push(h) });
    await a2.start();
    expect(a2.held).toBe(true);
    expect(await b.tryAcquire(Date.now())).toBe(false);
    await a2.stop();
    expect(changes).toEqual([true, false]);
    expect(await b.tryAcquire(Date.now())).toBe(true);
  });
});

describe('the same lease statement on a real PostgreSQL', () => {
  it('one holder at a time, expiry and take-over, concurrent attempts', async () => {
    const pg = await startPostgres();
    const dbs: Kysely<DB>[] = [];
    const lostConnections: string[] = [];
    try {
      await pg.createDatabase('vigie_lease');
      const open = () => {
        const pool = new pg_.Pool({ connectionString: pg.url('vigie_lease'), max: 4 });
        // As the collector's pools: a connection the server closes (its stop below, racing the pool's
        // end) is told here, not left an uncaught 'error' that failed a whole CI run.
        watchConnectionErrors(pool, (err) => lostConnections.push(err.message));
        const k = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
        dbs.push(k);
        return k;
      };
      const first = open();
      await leaseMigration.up(first);
      const a = new ClusterLease({ kysely: first }, 'jobs', 'node-a', { ttlMs: 10_000, log });
      const b = new ClusterLease({ kysely: open() }, 'jobs', 'node-b', { ttlMs: 10_000, log });
      const t0 = 1_000_000;
      expect(await a.tryAcquire(t0)).toBe(true);
      expect(await b.tryAcquire(t0 + 1)).toBe(false);
      expect(await a.tryAcquire(t0 + 5000)).toBe(true);
      expect(await b.tryAcquire(t0 + 12_000)).toBe(false);
      expect(await b.tryAcquire(t0 + 15_001)).toBe(true);
      expect(await a.tryAcquire(t0 + 15_002)).toBe(false);
      const row = await first.selectFrom('cluster_leases').selectAll().executeTakeFirstOrThrow();
      expect({ ...row, expires_at: Number(row.expires_at), acquired_at: Number(row.acquired_at) }).toEqual({
        name: 'jobs',
        holder: 'node-b',
        expires_at: t0 + 25_001,
        acquired_at: t0 + 15_001,
      });
      // Many at once from both connections' pools: one winner.
      const now = t0 + 100_000;
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).tryAcquire(now)));
      expect(new Set(results.map((held, i) => (held ? i % 2 : null)).filter((w) => w !== null)).size).toBe(1);
    } finally {
      for (const k of dbs) await k.destroy();
      await pg.stop();
      if (lostConnections.length > 0) console.error(`connections closed by the server at the end: ${lostConnections.join('; ')}`);
    }
  }, 120_000);
});
