import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Postgres, startPostgres, waitFor } from '@vigie/testkit';
import { afterAll, beforeAll } from 'vitest';
import { Database } from './database.js';
import { PostgresDatabase } from './postgres-database.js';
import type { RelationalStore } from './relational-store.js';

/** A test file's two engines: a SQLite file per case and a real PostgreSQL database per case. */
export interface DualEngines {
  /** The file's temporary folder (SQLite files, keys…). */
  readonly dir: string;
  readonly pg: Postgres;
  /** A fresh SQLite file and a fresh PostgreSQL database (with a second pool: another collector), migrated. */
  stores(name: string): Promise<{ sqlite: [RelationalStore, RelationalStore]; postgres: [RelationalStore, RelationalStore] }>;
  /** Closes this store with the others after the file's tests. */
  track(store: { close(): Promise<void> }): void;
}

/**
 * Registers the hooks of a dual-engine test file (call it at the top level, before the file's own
 * `beforeAll`, which may then use `dir`): one private PostgreSQL cluster and one temporary folder for
 * the file, every store closed and the cluster stopped after it.
 */
export function dualEngines(prefix: string): DualEngines {
  let pg: Postgres | undefined;
  let dir: string | undefined;
  const opened: { close(): Promise<void> }[] = [];
  const pgNames: string[] = [];
  beforeAll(async () => {
    pg = await startPostgres({ fast: true });
    dir = mkdtempSync(join(tmpdir(), `vigie-${prefix}-engines-`));
  });
  afterAll(async () => {
    for (const s of opened) await s.close();
    if (pg) {
      const cluster = pg;
      // pg's pool.end() resolves before its connections closed: wait for the server to see them go.
      await waitFor(
        'the pools to disconnect',
        async () => cluster.psql(`SELECT count(*) FROM pg_stat_activity WHERE datname IN (${pgNames.map((n) => `'${n}'`).join(', ')})`)[0]?.trim() === '0',
        10_000,
        20,
      );
      await cluster.stop();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const started = () => {
    if (!pg || !dir) throw new Error('dualEngines: used before its beforeAll ran');
    return { pg, dir };
  };
  return {
    get dir() {
      return started().dir;
    },
    get pg() {
      return started().pg;
    },
    track: (store) => opened.push(store),
    async stores(name) {
      const { pg: cluster, dir: folder } = started();
      const sqlite = new Database({ path: join(folder, `${name}.db`) });
      await sqlite.migrate();
      pgNames.push(name);
      const url = await cluster.createDatabase(name);
      const postgres = new PostgresDatabase({ url, maxConnections: 5 });
      const twin = new PostgresDatabase({ url, maxConnections: 5 });
      await postgres.migrate();
      opened.push(sqlite, postgres, twin);
      return { sqlite: [sqlite, sqlite], postgres: [postgres, twin] };
    },
  };
}
