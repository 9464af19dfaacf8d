// `npm run bench:load -- --agents 1000 --interval 10 ...`: the load generator on its own, against a
// collector given by --url/--token, or one it starts (--spawn).
import { parseArgs } from 'node:util';
import { startCollectorProcess } from '../collector-process.js';
import { ProcMonitor } from '../proc-stats.js';
import { printTable, writeResult } from '../report.js';
import { loadSummary, runLoad } from './run-load.js';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    spawn: { type: 'boolean', default: false },
    agents: { type: 'string', default: '200' },
    processes: { type: 'string', default: '2' },
    interval: { type: 'string', default: '10' },
    values: { type: 'string', default: '40' },
    software: { type: 'string', default: '300' },
    window: { type: 'string', default: '8' },
    duration: { type: 'string', default: '30' },
    'connect-rate': { type: 'string', default: '1000' },
    workers: { type: 'string', default: '1' },
  },
});

const agents = Number(a.agents);
const workers = Number(a.workers);
const collector = a.spawn || !a.url ? await startCollectorProcess({ agents, extraArgs: workers > 1 ? ['--workers', String(workers)] : [] }) : undefined;
const url = collector?.url ?? a.url!;
const token = collector?.token ?? a.token;
if (!token) throw new Error('--token is required with --url');
let monitor: ProcMonitor | undefined;
try {
  const report = await runLoad({
    url,
    token,
    agents,
    processes: Number(a.processes),
    intervalMs: Number(a.interval) * 1000,
    jitter: 0.1,
    valuesPerFrame: Number(a.values),
    software: Number(a.software),
    window: Number(a.window),
    durationMs: Number(a.duration) * 1000,
    graceMs: 10_000,
    connectRatePerSec: Number(a['connect-rate']),
    onReady: () => {
      if (collector) monitor = new ProcMonitor(collector.pid);
    },
    onTick: (c, ms) => console.log(`  ${Math.round(ms / 1000)} s: ${c.connected} connected, ${c.framesAcked} frames acked, ${c.unacked} in flight`),
  });
  const proc = monitor?.stop();
  printTable('Load generator', [
    {
      agents: report.agents,
      connected: report.connected,
      'frames/s': report.framesPerSec,
      'values/s': report.valuesPerSec,
      'ack p50 ms': report.ackLatencyMs.p50,
      'ack p99 ms': report.ackLatencyMs.p99,
      'ack max ms': report.ackLatencyMs.max,
      'all acked': report.allAcked,
      errors: Object.entries(report.errors)
        .map(([k, v]) => `${k}:${v}`)
        .join(' '),
      ...(proc ? { 'collector CPU %': proc.cpuPct, 'collector RSS MB': proc.rssMaxMB } : {}),
    },
  ]);
  console.log(`results: ${writeResult('load', { options: a, report: loadSummary(report), collector: proc ?? null })}`);
} finally {
  await collector?.stop();
}
