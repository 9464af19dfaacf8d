/**
 * Queries: two years of hourly rollups for 200 devices (`cpu.usage_pct`, `uptime_s`), seeded straight
 * into a collector's SQLite file, then timed against the real collector process over HTTP:
 * a device's two-year chart (default step, and `step=1h`) and the client's monthly availability
 * (a month 14 months ago → hourly buckets; last month → 5-minute buckets). The same calls are then
 * timed in-process on the store and the service, without HTTP, for comparison.
 *
 * Targets: two-year chart < 300 ms; monthly availability of 200 devices < 300 ms.
 *
 *   npm run bench -- queries [--devices 200] [--runs 20] [--warmup 3] [--keep]
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { monthOf, monthPeriod, parisDate, shiftMonth } from '@vigie/shared';
import { StatsRepository } from '../../../collector/src/stats/repository.js';
import { AvailabilityService } from '../../../collector/src/stats/service.js';
import { Database } from '../../../collector/src/store/database.js';
import { DEFAULT_RETENTION } from '../../../collector/src/store/metric-store.js';
import { SqliteMetricStore } from '../../../collector/src/store/sqlite-metric-store.js';
import { COLLECTOR_BIN, freePort } from '../collector-process.js';
import { median, percentile, printTable, type Row, writeResult } from '../report.js';
import { seedRollups } from './queries-seed.js';

const execFileAsync = promisify(execFile);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TWO_YEARS = 2 * 365 * DAY;
const TARGET_MS = 300;
const EMAIL = 'bench@vigie.test';
const PASSWORD = 'bench queries password 42';

async function cli(dataDir: string, args: string[]): Promise<any> {
  const { stdout } = await execFileAsync(process.execPath, [COLLECTOR_BIN, ...args, '--data-dir', dataDir, '--json'], { encoding: 'utf8' });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

/** `YYYY-MM` of the Paris month `offset` months from the current one. */
function parisMonth(now: number, offset: number): string {
  return shiftMonth(monthOf(parisDate(now)), offset);
}

