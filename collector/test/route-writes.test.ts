import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, login, type Session, startHarness } from './harness.js';

/**
 * A route's write never lands inside another request's transaction. The collector has one SQLite
 * connection: a statement run on it while a transaction is open (another request awaiting between
 * two of its steps) becomes part of that transaction and is rolled back with it, after the API has
 * answered 201. Here a transaction is held open on the store of a real collector while a rule and a
 * maintenance window are created over HTTP, then rolled back: what the API acknowledged stays.
 */

let h: Harness;
let tech: Session;
/** Set by a test: the next request, once authenticated, waits until this opened its transaction. */
let holdNext: ((c: Harness['collector']) => Promise<void>) | undefined;
beforeAll(async () => {
  h = await startHarness({ rulesIntervalMs: 0 }, (c) =>
    c.app.addHook('preHandler', async () => {
      const hold = holdNext;
      holdNext = undefined;
      await hold?.(c);
    }),
  );
  tech = await login(h.url, 'tech@vigie.test');
});
afterAll(async () => h.close());

/**
 * Sends `request`; once the collector has authenticated it (its session read) and before its
 * handler runs, another transaction opens on the store, writes, and is held open until the request
 * answered (or for a second, if the request waits for the lock); then it is rolled back.
 */
async function duringAnotherTransaction<T>(request: () => Promise<T>): Promise<T> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let opened!: () => void;
  const isOpen = new Promise<void>((r) => (opened = r));
  let rolledBack!: Promise<void>;
  holdNext = async (c) => {
    rolledBack = c.db.kysely
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('clients').values({ name: 'Transaction annulée', created_at: Date.now() }).execute();
        opened();
        await released;
        throw new Error('rolled back by the test');
      })
      .catch((err: Error) => {
        if (err.message !== 'rolled back by the test') throw err;
      });
    await isOpen;
  };
  const pending = request();
  await isOpen;
  await Promise.race([pending, new Promise((r) => setTimeout(r, 1000))]);
  release();
  await rolledBack;
  return pending;
}

describe('writes through the store’s transactions', () => {
  it('a rule created while another request’s transaction is rolled back is kept', async () => {
    const r = await duringAnotherTransaction(() =>
      tech.post('/api/v1/rules', {
        name: 'Mémoire saturée',
        type: 'threshold',
        severity: 'warning',
        params: { metric: 'mem.used_pct', op: '>', value: 95, forSec: 600 },
      }),
    );
    expect(r.status).toBe(201);
    const rules = (await tech.get('/api/v1/rules')).body.rules as { id: number; name: string }[];
    expect(rules.find((x) => x.id === r.body.id)).toMatchObject({ name: 'Mémoire saturée' });
    expect((await tech.get('/api/v1/clients')).body.clients.map((c: { name: string }) => c.name)).not.toContain('Transaction annulée');
  });

  it('a maintenance window created, then deleted, while other transactions are rolled back, is created, then deleted', async () => {
    const w = await duringAnotherTransaction(() =>
      tech.post('/api/v1/maintenance-windows', { scope: 'site', scopeId: h.acme.siteId, startsAt: Date.now(), endsAt: Date.now() + 3_600_000, reason: 'Baie' }),
    );
    expect(w.status).toBe(201);
    expect((await tech.get('/api/v1/maintenance-windows')).body.windows.map((x: { id: number }) => x.id)).toContain(w.body.id);
    const deleted = await duringAnotherTransaction(async () => {
      const r = await fetch(`${h.url}/api/v1/maintenance-windows/${w.body.id}`, {
        method: 'DELETE',
        headers: { cookie: tech.cookie, 'x-csrf-token': tech.csrf },
      });
      return r.status;
    });
    expect(deleted).toBe(200);
    expect((await tech.get('/api/v1/maintenance-windows')).body.windows.map((x: { id: number }) => x.id)).not.toContain(w.body.id);
  });
});
