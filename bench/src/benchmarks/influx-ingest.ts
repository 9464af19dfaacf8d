import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type Influxd, startInfluxd } from '@vigie/testkit';
import { startCollectorProcess } from '../collector-process.js';
import { seriesKeys } from '../load/frames.js';
import { runLoad } from '../load/run-load.js';
import { ProcMonitor } from '../proc-stats.js';
import { median, printTable, writeResult } from '../report.js';

/**
 * Ingest into InfluxDB through the collector (`--metrics influx://…`: frames → validated → written
 * to InfluxDB → relational commit → acked, real WebSockets, a real collector process) against
 * InfluxDB's own ceiling for the same points: batched line protocol POSTed straight to /write,
 * one request at a time and one batch per collector commit, measured in the same run (before and
 * after, median taken), on the same influxd.
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
      points: { type: 'string', default: '2000000' },
    },
  });
  const agents = Number(a.agents);
  const valuesPerFrame = Number(a.values);
  const runs = Number(a.runs);
  const influxd = await startInfluxd();
  try {
    let db = 0;
    const raw: { pointsPerSec: number; batch: number; cpu: number; rss: number }[] = [];
    const baseline = async () => raw.push(await rawWriteRate(influxd, `bench_raw_${++db}`, { agents, valuesPerFrame, points: Number(a.points) }));
    await baseline();
    const e2e: { valuesPerSec: number; p50: number; p99: number; cpu: number; rss: number; influxCpu: number; influxRss: number; allAcked: boolean }[] = [];
    for (let i = 0; i < runs; i++) {
      const database = `bench_e2e_${++db}`;
      const collector = await startCollectorProcess({ agents, env: { VIGIE_METRICS_URL: influxd.url(database) } });
      let monitor: ProcMonitor | undefined;
      let influxMonitor: ProcMonitor | undefined;
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
            influxMonitor = new ProcMonitor(influxd.pid()!, 500);
          },
        });
        const p = monitor!.stop();
        const q = influxMonitor!.stop();
        e2e.push({
          valuesPerSec: r.valuesPerSec,
          p50: r.ackLatencyMs.p50,
          p99: r.ackLatencyMs.p99,
          cpu: p.cpuPct,
          rss: p.rssMaxMB,
          influxCpu: q.cpuPct,
          influxRss: q.rssMaxMB,
          allAcked: r.allAcked,
        });
      } finally {
        await collector.stop();
      }
      // Each measurement starts from the same empty server, as the baseline's databases do.
      await influxd.query(`DROP DATABASE "${database}"`);
      await baseline();
    }
    const rawMedian = median(raw.map((r) => r.pointsPerSec));
    const e2eMedian = median(e2e.map((r) => r.valuesPerSec));
    const ratio = e2eMedian / rawMedian;
    printTable(
      'InfluxDB raw write: batched line protocol straight to /write, same points (points/s)',
      raw.map((r, i) => ({ run: i + 1, 'points/s': Math.round(r.pointsPerSec), 'points/request': r.batch, 'influxd CPU %': r.cpu, 'influxd RSS MB': r.rss })),
    );
    printTable(
      `Through the collector into InfluxDB: ${agents} agents × ${valuesPerFrame} values/frame, ${a.window} frames in flight each`,
      e2e.map((r, i) => ({
        run: i + 1,
        'values/s': Math.round(r.valuesPerSec),
        'ack p50 ms': r.p50,
        'ack p99 ms': r.p99,
        'collector CPU %': r.cpu,
        'collector RSS MB': r.rss,
        'influxd CPU %': r.influxCpu,
        'influxd RSS MB': r.influxRss,
        'all acked': r.allAcked,
      })),
    );
    printTable('InfluxDB ingest ratio (medians)', [
      { 'raw points/s': Math.round(rawMedian), 'through the collector values/s': Math.round(e2eMedian), ratio: Number(ratio.toFixed(3)) },
    ]);
    console.log(
      `load average (1, 5, 15 min): ${loadavg()
        .map((l) => l.toFixed(1))
        .join(', ')} on ${cpus().length} cores`,
    );
    console.log(`results: ${writeResult('influx-ingest', { options: a, raw, e2e, rawMedian, e2eMedian, ratio, loadavg: loadavg() })}`);
  } finally {
    await influxd.stop();
  }
}

/**
 * The ceiling: the points the collector would write (measurement, device/name/key tags, one float
 * field, millisecond times), as line protocol built beforehand, POSTed one request at a time with
 * as many points per request as one collector commit carries (one frame per agent).
 */
async function rawWriteRate(
  influxd: Influxd,
  database: string,
  opts: { agents: number; valuesPerFrame: number; points: number },
): Promise<{ pointsPerSec: number; batch: number; cpu: number; rss: number }> {
  await influxd.query(`CREATE DATABASE "${database}"`);
  const keys = seriesKeys(opts.valuesPerFrame).map((k) => ({ key: k.replace(/[ ,=]/g, '\\$&'), name: k.split('{')[0] }));
  const t0 = Date.now() - 3_600_000;
  const bodies: string[] = [];
  let frame = 0;
  for (let done = 0; done < opts.points; ) {
    const lines: string[] = [];
    for (let f = 0; f < opts.agents; f++, frame++) {
      const device = 1 + (frame % opts.agents);
      const ts = t0 + Math.floor(frame / opts.agents) * 100;
      for (let k = 0; k < keys.length; k++, done++)
        lines.push(`samples,device=${device},key=${keys[k]!.key},name=${keys[k]!.name} value=${(k % 1000) / 10} ${ts}`);
    }
    bodies.push(lines.join('\n'));
  }
  const url = `http://127.0.0.1:${influxd.port}/write?db=${database}&precision=ms`;
  const monitor = new ProcMonitor(influxd.pid()!, 500);
  const started = performance.now();
  for (const body of bodies) {
    const res = await fetch(url, { method: 'POST', body });
    if (res.status !== 204) throw new Error(`influxd /write: ${res.status} ${await res.text()}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const p = monitor.stop();
  await influxd.query(`DROP DATABASE "${database}"`);
  return { pointsPerSec: (bodies.length * opts.agents * keys.length) / seconds, batch: opts.agents * keys.length, cpu: p.cpuPct, rss: p.rssMaxMB };
}
