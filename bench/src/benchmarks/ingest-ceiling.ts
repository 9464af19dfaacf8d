import { parseArgs } from 'node:util';
import { startCollectorProcess } from '../collector-process.js';
import { runLoad } from '../load/run-load.js';
import { ProcMonitor } from '../proc-stats.js';
import { median, printTable, writeResult } from '../report.js';
import { rawInsertRate } from './raw-sqlite-baseline.js';

/**
 * Ingest ceiling ratio: end-to-end values/s (frames → validated → committed → acked, real
 * WebSockets, a real collector process) against the raw better-sqlite3 insert of the same rows in
 * the same schema, measured in the same run (baseline before and after, median taken).
 */
export async function run(argv: string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      agents: { type: 'string', default: '8' },
      values: { type: 'string', default: '1000' },
      window: { type: 'string', default: '16' },
      duration: { type: 'string', default: '20' },
      runs: { type: 'string', default: '3' },
      sync: { type: 'string', default: 'full' },
    },
  });
  const agents = Number(a.agents);
  const valuesPerFrame = Number(a.values);
  const runs = Number(a.runs);
  const synchronous = a.sync === 'normal' ? 'NORMAL' : 'FULL';
  // One commit per event-loop turn carries about one frame per agent: the baseline commits that many frames at a time.
  const baseline = () => rawInsertRate({ devices: agents, valuesPerFrame, rows: 3_000_000, framesPerTx: agents, synchronous }).rowsPerSec;

  const raw: number[] = [baseline()];
  const e2e: { valuesPerSec: number; p50: number; p99: number; cpu: number; rss: number; allAcked: boolean }[] = [];
  for (let i = 0; i < runs; i++) {
    const collector = await startCollectorProcess({ agents, extraArgs: a.sync === 'normal' ? ['--sync', 'normal'] : [] });
    let monitor: ProcMonitor | undefined;
    try {
      const r = await runLoad({
        url: collector.url,
        token: collector.token,
        agents,
        processes: 1,
        intervalMs: 0,
        jitter: 0,
        valuesPerFrame,
        software: 50,
        window: Number(a.window),
        durationMs: Number(a.duration) * 1000,
        graceMs: 10_000,
        connectRatePerSec: 100,
        onReady: () => {
          monitor = new ProcMonitor(collector.pid, 500);
        },
      });
      const p = monitor!.stop();
      e2e.push({ valuesPerSec: r.valuesPerSec, p50: r.ackLatencyMs.p50, p99: r.ackLatencyMs.p99, cpu: p.cpuPct, rss: p.rssMaxMB, allAcked: r.allAcked });
    } finally {
      await collector.stop();
    }
    raw.push(baseline());
  }
  const rawMedian = median(raw);
  const e2eMedian = median(e2e.map((r) => r.valuesPerSec));
  const ratio = e2eMedian / rawMedian;
  printTable(
    'Raw better-sqlite3 insert, same rows and schema (rows/s)',
    raw.map((r, i) => ({ run: i + 1, 'rows/s': Math.round(r) })),
  );
  printTable(
    `End to end: ${agents} agents × ${valuesPerFrame} values/frame, ${a.window} frames in flight each, synchronous=${synchronous}`,
    e2e.map((r, i) => ({
      run: i + 1,
      'values/s': Math.round(r.valuesPerSec),
      'ack p50 ms': r.p50,
      'ack p99 ms': r.p99,
      'collector CPU %': r.cpu,
      'collector RSS MB': r.rss,
      'all acked': r.allAcked,
    })),
  );
  printTable('Ingest ceiling ratio (medians)', [
    { 'raw rows/s': Math.round(rawMedian), 'end-to-end values/s': Math.round(e2eMedian), ratio: Number(ratio.toFixed(3)), target: '≥ 0.5', met: ratio >= 0.5 },
  ]);
  console.log(`results: ${writeResult('ingest-ceiling', { options: a, raw, e2e, rawMedian, e2eMedian, ratio })}`);
}
