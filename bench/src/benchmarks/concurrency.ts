import { parseArgs } from 'node:util';
import { startCollectorProcess } from '../collector-process.js';
import { loadSummary, runLoad } from '../load/run-load.js';
import { ProcMonitor } from '../proc-stats.js';
import { printTable, type Row, writeResult } from '../report.js';

/**
 * Concurrency: many agents holding their WebSocket open and sending one metrics frame per
 * interval. Each scenario gets a fresh collector process; its CPU and RSS are read from /proc during
 * the measured phase. Simulated agents are spread over several load-generator processes (each
 * process may hold 20,000 open files on this machine).
 */
export async function run(argv: string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      // agents@interval[xworkers]: 20,000 connections exceed one process's 20,000 open files, so that
      // scenario runs the collector in cluster mode with two worker processes.
      scenarios: { type: 'string', default: '1000@10,5000@10,10000@10,20000@30x2' },
      values: { type: 'string', default: '40' },
      software: { type: 'string', default: '300' },
      intervals: { type: 'string', default: '6' },
      'connect-rate': { type: 'string', default: '1000' },
      workers: { type: 'string', default: '1' },
    },
  });
  const scenarios = a.scenarios.split(',').map((s) => {
    const m = /^(\d+)@(\d+)(?:x(\d+))?$/.exec(s.trim());
    if (!m) throw new Error(`scenario ${s}: expected agents@interval[xworkers]`);
    return { agents: Number(m[1]), intervalSec: Number(m[2]), workers: Number(m[3] ?? a.workers) };
  });
  const rows: Row[] = [];
  const results: unknown[] = [];
  for (const sc of scenarios) {
    const workers = sc.workers;
    const collector = await startCollectorProcess({
      agents: sc.agents,
      metricsIntervalSec: sc.intervalSec,
      extraArgs: workers > 1 ? ['--workers', String(workers)] : [],
    });
    let monitor: ProcMonitor | undefined;
    const idle = new ProcMonitor(collector.pid);
    await new Promise((r) => setTimeout(r, 1000));
    const idleStats = idle.stop();
    try {
      const durationMs = Number(a.intervals) * sc.intervalSec * 1000;
      console.log(`\n${sc.agents} agents, one frame every ${sc.intervalSec} s, measured for ${durationMs / 1000} s…`);
      const r = await runLoad({
        url: collector.url,
        token: collector.token,
        agents: sc.agents,
        processes: Math.max(2, Math.ceil(sc.agents / 5000)),
        intervalMs: sc.intervalSec * 1000,
        jitter: 0.1,
        valuesPerFrame: Number(a.values),
        software: Number(a.software),
        window: 8,
        durationMs,
        graceMs: 15_000,
        connectRatePerSec: Number(a['connect-rate']),
        onReady: () => {
          monitor = new ProcMonitor(collector.pid);
        },
        onTick: (c, ms) => console.log(`  ${Math.round(ms / 1000)} s: ${c.connected} connected, ${c.framesAcked} frames acked, ${c.unacked} in flight`),
      });
      const p = monitor!.stop();
      const row: Row = {
        agents: sc.agents,
        'interval s': sc.intervalSec,
        'collector processes': workers > 1 ? `${workers} workers` : 1,
        connected: r.connected,
        'frames/s': r.framesPerSec,
        'values/s': Math.round(r.valuesPerSec),
        'ack p50 ms': r.ackLatencyMs.p50,
        'ack p99 ms': r.ackLatencyMs.p99,
        'ack max ms': r.ackLatencyMs.max,
        'all acked': r.allAcked,
        'collector CPU %': p.cpuPct,
        'RSS idle MB': idleStats.rssMaxMB,
        'RSS median MB': p.rssMedianMB,
        'RSS max MB': p.rssMaxMB,
        'enroll s': r.enrollSeconds,
        'connect s': r.connectSeconds,
        errors: Object.entries(r.errors)
          .map(([k, v]) => `${k}:${v}`)
          .join(' '),
      };
      rows.push(row);
      results.push({ scenario: sc, load: loadSummary(r), collector: p, collectorIdle: idleStats });
      printTable('Scenario', [row]);
      writeResult('concurrency', { options: a, results, complete: false });
    } finally {
      await collector.stop();
    }
  }
  printTable('Concurrency (targets: 10,000 at 10 s with RSS < 512 MB and p99 < 250 ms; 20,000 at 30 s all acked)', rows);
  console.log(`results: ${writeResult('concurrency', { options: a, results, complete: true })}`);
}
