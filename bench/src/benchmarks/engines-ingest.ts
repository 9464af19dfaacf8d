import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type Postgres, startPostgres } from '@vigie/testkit';
import { type PeerCollector, startCollectorProcess, startPeerCollector } from '../collector-process.js';
import { runLoad } from '../load/run-load.js';
import { ProcMonitor } from '../proc-stats.js';
import { median, printTable, writeResult } from '../report.js';
import { rawPgInsertRate } from './raw-postgres-baseline.js';
import { rawInsertRate } from './raw-sqlite-baseline.js';

interface EndToEnd {
  valuesPerSec: number;
  p50: number;
  p99: number;
  cpu: number;
  rss: number;
  allAcked: boolean;
}

/** One baseline round: rows/s at each batch size (frames per commit); the ceiling is the best of them. */
type Baseline = Record<number, number>;

interface EngineResult {
  engine: string;
  raw: Baseline[];
  e2e: EndToEnd[];
  rawMedian: number;
  e2eMedian: number;
  ratio: number;
}

/**
 * Ingest through the collector on each engine, side by side in one run, each as a ratio of that
 * engine's raw insert ceiling measured in the same run (before and after each round, the best of
 * two batch sizes each time, median taken):
 * - `sqlite`: everything in the collector's file, synchronous=FULL; ceiling: better-sqlite3's
 *   batched prepared INSERT in a transaction.
 * - `postgres`: the collector runs on PostgreSQL 15 (`serve --database postgres://…`, fsync on): the
 *   relational store (agents' seqs, inventory, checks…) and the metrics in one database, each batch
 *   of frames committed in one PostgreSQL transaction (PgIngestWriter); ceiling: the store's
 *   multi-row unnest INSERT into the same partitioned table, one commit per batch.
 * - `postgres-2`: two collector processes on that one PostgreSQL database, half the agents each.
 * - `postgres-metrics` (not in the default list): the earlier arrangement, metrics only in
 *   PostgreSQL (`--metrics`), the relational commit on the SQLite file.
 * End to end is frames → validated → stored → committed → acked, over real WebSockets to real
 * collector processes.
 */
