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
      /** `postgres`: the samples go to a PostgreSQL started here (`--metrics postgres://…`), the SQLite file keeps the rest. */
      metrics: { type: 'string', default: 'sqlite' },
    },
  });
  const agents = Number(a.agents);
  const collectors = Number(a.collectors);
  const intervalSec = Number(a.interval);
  const perSim = 5000;
  const sims = collectors * Math.max(1, Math.ceil(agents / collectors / perSim));
  if (a.metrics !== 'sqlite' && a.metrics !== 'postgres') throw new Error(`--metrics ${a.metrics}: sqlite or postgres`);
  let postgres: Postgres | undefined;
  let env: Record<string, string> = {};
  if (a.metrics === 'postgres') {
    postgres = await startPostgres();
    env = { VIGIE_METRICS_URL: await postgres.createDatabase('vigie_fleet') };
  }
  const first = await startCollectorProcess({ agents, metricsIntervalSec: intervalSec, env }).catch(async (err: unknown) => {
    await postgres?.stop();
    throw err;
  });
  const peers: PeerCollector[] = [];
  const monitors: ProcMonitor[] = [];
  const load1: number[] = [];
  let loadSampler: NodeJS.Timeout | undefined;
  try {
    for (let i = 1; i < collectors; i++) peers.push(await startPeerCollector(first, { metricsIntervalSec: intervalSec, env }));
    const procs = [{ url: first.url, pid: first.pid }, ...peers.map((p) => ({ url: p.url, pid: p.pid }))];
    const urls = procs.map((p) => p.url);
    const sockets = new Map<string, number>();
    console.log(
      `fleet: ${agents} agents over ${collectors} collector processes (${sims} load processes), one frame every ${intervalSec} s, ${a.minutes} min, metrics in ${a.metrics}`,
    );
    const r = await runLoad({
      url: first.url,
      urls,
      enrollUrl: first.url,
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
      },
      onTick: (c, ms) => {
        if (ms % 60_000 < 5000) console.log(`  ${Math.round(ms / 1000)} s: ${c.connected} connected, ${c.framesAcked} frames acked, ${c.unacked} in flight`);
      },
    });
    clearInterval(loadSampler);
    const stats = monitors.map((m) => m.stop());
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
      });
    }
    printTable(`Fleet: ${agents} agents, one frame every ${intervalSec} s, ${collectors} collector processes on one store, metrics in ${a.metrics}`, rows);
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
      'load avg (1 min) median / max': load1.length ? `${percentile(load1, 50).toFixed(1)} / ${Math.max(...load1).toFixed(1)}` : '',
      errors: Object.entries(r.errors)
        .map(([k, v]) => `${k}:${v}`)
        .join(' '),
    };
    printTable('Fleet total (targets: every frame acknowledged; at most 20,000 sockets per process)', [total]);
    console.log(`results: ${writeResult('fleet', { options: a, load: loadSummary(r), perCollector: rows, total, collectors: stats, loadAverage1Min: load1 })}`);
  } finally {
    clearInterval(loadSampler);
    for (const p of peers) await p.stop();
    await first.stop();
    await postgres?.stop();
  }
}
