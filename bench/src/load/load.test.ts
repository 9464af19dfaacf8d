import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorProcess, startCollectorProcess } from '../collector-process.js';
import { runLoad } from './run-load.js';

let collector: CollectorProcess;
beforeAll(async () => {
  collector = await startCollectorProcess({ agents: 200 });
});
afterAll(async () => collector?.stop());

describe('load generator smoke run', () => {
  it('200 simulated agents over real WebSockets for 10 s: all connected, every frame acknowledged and stored', async () => {
    const r = await runLoad({
      url: collector.url,
      token: collector.token,
      agents: 200,
      processes: 2,
      intervalMs: 1000,
      jitter: 0.1,
      valuesPerFrame: 40,
      software: 100,
      window: 8,
      durationMs: 10_000,
      graceMs: 10_000,
      connectRatePerSec: 500,
    });
    expect(r.connected).toBe(200);
    expect(r.errors).toEqual({});
    expect(r.allAcked).toBe(true);
    expect(r.framesAcked).toBeGreaterThan(200 * 7);
    // Metrics frames carry 40 values each (the rest are the last inventories landing).
    expect(r.valuesAcked % 40).toBe(0);
    expect(r.valuesAcked / 40).toBeGreaterThan(r.framesAcked - 200);
    // What was acknowledged is in the store: the collector's own counter agrees.
    const prom = await (await fetch(`${collector.url}/metrics`)).text();
    const committed = Number(/^vigie_ingest_values_committed_total\{worker="\d+"\} (\d+)$/m.exec(prom)?.[1]);
    expect(committed).toBeGreaterThanOrEqual(r.valuesAcked);
  });
});
