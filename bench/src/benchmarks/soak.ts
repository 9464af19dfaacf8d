import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startCollectorProcess } from '../collector-process.js';
import { loadSummary, runLoad } from '../load/run-load.js';
import { ProcMonitor } from '../proc-stats.js';
import { percentile, printTable, type Row, writeResult } from '../report.js';

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

/** p99 of the latencies measured in each window of `windowMs` (ms since the phase began). */
export function p99ByWindow(ms: number[], at: number[], windowMs: number): number[] {
  const buckets: number[][] = [];
  for (let i = 0; i < ms.length; i++) {
    const w = Math.floor(at[i]! / windowMs);
    buckets[w] ??= [];
    buckets[w].push(ms[i]!);
  }
  return Array.from(buckets, (b) => (b ? percentile(b, 99) : Number.NaN));
}

/** Waits until the collector has committed everything it received (the inventories of a fresh fleet) and stays so for 3 s. */
async function collectorIdle(url: string): Promise<void> {
  let quietSince = 0;
  let last = -1;
  for (;;) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const pending = Number(/^vigie_ingest_pending_frames\{worker="\d+"\} (\d+)$/m.exec(text)?.[1]);
    const committed = Number(/^vigie_ingest_frames_committed_total\{worker="\d+"\} (\d+)$/m.exec(text)?.[1]);
    if (pending === 0 && committed === last) {
      quietSince ||= Date.now();
      if (Date.now() - quietSince >= 3000) return;
    } else quietSince = 0;
    last = committed;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Soak: many simulated agents for a long time against one collector process, its RSS sampled every
 * `--sample-sec`. Reports the peak RSS, the slope of the second half (a leak shows as a steady climb;
 * flat is under 1 MB/min), the ack latency p99 overall and per minute (a periodic stall shows as
 * minutes far above the median minute). `--node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"` passes
 * options to the collector's Node (profiles are written when it stops).
 */
export async function run(argv: string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      agents: { type: 'string', default: '10000' },
      interval: { type: 'string', default: '10' },
      minutes: { type: 'string', default: '30' },
      values: { type: 'string', default: '40' },
      software: { type: 'string', default: '300' },
      'sample-sec': { type: 'string', default: '10' },
      'connect-rate': { type: 'string', default: '1000' },
      'node-args': { type: 'string', default: '' },
      /** A collector bundle to run instead of this tree's (e.g. an earlier commit's, built the same way). */
      'collector-bundle': { type: 'string' },
      label: { type: 'string', default: '' },
    },
  });
  const agents = Number(a.agents);
  const intervalSec = Number(a.interval);
  const durationMs = Number(a.minutes) * 60_000;
  const sampleMs = Number(a['sample-sec']) * 1000;
  const collector = await startCollectorProcess({
    agents,
    metricsIntervalSec: intervalSec,
    nodeArgs: a['node-args'].split(' ').filter(Boolean),
    ...(a['collector-bundle'] ? { bundle: a['collector-bundle'] } : {}),
  });
  let monitor: ProcMonitor | undefined;
  let liveLog: NodeJS.Timeout | undefined;
  let loadSampler: NodeJS.Timeout | undefined;
  const load1: number[] = [];
  try {
    console.log(`soak: ${agents} agents, one frame every ${intervalSec} s, ${a.minutes} min, collector RSS every ${sampleMs / 1000} s`);
    const r = await runLoad({
      url: collector.url,
      token: collector.token,
      agents,
      processes: Math.max(2, Math.ceil(agents / 5000)),
      intervalMs: intervalSec * 1000,
      jitter: 0.1,
      valuesPerFrame: Number(a.values),
      software: Number(a.software),
      window: 8,
      durationMs,
      graceMs: 15_000,
      connectRatePerSec: Number(a['connect-rate']),
      settle: () => collectorIdle(collector.url),
      onReady: () => {
        monitor = new ProcMonitor(collector.pid, sampleMs);
        // The machine is shared: its load average says how much of the latency is other work.
        loadSampler = setInterval(() => load1.push(loadavg()[0]!), sampleMs);
        liveLog = setInterval(() => {
          const s = monitor?.samples.at(-1);
          if (s) console.log(`  RSS ${(s.rssBytes / 2 ** 20).toFixed(0)} MB`);
        }, 60_000);
      },
      onTick: (c, ms) => {
        if (ms % 60_000 < 5000) console.log(`  ${Math.round(ms / 1000)} s: ${c.connected} connected, ${c.framesAcked} frames acked, ${c.unacked} in flight`);
      },
    });
    clearInterval(liveLog);
    clearInterval(loadSampler);
    const proc = monitor!.stop();
    const samples = monitor!.samples;
    const t0 = samples[0]!.at;
    const minutes = samples.map((s) => (s.at - t0) / 60_000);
    const rssMB = samples.map((s) => s.rssBytes / 2 ** 20);
    const half = minutes[minutes.length - 1]! / 2;
    const second = minutes.map((m, i) => [m, rssMB[i]!] as const).filter(([m]) => m >= half);
    const slopeMBPerMin = slope(
      second.map(([m]) => m),
      second.map(([, v]) => v),
    );
    const perMinute = p99ByWindow(r.latencies.ms, r.latencies.at, 60_000);
    const stored = Number(/^vigie_ingest_values_committed_total\{worker="\d+"\} (\d+)$/m.exec(await (await fetch(`${collector.url}/metrics`)).text())?.[1]);
    const row: Row = {
      agents,
      'interval s': intervalSec,
      minutes: Number((r.durationSeconds / 60).toFixed(1)),
      connected: r.connected,
      'values/s': Math.round(r.valuesPerSec),
      'all acked': r.allAcked,
      'ack p50 ms': r.ackLatencyMs.p50,
      'ack p99 ms': r.ackLatencyMs.p99,
      'worst minute p99 ms': Math.max(...perMinute.filter(Number.isFinite)),
      'ack max ms': r.ackLatencyMs.max,
      'RSS peak MB': Math.round(proc.rssMaxMB),
      'RSS median MB': Math.round(proc.rssMedianMB),
      'slope 2nd half MB/min': Number(slopeMBPerMin.toFixed(2)),
      'collector CPU %': proc.cpuPct,
      'load avg (1 min) median / max': `${percentile(load1, 50).toFixed(1)} / ${Math.max(...load1).toFixed(1)}`,
      errors: Object.entries(r.errors)
        .map(([k, v]) => `${k}:${v}`)
        .join(' '),
    };
    printTable(`Soak${a.label ? ` (${a.label})` : ''} (targets: RSS peak < 512 MB, slope < 1 MB/min, p99 < 250 ms)`, [row]);
    console.log(`  p99 per minute (ms): ${perMinute.map((v) => Math.round(v)).join(' ')}`);
    const file = writeResult('soak', {
      options: a,
      load: loadSummary(r),
      valuesStored: stored,
      collector: proc,
      rss: samples.map((_s, i) => ({ minute: Number(minutes[i]!.toFixed(3)), mb: Number(rssMB[i]!.toFixed(1)) })),
      p99PerMinute: perMinute,
      slopeSecondHalfMBPerMin: slopeMBPerMin,
      loadAverage1Min: load1,
    });
    console.log(`results: ${file}`);
  } finally {
    clearInterval(liveLog);
    clearInterval(loadSampler);
    await collector.stop();
  }
}
