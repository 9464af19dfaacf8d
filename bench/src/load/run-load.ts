import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile } from '../report.js';
import type { FromWorker, WorkerCounters } from './protocol.js';

export interface LoadOptions {
  url: string;
  /**
   * Several collectors of one store: load-generator process `i` sends its agents to `urls[i % n]`
   * (instead of `url`), so each collector's share and its ack latencies are known.
   */
  urls?: string[];
  /**
   * With `urls`: where every agent enrolls (enrollment is set-up, not measured). Each enrollment is one
   * write transaction; several SQLite collectors taking turns on one file for 100,000 of them wait on
   * each other's locks far longer than one does alone.
   */
  enrollUrl?: string;
  token: string;
  agents: number;
  /** Worker processes; each holds its share of the connections (one file descriptor each). */
  processes: number;
  intervalMs: number;
  jitter: number;
  valuesPerFrame: number;
  software: number;
  window: number;
  /** Measured phase, after every agent is connected and has sent its inventory. */
  durationMs: number;
  /** Time given to in-flight frames to be acked after the measured phase. */
  graceMs: number;
  connectRatePerSec: number;
  hostnamePrefix?: string;
  onTick?: (c: WorkerCounters, elapsedMs: number) => void;
  /** Called when every agent is connected, just before the measured phase. */
  onReady?: () => void;
  /** Awaited once every agent is connected, before the measured phase (e.g. until the collector has stored every inventory). */
  settle?: () => Promise<void>;
}

export interface LoadReport {
  agents: number;
  connected: number;
  enrollSeconds: number;
  connectSeconds: number;
  durationSeconds: number;
  framesSent: number;
  framesAcked: number;
  valuesAcked: number;
  unacked: number;
  framesPerSec: number;
  valuesPerSec: number;
  ackLatencyMs: { p50: number; p90: number; p99: number; max: number; samples: number };
  /** Every ack latency of the measured phase with the time it was measured (ms since the phase began). */
  latencies: { ms: number[]; at: number[] };
  /** With `urls`: per collector URL, its agents' ack latencies of the measured phase and its agents connected. */
  byUrl: Record<string, { connected: number; ms: number[] }>;
  errors: Record<string, number>;
  allAcked: boolean;
}

/** The report without its per-frame latencies (for result files). */
export function loadSummary(r: LoadReport): Omit<LoadReport, 'latencies' | 'byUrl'> {
  const { latencies: _samples, byUrl: _byUrl, ...rest } = r;
  return rest;
}

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'worker.ts');

function sum(list: WorkerCounters[]): WorkerCounters {
  const out: WorkerCounters = { connected: 0, framesSent: 0, framesAcked: 0, valuesAcked: 0, unacked: 0, errors: {} };
  for (const c of list) {
    out.connected += c.connected;
    out.framesSent += c.framesSent;
    out.framesAcked += c.framesAcked;
    out.valuesAcked += c.valuesAcked;
    out.unacked += c.unacked;
    for (const [k, v] of Object.entries(c.errors)) out.errors[k] = (out.errors[k] ?? 0) + v;
  }
  return out;
}

/** Runs simulated agents over real WebSockets from several worker processes and aggregates the figures. */
export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const n = Math.max(1, Math.min(o.processes, o.agents));
  const prefix = o.hostnamePrefix ?? `sim-${Date.now().toString(36)}`;
  const urlOf = (i: number) => (o.urls?.length ? o.urls[i % o.urls.length]! : o.url);
  const workers = Array.from({ length: n }, () => fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const latest: WorkerCounters[] = workers.map(() => ({ connected: 0, framesSent: 0, framesAcked: 0, valuesAcked: 0, unacked: 0, errors: {} }));
  const wait = (type: FromWorker['type']) =>
    Promise.all(
      workers.map(
        (w, i) =>
          new Promise<FromWorker>((resolve, reject) => {
            const onMsg = (m: FromWorker) => {
              if (m.type === 'failed') reject(new Error(`worker ${i}: ${m.error}`));
              if (m.type === type) {
                w.off('message', onMsg);
                resolve(m);
              }
            };
            w.on('message', onMsg);
            w.once('exit', (code) => reject(new Error(`worker ${i} exited (${code})`)));
          }),
      ),
    );
  for (const [i, w] of workers.entries()) {
    w.on('message', (m: FromWorker) => {
      if (m.type === 'tick' || m.type === 'ready' || m.type === 'done') latest[i] = m.counters;
    });
  }
  try {
    const ready = wait('ready');
    workers.forEach((w, i) => {
      const hostnames: string[] = [];
      for (let a = i; a < o.agents; a += n) hostnames.push(`${prefix}-${a}`);
      w.send({
        type: 'start',
        config: {
          url: urlOf(i),
          ...(o.enrollUrl ? { enrollUrl: o.enrollUrl } : {}),
          enrollConcurrency: Math.max(2, Math.min(16, Math.ceil(64 / n))),
          token: o.token,
          hostnames,
          intervalMs: o.intervalMs,
          jitter: o.jitter,
          valuesPerFrame: o.valuesPerFrame,
          software: o.software,
          window: o.window,
          connectRate: o.connectRatePerSec / n,
        },
      });
    });
    const readies = (await ready) as Extract<FromWorker, { type: 'ready' }>[];
    // Let the inventories land before measuring.
    await new Promise((r) => setTimeout(r, 2000));
    await o.settle?.();
    o.onReady?.();
    const startCounters = sum(latest);
    const started = Date.now();
    for (const w of workers) w.send({ type: 'go' });
    const tick = setInterval(() => o.onTick?.(sum(latest), Date.now() - started), 5000);
    await new Promise((r) => setTimeout(r, o.durationMs));
    clearInterval(tick);
    const measuredMs = Date.now() - started;
    const done = wait('done');
    for (const w of workers) w.send({ type: 'stop', graceMs: o.graceMs });
    const finals = (await done) as Extract<FromWorker, { type: 'done' }>[];
    const total = sum(finals.map((f) => f.counters));
    const latencies = finals.flatMap((f) => f.latencies);
    const byUrl: LoadReport['byUrl'] = {};
    finals.forEach((f, i) => {
      byUrl[urlOf(i)] ??= { connected: 0, ms: [] };
      const entry = byUrl[urlOf(i)]!;
      entry.connected += readies[i]!.counters.connected;
      for (const ms of f.latencies) entry.ms.push(ms);
    });
    const latencyAt = finals.flatMap((f) => f.latencyAt);
    const framesSent = total.framesSent - startCounters.framesSent;
    const framesAcked = total.framesAcked - startCounters.framesAcked;
    const valuesAcked = total.valuesAcked - startCounters.valuesAcked;
    return {
      agents: o.agents,
      connected: sum(readies.map((r) => r.counters)).connected,
      enrollSeconds: Math.max(...readies.map((r) => r.enrollMs)) / 1000,
      connectSeconds: Math.max(...readies.map((r) => r.connectMs)) / 1000,
      durationSeconds: measuredMs / 1000,
      framesSent,
      framesAcked,
      valuesAcked,
      unacked: total.unacked,
      framesPerSec: framesAcked / (measuredMs / 1000),
      valuesPerSec: valuesAcked / (measuredMs / 1000),
      ackLatencyMs: {
        p50: percentile(latencies, 50),
        p90: percentile(latencies, 90),
        p99: percentile(latencies, 99),
        max: percentile(latencies, 100),
        samples: latencies.length,
      },
      latencies: { ms: latencies, at: latencyAt },
      byUrl,
      errors: total.errors,
      allAcked: total.unacked === 0 && total.framesAcked === total.framesSent,
    };
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill();
  }
}