/** The collector's `serve` on a data folder we prepared; resolves once /healthz answers. */
async function serve(dataDir: string): Promise<{ url: string; child: ChildProcess; startMs: number; stop(): Promise<void> }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [COLLECTOR_BIN, 'serve', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  let lastError = '';
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
      lastError = 'healthz not ok yet';
    } catch (err) {
      // Connection refused until the collector listens: expected while it starts, kept for the failure message.
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (i > 300 || child.exitCode !== null) {
      await stop();
      throw new Error(`collector did not start (last probe: ${lastError})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child, startMs: performance.now() - started, stop };
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

interface Timing<T> {
  /** The first call: the collector's page cache still cold for these rows (the OS cache is not). */
  firstMs: number;
  ms: number[];
  result: T;
}

/** `warmup` calls (the first one timed apart), then `runs` timed ones; keeps the last result. */
async function timed<T>(runs: number, warmup: number, fn: () => Promise<T>): Promise<Timing<T>> {
  const t0 = performance.now();
  let result = await fn();
  const firstMs = performance.now() - t0;
  for (let i = 1; i < warmup; i++) result = await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await fn();
    ms.push(performance.now() - t);
  }
  return { firstMs, ms, result };
}

const stats = (t: { firstMs: number; ms: number[] }) => ({ firstMs: t.firstMs, medianMs: median(t.ms), p95Ms: percentile(t.ms, 95), maxMs: Math.max(...t.ms) });

export async function run(argv: string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      devices: { type: 'string', default: '200' },
      runs: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false },
    },
  });
  const devices = Number(a.devices);
  const runs = Number(a.runs);
  const warmup = Number(a.warmup);
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-bench-queries-'));
  const dbPath = join(dataDir, 'vigie.db');
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    // Each CLI call opens the collector once: migrations and metric tables exist afterwards.
    const client = await cli(dataDir, ['client', 'create', '--name', 'Bench client']);
    const site = await cli(dataDir, ['site', 'create', '--client', String(client.id), '--name', 'Bench site']);
    await cli(dataDir, ['user', 'create', '--email', EMAIL, '--role', 'technician', '--password', PASSWORD]);

    const now = Date.now();
    const hourlyMonth = parisMonth(now, -14);
    const fiveMinMonth = parisMonth(now, -1);
    const to = Math.floor(now / HOUR) * HOUR;
    const from = to - 17_544 * HOUR; // two years of hours (731 days)
    const fiveFrom = Math.min(monthPeriod(fiveMinMonth).from, to - 30 * DAY);
    console.log(`seeding ${devices} devices × 2 series × 17,544 hours, and 5-minute uptime from ${new Date(fiveFrom).toISOString()} …`);
    const seed = seedRollups({ dbPath, clientId: client.id, siteId: site.id, devices, from, to, fiveFrom, fiveTo: Math.floor(now / 300_000) * 300_000 });
    const dbBytes = statSync(dbPath).size;
    console.log(
      `seeded ${(seed.hourRows + seed.fiveRows).toLocaleString('en-US')} rows in ${seed.seconds.toFixed(1)} s; file ${(dbBytes / 2 ** 20).toFixed(0)} MiB`,
    );

    server = await serve(dataDir);
    const collectorStartMs = server.startMs;
    const cookie = await login(server.url);
    const get = async (path: string) => {
      const res = await fetch(`${server!.url}${path}`, { headers: { cookie } });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 300)}`);
      return { body: JSON.parse(text), bytes: text.length };
    };

    const deviceId = seed.deviceIds[Math.floor(seed.deviceIds.length / 2)]!;
    const qNow = Date.now();
    const chartPath = `/api/v1/devices/${deviceId}/metrics?name=cpu.usage_pct&from=${qNow - TWO_YEARS}&to=${qNow}`;
    const availPath = (month: string) => `/api/v1/clients/${client.id}/availability?month=${month}`;
    const http = {
      chart: await timed(runs, warmup, () => get(chartPath)),
      chartStep1h: await timed(runs, warmup, () => get(`${chartPath}&step=1h`)),
      availabilityHourly: await timed(runs, warmup, () => get(availPath(hourlyMonth))),
      availabilityFiveMin: await timed(runs, warmup, () => get(availPath(fiveMinMonth))),
    };
    await server.stop();
    server = undefined;

    // The same work in-process: the store's query and the availability service, no HTTP, no JSON.
    const db = new Database({ path: dbPath });
    const store = await SqliteMetricStore.open(db, DEFAULT_RETENTION);
    const availability = new AvailabilityService(new StatsRepository(db), store, DEFAULT_RETENTION);
    const chartQuery = { deviceId, name: 'cpu.usage_pct', from: qNow - TWO_YEARS, to: qNow };
    const inProcess = {
      chart: await timed(runs, warmup, () => store.query(chartQuery)),
      chartStep1h: await timed(runs, warmup, () => store.query({ ...chartQuery, stepMs: HOUR })),
      availabilityHourly: await timed(runs, warmup, () => availability.monthly(client.id, hourlyMonth, Date.now())),
      availabilityFiveMin: await timed(runs, warmup, () => availability.monthly(client.id, fiveMinMonth, Date.now())),
    };
    await store.close();
    await db.close();

    const chartInfo = (t: Timing<{ body: any; bytes: number }>) => {
      const s = t.result.body.series[0];
      return `${s.points.length} pts, ${s.resolution} step ${s.stepMs / HOUR} h, ${(t.result.bytes / 1024).toFixed(0)} KiB`;
    };
    const availInfo = (t: Timing<{ body: any; bytes: number }>) =>
      `${t.result.body.devices.length} devices, ${t.result.body.resolution}, client ${t.result.body.clientAvailabilityPct} %, ${(t.result.bytes / 1024).toFixed(0)} KiB`;
    const rows: Row[] = [
      { query: 'two-year chart (default step)', ...stats(http.chart), inProcessMedianMs: median(inProcess.chart.ms), result: chartInfo(http.chart) },
      {
        query: 'two-year chart, step=1h',
        ...stats(http.chartStep1h),
        inProcessMedianMs: median(inProcess.chartStep1h.ms),
        result: chartInfo(http.chartStep1h),
      },
      {
        query: `availability ${hourlyMonth} (hourly)`,
        ...stats(http.availabilityHourly),
        inProcessMedianMs: median(inProcess.availabilityHourly.ms),
        result: availInfo(http.availabilityHourly),
      },
      {
        query: `availability ${fiveMinMonth} (5-minute)`,
        ...stats(http.availabilityFiveMin),
        inProcessMedianMs: median(inProcess.availabilityFiveMin.ms),
        result: availInfo(http.availabilityFiveMin),
      },
    ];
    printTable(`Queries over HTTP (${runs} runs after ${warmup} warm-ups; ${devices} devices, 2 years hourly)`, rows);
    printTable('Seeded data', [
      {
        devices,
        hourlyRows: seed.hourRows,
        fiveMinRows: seed.fiveRows,
        missingHoursPct: seed.missingHourPct,
        seedSeconds: seed.seconds,
        rowsPerSec: Math.round((seed.hourRows + seed.fiveRows) / seed.seconds),
        dbMiB: dbBytes / 2 ** 20,
        collectorStartMs,
      },
    ]);
    const worst = Math.max(median(http.chart.ms), median(http.availabilityHourly.ms), median(http.availabilityFiveMin.ms));
    console.log(
      `\ntarget: two-year chart and monthly availability < ${TARGET_MS} ms (median) → ${worst < TARGET_MS ? 'met' : 'NOT met'} (worst median ${worst.toFixed(1)} ms)`,
    );
    const file = writeResult('queries', {
      params: { devices, runs, warmup, hours: 17_544, hourlyMonth, fiveMinMonth, fiveFrom: new Date(fiveFrom).toISOString() },
      seed: { ...seed, deviceIds: undefined, dbBytes, collectorStartMs },
      targetMs: TARGET_MS,
      http: Object.fromEntries(Object.entries(http).map(([k, t]) => [k, { ...stats(t), samplesMs: t.ms }])),
      inProcess: Object.fromEntries(Object.entries(inProcess).map(([k, t]) => [k, { ...stats(t), samplesMs: t.ms }])),
      responses: {
        chart: {
          points: http.chart.result.body.series[0].points.length,
          stepMs: http.chart.result.body.series[0].stepMs,
          resolution: http.chart.result.body.series[0].resolution,
        },
        chartStep1h: {
          points: http.chartStep1h.result.body.series[0].points.length,
          stepMs: http.chartStep1h.result.body.series[0].stepMs,
          resolution: http.chartStep1h.result.body.series[0].resolution,
        },
        availabilityHourly: {
          clientAvailabilityPct: http.availabilityHourly.result.body.clientAvailabilityPct,
          resolution: http.availabilityHourly.result.body.resolution,
        },
        availabilityFiveMin: {
          clientAvailabilityPct: http.availabilityFiveMin.result.body.clientAvailabilityPct,
          resolution: http.availabilityFiveMin.result.body.resolution,
        },
      },
      met: worst < TARGET_MS,
    });
    console.log(`result: ${file}`);
  } finally {
    await server?.stop();
    if (a.keep) console.log(`data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}
