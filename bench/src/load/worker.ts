// A load-generator worker process: enrolls and runs its share of simulated agents.
import { MetricsFrameBuilder, seriesKeys } from './frames.js';
import type { FromWorker, ToWorker, WorkerConfig, WorkerCounters } from './protocol.js';
import { enrollSim, SimAgent, type SimCredential } from './sim-agent.js';

const send = (m: FromWorker) => process.send?.(m);
const agents: SimAgent[] = [];
const errors: Record<string, number> = {};
let latencies: number[] = [];
let latencyAt: number[] = [];
let measuring = false;
let goAt = 0;

function counters(): WorkerCounters {
  let connected = 0;
  let framesSent = 0;
  let framesAcked = 0;
  let valuesAcked = 0;
  let unacked = 0;
  for (const a of agents) {
    if (a.connected) connected++;
    framesSent += a.framesSent;
    framesAcked += a.framesAcked;
    valuesAcked += a.valuesAcked;
    unacked += a.unacked;
  }
  return { connected, framesSent, framesAcked, valuesAcked, unacked, errors: { ...errors } };
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

async function start(c: WorkerConfig): Promise<void> {
  const builder = new MetricsFrameBuilder(seriesKeys(c.valuesPerFrame));
  const onError = (code: string) => {
    errors[code] = (errors[code] ?? 0) + 1;
  };
  const t0 = Date.now();
  const creds = new Map<string, SimCredential>();
  await pool(c.hostnames, c.enrollConcurrency ?? 16, async (h) => {
    // Enrollment is set-up, not measured: a request the collector could not take in time (refused
    // connection, 408/503) is tried again, a few times, and each retry is counted.
    for (let attempt = 1; ; attempt++) {
      try {
        creds.set(h, await enrollSim(c.enrollUrl ?? c.url, c.token, h));
        return;
      } catch (err) {
        const transient = /fetch failed|enroll: (408|429|503)$/.test((err as Error).message);
        if (!transient || attempt >= 5) throw err;
        onError('enroll-retry');
        await new Promise((r) => setTimeout(r, 1000 * attempt));
      }
    }
  });
  const enrollMs = Date.now() - t0;
  const t1 = Date.now();
  const gap = 1000 / c.connectRate;
  let next = Date.now();
  await pool(c.hostnames, 64, async (h) => {
    const wait = next - Date.now();
    next += gap;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const agent = new SimAgent(
      {
        url: c.url,
        hostname: h,
        intervalMs: c.intervalMs,
        jitter: c.jitter,
        builder,
        inventorySoftware: c.software,
        window: c.window,
        onLatency: (ms) => {
          if (!measuring) return;
          latencies.push(ms);
          latencyAt.push(Date.now() - goAt);
        },
        onError,
      },
      creds.get(h)!,
    );
    try {
      await agent.connect();
      agents.push(agent);
    } catch {
      // counted by onError
    }
  });
  send({ type: 'ready', counters: counters(), enrollMs, connectMs: Date.now() - t1 });
}

let tick: NodeJS.Timeout | undefined;
process.on('message', (m: ToWorker) => {
  if (m.type === 'start') start(m.config).catch((err: Error) => send({ type: 'failed', error: err.message }));
  if (m.type === 'go') {
    latencies = [];
    latencyAt = [];
    goAt = Date.now();
    measuring = true;
    for (const a of agents) a.run();
    tick = setInterval(() => send({ type: 'tick', counters: counters() }), 1000);
  }
  if (m.type === 'stop') {
    clearInterval(tick);
    void Promise.all(agents.map((a) => a.drain(m.graceMs))).then(() => {
      measuring = false;
      for (const a of agents) a.close();
      // Exit only once the (possibly large) report has been handed to the IPC channel.
      process.send?.({ type: 'done', counters: counters(), latencies, latencyAt } satisfies FromWorker, undefined, {}, () => process.exit(0));
    });
  }
});
