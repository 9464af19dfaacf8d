import cluster, { type Worker } from 'node:cluster';
import { join } from 'node:path';
import type { CollectorConfig } from '../config.js';
import { Database } from '../store/database.js';
import { describeStoreCheck, inspectWalBeforeOpen, RunMarker } from '../store/integrity.js';
import { openMetricStore } from '../store/open-metric-store.js';
import { assertServableOn, databaseTargetOf } from '../store/open-relational-store.js';
import { ensurePrivateDir } from '../store/private-files.js';
import { isRelayMessage } from './bus.js';

/**
 * Cluster mode: the primary prepares the store, then forks worker processes that each run a full
 * collector on the shared port (the primary hands each accepted connection to a worker). Each worker
 * has its own open-file limit and its own core; they share the SQLite file (WAL, one writer at a
 * time) and tell each other about agent connections through the primary.
 */
export async function runPrimary(config: CollectorConfig, workers: number, log: (msg: string) => void): Promise<void> {
  assertServableOn(databaseTargetOf(config));
  const dbPath = config.dbPath ?? join(config.dataDir, 'vigie.db');
  ensurePrivateDir(config.dataDir);
  // Opening the store replays its write-ahead log: say first what that replay will drop (the workers
  // check the rest once they find their marker).
  if (Array.from({ length: workers }, (_, i) => new RunMarker(dbPath, i + 1)).some((m) => m.foundAtStart)) {
    const wal = inspectWalBeforeOpen(dbPath);
    if (wal) log(`store check after an unclean stop: ${describeStoreCheck({ unclean: true, wal, problems: [], damagedTables: [], ms: 0 })}`);
  }
  const db = new Database({ path: dbPath, synchronous: config.synchronous });
  await db.migrate();
  // Tables (SQLite) or database, retention policies and continuous queries (InfluxDB), once before the workers start.
  await (await openMetricStore(db, config.metrics, config.retention, 1, log)).close();
  await db.close();

  let stopping = false;
  const live = new Set<Worker>();
  const fork = (id: number) => {
    const w = cluster.fork({ VIGIE_WORKER_ID: String(id) });
    live.add(w);
    w.on('message', (m: unknown) => {
      if (isRelayMessage(m)) for (const other of live) other.send(m);
    });
    w.on('exit', (code, signal) => {
      live.delete(w);
      if (!stopping) {
        log(`worker ${id} exited (${signal ?? code}); restarting it`);
        setTimeout(() => fork(id), 1000);
      }
    });
  };
  for (let i = 1; i <= workers; i++) fork(i);
  const stop = () => {
    stopping = true;
    for (const w of live) w.process.kill('SIGTERM');
    const done = setInterval(() => {
      if (live.size === 0) {
        clearInterval(done);
        process.exit(0);
      }
    }, 100);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  log(`vigie collector primary: ${workers} workers on ${config.host}:${config.port}`);
}
