import { readdirSync, readlinkSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type Postgres, startPostgres } from '@vigie/testkit';
import { type PeerCollector, startCollectorProcess, startPeerCollector } from '../collector-process.js';
import { loadSummary, runLoad } from '../load/run-load.js';
import { ProcMonitor } from '../proc-stats.js';
import { percentile, printTable, type Row, writeResult } from '../report.js';

/** Open sockets of a process (each connected agent holds one), from /proc/<pid>/fd. */
function openSockets(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // closed while we listed
    }
  }
  return n;
}

/** One collector's counter from its Prometheus endpoint (each process serves its own figures). */
async function counter(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name}\\{worker="\\d+"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/** Waits until every collector has committed what it received (the fleet's inventories) and stays so for 3 s. */
async function collectorsIdle(urls: string[]): Promise<void> {
  let quietSince = 0;
  let last = '';
  for (;;) {
    const pending = await Promise.all(urls.map((u) => counter(u, 'vigie_ingest_pending_frames')));
    const committed = (await Promise.all(urls.map((u) => counter(u, 'vigie_ingest_frames_committed_total')))).join(',');
    if (pending.every((p) => p === 0) && committed === last) {
      quietSince ||= Date.now();
      if (Date.now() - quietSince >= 3000) return;
    } else quietSince = 0;
    last = committed;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * Where PostgreSQL's time goes while the fleet runs: pg_stat_statements (reset when the measured
 * minutes start) and the wait events of the collectors' active backends (client connections not
 * idle), sampled every 2 s (`CPU` where a backend waits on nothing). A sample that fails is counted
 * and reported, not fatal to the run.
 */
class PgProfile {
  private timer: NodeJS.Timeout | undefined;
  private readonly waits = new Map<string, number>();
  private samples = 0;
  private failedSamples = 0;
  private result: { statements: Row[]; waits: Row[] } | undefined;

  constructor(private readonly pg: Postgres) {}

  start(): void {
    this.pg.psql('SELECT pg_stat_statements_reset()', 'vigie_fleet');
    this.timer = setInterval(() => {
      let lines: string[];
      try {
        lines = this.pg.psql(
          `SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-'), count(*) FROM pg_stat_activity
            WHERE datname = 'vigie_fleet' AND backend_type = 'client backend' AND state <> 'idle' AND pid <> pg_backend_pid() GROUP BY 1`,
          'vigie_fleet',
        );
      } catch (err) {
        this.failedSamples++;
        console.error(`  PostgreSQL wait-event sample failed: ${(err as Error).message}`);
        return;
      }
      this.samples++;
      for (const line of lines) {
        const [event, n] = line.split('|');
        if (event) this.waits.set(event, (this.waits.get(event) ?? 0) + Number(n));
      }
    }, 2000);
  }

  stop(): { statements: Row[]; waits: Row[] } | undefined {
    if (!this.timer) return this.result;
    clearInterval(this.timer);
    this.timer = undefined;
    const statements = this.pg
      .psql(
        `SELECT calls, round(total_exec_time::numeric / 1000, 1), round(mean_exec_time::numeric, 2), rows,
                regexp_replace(left(query, 110), '\\s+', ' ', 'g')
           FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'vigie_fleet')
          ORDER BY total_exec_time DESC LIMIT 20`,
        'vigie_fleet',
      )
      .map((line) => {
        const [calls, totalS, meanMs, rows, ...query] = line.split('|');
        return { calls: Number(calls), 'total s': Number(totalS), 'mean ms': Number(meanMs), rows: Number(rows), statement: query.join('|') };
      });
    const waits = [...this.waits]
      .sort((x, y) => y[1] - x[1])
      .map(([event, n]) => ({ 'wait event': event, 'backends (mean)': Math.round((n / Math.max(1, this.samples)) * 10) / 10 }));
    if (this.failedSamples > 0) waits.push({ 'wait event': `(${this.failedSamples} samples failed)`, 'backends (mean)': Number.NaN });
    this.result = { statements, waits };
    return this.result;
  }
}

/**
 * A collector on PostgreSQL holds up to 10 connections for its relational store and 8 for its metric
 * store (postgres-database.ts, pg-metric-store.ts): the server allows that many per collector, and
 * some more for the set-up commands.
 */
const PG_CONNECTIONS_PER_COLLECTOR = 18;

/**
 * The bench's PostgreSQL: memory for a machine this size, and checkpoints spaced out (the default
 * max_wal_size of 1 GB forces one every few seconds at this rate); durability as in production,
 * fsync and synchronous_commit left on.
 */
const PG_BENCH_SETTINGS = ['shared_buffers=1GB', 'max_wal_size=8GB', 'checkpoint_timeout=15min', 'wal_buffers=64MB'];

/**
 * Fleet: many simulated agents spread over several collector processes on one store (each process
 * is a `serve` on its own port, as collectors of a scaled-out installation are; each may hold 20,000
 * open files on this machine). Reports, per collector process, its agents, its open sockets, its ack
 * latencies and its RSS; and for the fleet whether every frame was acknowledged.
 */
export async function run(argv: string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      agents: { type: 'string', default: '100000' },
      collectors: { type: 'string', default: '6' },
      interval: { type: 'string', default: '60' },
      minutes: { type: 'string', default: '5' },
      values: { type: 'string', default: '40' },
      // Inventories are sent once per connection: 100,000 × 300 packages would measure the connect phase, not the steady state.
      software: { type: 'string', default: '20' },
      'connect-rate': { type: 'string', default: '1000' },
      'sample-sec': { type: 'string', default: '5' },
      /** `postgres`: the collectors run on a PostgreSQL started here (`--database postgres://…`): relational store and metrics in one database. */
      database: { type: 'string', default: 'sqlite' },
      /** With the SQLite store, `postgres`: only the samples go to a PostgreSQL started here (`--metrics postgres://…`). */
      metrics: { type: 'string' },
      /** The collectors' `--rollup-interval` (default: 60 s with the metrics in SQLite, 300 s in PostgreSQL, as README Scaling out advises from tens of thousands of agents). */
      'rollup-interval': { type: 'string' },
      /** With PostgreSQL: where its time goes (pg_stat_statements' top statements, sampled wait events of active backends). */
      'pg-profile': { type: 'boolean', default: false },
    },
  });
  const agents = Number(a.agents);
  const collectors = Number(a.collectors);
  const intervalSec = Number(a.interval);
  const perSim = 5000;
  const sims = collectors * Math.max(1, Math.ceil(agents / collectors / perSim));
  if (a.database !== 'sqlite' && a.database !== 'postgres') throw new Error(`--database ${a.database}: sqlite or postgres`);
  const metricsIn = a.metrics ?? a.database;
  if (metricsIn !== 'sqlite' && metricsIn !== 'postgres') throw new Error(`--metrics ${metricsIn}: sqlite or postgres`);
  if (a.database === 'postgres' && metricsIn !== 'postgres') throw new Error('--database postgres keeps the metrics in the same PostgreSQL database');
  const rollupSec = Number(a['rollup-interval'] ?? (metricsIn === 'postgres' ? 300 : 60));
  if (!Number.isInteger(rollupSec) || rollupSec < 10) throw new Error(`--rollup-interval ${a['rollup-interval']}: whole seconds, at least 10`);
  const serveArgs = ['--rollup-interval', String(rollupSec)];
  const storeLabel = a.database === 'postgres' ? 'store and metrics in one PostgreSQL' : `SQLite store, metrics in ${metricsIn}`;
  // The server's settings as started, printed and recorded (profiling adds pg_stat_statements).
  const pgSettings = [...PG_BENCH_SETTINGS, ...(a['pg-profile'] ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all'] : [])];
  let postgres: Postgres | undefined;
  let env: Record<string, string> = {};
  let database: string | undefined;
  if (metricsIn === 'postgres') {
    postgres = await startPostgres({ maxConnections: PG_CONNECTIONS_PER_COLLECTOR * collectors + 40, settings: pgSettings });
    const url = await postgres.createDatabase('vigie_fleet');
    if (a['pg-profile']) postgres.psql('CREATE EXTENSION pg_stat_statements', 'vigie_fleet');
    if (a.database === 'postgres') database = url;
    else env = { VIGIE_METRICS_URL: url };
  }
  const first = await startCollectorProcess({ agents, metricsIntervalSec: intervalSec, env, extraArgs: serveArgs, ...(database ? { database } : {}) }).catch(
    async (err: unknown) => {
      await postgres?.stop();
      throw err;
    },
  );
  const peers: PeerCollector[] = [];
  const monitors: ProcMonitor[] = [];
  const load1: number[] = [];
  let loadSampler: NodeJS.Timeout | undefined;
  // PostgreSQL's server processes (postmaster and backends): their CPU (their RSS would count the shared buffers once per backend).
  let pgMonitor: ProcMonitor | undefined;
  const profile = a['pg-profile'] && postgres ? new PgProfile(postgres) : undefined;
  try {
    for (let i = 1; i < collectors; i++) peers.push(await startPeerCollector(first, { metricsIntervalSec: intervalSec, env, extraArgs: serveArgs }));
    const procs = [{ url: first.url, pid: first.pid }, ...peers.map((p) => ({ url: p.url, pid: p.pid }))];
    const urls = procs.map((p) => p.url);
    const sockets = new Map<string, number>();
    console.log(
      `fleet: ${agents} agents over ${collectors} collector processes (${sims} load processes), one frame every ${intervalSec} s, ${a.minutes} min, ${storeLabel}, rollups every ${rollupSec} s`,
    );
    if (postgres)
      console.log(`  PostgreSQL settings: ${pgSettings.join(' ')} (fsync and synchronous_commit on)${a['pg-profile'] ? '; psql sampling every 2 s' : ''}`);
    const r = await runLoad({
      url: first.url,
      urls,
      // Enrollment is set-up, not measured. On the SQLite file, through one collector: six taking turns on
      // the file's write lock for 100,000 enrollments wait on each other far longer. On PostgreSQL each
      // agent enrolls through its own collector (one Node process alone is the bottleneck there).
      ...(database ? {} : { enrollUrl: first.url }),
      token: first.token,
      agents,
      processes: sims,
      intervalMs: intervalSec * 1000,
      jitter: 0.1,
      valuesPerFrame: Number(a.values),
      software: Number(a.software),
      window: 8,
      durationMs: Number(a.minutes) * 60_000,
      graceMs: 30_000,
      connectRatePerSec: Number(a['connect-rate']),
      settle: () => collectorsIdle(urls),
      onReady: () => {
        for (const p of procs) {
          sockets.set(p.url, openSockets(p.pid));
          monitors.push(new ProcMonitor(p.pid, Number(a['sample-sec']) * 1000));
        }
        loadSampler = setInterval(() => load1.push(loadavg()[0]!), 5000);
        if (postgres) pgMonitor = new ProcMonitor(postgres.pid()!, Number(a['sample-sec']) * 1000);
        profile?.start();
      },
      onTick: (c, ms) => {
        if (ms % 60_000 < 5000) console.log(`  ${Math.round(ms / 1000)} s: ${c.connected} connected, ${c.framesAcked} frames acked, ${c.unacked} in flight`);
      },
    });
    clearInterval(loadSampler);
    const pgProfile = profile?.stop();
    const stats = monitors.map((m) => m.stop());
    const pgStats = pgMonitor?.stop();
    const rows: Row[] = [];
    for (const [i, p] of procs.entries()) {
      const mine = r.byUrl[p.url] ?? { connected: 0, ms: [] };
      rows.push({
        collector: i + 1,
        agents: mine.connected,
        'open sockets': sockets.get(p.url) ?? 0,
        'acks measured': mine.ms.length,
        'ack p50 ms': percentile(mine.ms, 50),
        'ack p99 ms': percentile(mine.ms, 99),
        'ack max ms': percentile(mine.ms, 100),
        'RSS peak MB': Math.round(stats[i]!.rssMaxMB),
        'RSS median MB': Math.round(stats[i]!.rssMedianMB),
        'CPU %': stats[i]!.cpuPct,
        'values stored': await counter(p.url, 'vigie_ingest_values_committed_total'),
        batches: await counter(p.url, 'vigie_ingest_batches_total'),
        'frames pending': await counter(p.url, 'vigie_ingest_pending_frames'),
      });
    }
    printTable(`Fleet: ${agents} agents, one frame every ${intervalSec} s, ${collectors} collector processes on one store (${storeLabel})`, rows);
    const total: Row = {
      agents,
      connected: r.connected,
      'frames sent': r.framesSent,
      'frames acked': r.framesAcked,
      'all acked': r.allAcked,
      'values/s': Math.round(r.valuesPerSec),
      'ack p50 ms': r.ackLatencyMs.p50,
      'ack p99 ms': r.ackLatencyMs.p99,
      'ack max ms': r.ackLatencyMs.max,
      'enroll s': r.enrollSeconds,
      'connect s': r.connectSeconds,
      'RSS sum of peaks MB': Math.round(stats.reduce((s, x) => s + x.rssMaxMB, 0)),
      ...(pgStats ? { 'PostgreSQL CPU %': Math.round(pgStats.cpuPct) } : {}),
      'load avg (1 min) median / max': load1.length ? `${percentile(load1, 50).toFixed(1)} / ${Math.max(...load1).toFixed(1)}` : '',
      errors: Object.entries(r.errors)
        .map(([k, v]) => `${k}:${v}`)
        .join(' '),
    };
    printTable('Fleet total (targets: every frame acknowledged; at most 20,000 sockets per process)', [total]);
    if (pgProfile) {
      printTable('PostgreSQL: top statements by total time during the measured minutes (pg_stat_statements)', pgProfile.statements);
      printTable('PostgreSQL: active backends by wait event, sampled every 2 s', pgProfile.waits);
    }
    console.log(
      `results: ${writeResult('fleet', {
        options: a,
        rollupIntervalSec: rollupSec,
        ...(postgres ? { postgresSettings: pgSettings } : {}),
        load: loadSummary(r),
        perCollector: rows,
        total,
        collectors: stats,
        ...(pgStats ? { postgres: pgStats } : {}),
        ...(pgProfile ? { postgresProfile: pgProfile } : {}),
        loadAverage1Min: load1,
      })}`,
    );
  } finally {
    clearInterval(loadSampler);
    profile?.stop();
    pgMonitor?.stop();
    for (const p of peers) await p.stop();
    await first.stop();
    await postgres?.stop();
  }
}