export async function run(argv: string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      agents: { type: 'string', default: '8' },
      values: { type: 'string', default: '1000' },
      window: { type: 'string', default: '16' },
      duration: { type: 'string', default: '15' },
      runs: { type: 'string', default: '3' },
      rows: { type: 'string', default: '800000' },
      engines: { type: 'string', default: 'sqlite,postgres,postgres-2' },
    },
  });
  const agents = Number(a.agents);
  const valuesPerFrame = Number(a.values);
  const runs = Number(a.runs);
  const rows = Number(a.rows);
  const engines = a.engines!.split(',');
  /** With several collectors (`urls`), one load process per collector, each with its share of the agents. */
  const load = (urls: string[], token: string, onReady: () => void) =>
    runLoad({
      url: urls[0]!,
      ...(urls.length > 1 ? { urls, enrollUrl: urls[0]! } : {}),
      token,
      agents,
      processes: urls.length,
      intervalMs: 0,
      jitter: 0,
      valuesPerFrame,
      software: 50,
      window: Number(a.window),
      durationMs: Number(a.duration) * 1000,
      graceMs: 10_000,
      connectRatePerSec: 100,
      onReady,
    });

  /**
   * Frames per commit of the baselines: one per agent (what one event-loop turn of the collector
   * carries) and four per agent (what accumulates while a slow commit is awaited, as on PostgreSQL,
   * where the collector's own batches grow that way). The ceiling is the faster of the two.
   */
  const batchSizes = [agents, 4 * agents];
  const ceiling = (b: Baseline) => Math.max(...Object.values(b));

  /**
   * One engine: baseline, then (collector run, baseline) × runs; `collectors` processes share the
   * store, a fresh one each run (`store`: a PostgreSQL database for `--database`, or environment).
   */
  async function measure(
    engine: string,
    rate: (framesPerTx: number) => Promise<number>,
    store: () => Promise<{ database?: string; env?: Record<string, string> }>,
    collectors = 1,
  ): Promise<EngineResult> {
    const baseline = async () => {
      const b: Baseline = {};
      for (const n of batchSizes) b[n] = await rate(n);
      return b;
    };
    const raw = [await baseline()];
    const e2e: EndToEnd[] = [];
    for (let i = 0; i < runs; i++) {
      // One commit per event-loop turn carries about one frame per agent: the baselines commit that many frames at a time.
      const { database, env = {} } = await store();
      const collector = await startCollectorProcess({ agents, env, ...(database ? { database } : {}) });
      const peers: PeerCollector[] = [];
      let monitors: ProcMonitor[] = [];
      try {
        for (let c = 1; c < collectors; c++) peers.push(await startPeerCollector(collector, { env }));
        const r = await load([collector.url, ...peers.map((p) => p.url)], collector.token, () => {
          monitors = [collector.pid, ...peers.map((p) => p.pid)].map((pid) => new ProcMonitor(pid, 500));
        });
        const ps = monitors.map((m) => m.stop());
        // CPU and RSS of all the collectors together.
        const cpu = ps.reduce((t, p) => t + p.cpuPct, 0);
        const rss = ps.reduce((t, p) => t + p.rssMaxMB, 0);
        e2e.push({ valuesPerSec: r.valuesPerSec, p50: r.ackLatencyMs.p50, p99: r.ackLatencyMs.p99, cpu, rss, allAcked: r.allAcked });
      } finally {
        for (const p of peers) await p.stop();
        await collector.stop();
      }
      raw.push(await baseline());
    }
    const rawMedian = median(raw.map(ceiling));
    const e2eMedian = median(e2e.map((r) => r.valuesPerSec));
    return { engine, raw, e2e, rawMedian, e2eMedian, ratio: e2eMedian / rawMedian };
  }

  const results: EngineResult[] = [];
  if (engines.includes('sqlite')) {
    results.push(
      await measure(
        'SQLite',
        async (framesPerTx) => rawInsertRate({ devices: agents, valuesPerFrame, rows, framesPerTx, synchronous: 'FULL' }).rowsPerSec,
        async () => ({}),
      ),
    );
  }
  let postgres: Postgres | undefined;
  const unknown = engines.filter((e) => e !== 'sqlite' && e !== 'postgres-metrics' && !/^postgres(-\d+)?$/.test(e));
  if (unknown.length > 0) throw new Error(`--engines: unknown ${unknown.join(', ')} (sqlite, postgres, postgres-<n>, postgres-metrics)`);
  const pgEngines = engines.filter((e) => e.startsWith('postgres'));
  if (pgEngines.length > 0) {
    postgres = await startPostgres();
    try {
      let db = 0;
      const pg = postgres;
      const rawRate = async (framesPerTx: number) =>
        (await rawPgInsertRate(await pg.createDatabase(`bench_raw_${++db}`), { devices: agents, valuesPerFrame, rows, framesPerTx })).rowsPerSec;
      for (const e of pgEngines) {
        if (e === 'postgres-metrics') {
          // Metrics only: the samples in PostgreSQL, the relational commit on the collector's SQLite file.
          results.push(
            await measure('PostgreSQL metrics, SQLite relational', rawRate, async () => ({
              env: { VIGIE_METRICS_URL: await pg.createDatabase(`bench_e2e_${++db}`) },
            })),
          );
          continue;
        }
        // `postgres-2`: two collector processes on one PostgreSQL database (relational store and metrics).
        const collectors = Number(/-(\d+)$/.exec(e)?.[1] ?? 1);
        results.push(
          await measure(
            collectors > 1 ? `PostgreSQL, ${collectors} collectors` : 'PostgreSQL',
            rawRate,
            async () => ({ database: await pg.createDatabase(`bench_e2e_${++db}`) }),
            collectors,
          ),
        );
      }
    } finally {
      await postgres.stop();
    }
  }

  for (const r of results) {
    printTable(
      `${r.engine}: raw insert ceiling, same rows (rows/s)`,
      r.raw.map((x, i) => ({
        run: i + 1,
        ...Object.fromEntries(Object.entries(x).map(([n, v]) => [`rows/s, ${Number(n) * valuesPerFrame} rows a commit`, Math.round(v)])),
      })),
    );
    printTable(
      `${r.engine}: through the collector, ${agents} agents × ${valuesPerFrame} values/frame, ${a.window} frames in flight each`,
      r.e2e.map((x, i) => ({
        run: i + 1,
        'values/s': Math.round(x.valuesPerSec),
        'ack p50 ms': x.p50,
        'ack p99 ms': x.p99,
        'collector CPU %': x.cpu,
        'collector RSS MB': x.rss,
        'all acked': x.allAcked,
      })),
    );
  }
  printTable(
    'Ingest per engine, each against its own ceiling (medians)',
    results.map((r) => ({
      engine: r.engine,
      'raw ceiling rows/s': Math.round(r.rawMedian),
      'through the collector values/s': Math.round(r.e2eMedian),
      ratio: Number(r.ratio.toFixed(3)),
      'all acked': r.e2e.every((x) => x.allAcked),
    })),
  );
  console.log(
    `load average (1, 5, 15 min): ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')} on ${cpus().length} cores`,
  );
  console.log(`results: ${writeResult('engines-ingest', { options: a, results, loadavg: loadavg() })}`);
}
