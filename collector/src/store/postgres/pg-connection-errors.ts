import type pg from 'pg';

/**
 * A connection the server closes (a restart, an administrator, an outage) emits 'error' on its
 * client, idle or lent out. pg-pool listens only while the client is idle, Kysely and our own
 * transactions never: without a listener Node exits, and every collector on the database died with
 * one PostgreSQL restart. Every client of `pool` gets one listener from its connection on, which
 * calls `onError` once per lost connection; the work running on it fails with the error and the pool
 * drops it.
 */
export function watchConnectionErrors(pool: pg.Pool, onError: (err: Error) => void): void {
  pool.on('connect', (client) => {
    client.on('error', onError);
  });
  // pg-pool also passes an idle client's error on to the pool: the client's listener told it already.
  pool.on('error', toldByTheClientListener);
}

function toldByTheClientListener(): void {}
