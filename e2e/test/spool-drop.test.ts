import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, COLLECTOR_BIN, cli, cliJson, freePort, httpJson, keepOnLoopback, loginAs, type Proc, startProcess, waitFor } from './processes.js';

const PASSWORD = 'e2e-password-long-enough';
let dir: string;
let base: string;
let port: number;
let collector: Proc;
let agent: Proc;
let deviceId: number;

const startCollector = () =>
  startProcess(COLLECTOR_BIN, ['serve', '--port', String(port), '--data-dir', join(dir, 'collector'), '--metrics-interval', '1', '--log-level', 'warn']);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-e2e-drop-'));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const common = ['--data-dir', join(dir, 'collector')];
  const acme = await cliJson(COLLECTOR_BIN, ['client', 'create', '--name', 'Acme SARL', ...common]);
  const site = await cliJson(COLLECTOR_BIN, ['site', 'create', '--client', 'Acme SARL', '--name', 'Siège', ...common]);
  await cliJson(COLLECTOR_BIN, ['user', 'create', '--email', 'tech@vigie.test', '--role', 'technician', '--password', PASSWORD, ...common]);
  const token = await cliJson(COLLECTOR_BIN, ['token', 'create', '--site', String(site.id), ...common]);
  collector = startCollector();
  await waitFor('collector up', async () => (await httpJson(`${base}/healthz`)).status === 200);
  await keepOnLoopback(await loginAs(base, 'tech@vigie.test', PASSWORD), acme.id);
  const out = await cli(AGENT_BIN, ['enroll', '--url', base, '--state-dir', join(dir, 'agent')], { VIGIE_ENROLL_TOKEN: token.token });
  deviceId = Number(/device (\d+)/.exec(out)?.[1]);
  // A tiny spool (4 KiB in 1 KiB segments) so an outage of a few seconds overflows it.
  agent = startProcess(AGENT_BIN, [
    'run',
    '--state-dir',
    join(dir, 'agent'),
    '--spool-max-bytes',
    '4096',
    '--spool-segment-bytes',
    '1024',
    '--log-level',
    'debug',
  ]);
});

afterAll(async () => {
  await agent?.stop();
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('bounded spool', () => {
  it('drops the oldest frames during a long outage and reports the drop when the collector is back', async () => {
    const tech = await loginAs(base, 'tech@vigie.test', PASSWORD);
    await waitFor('first metrics', async () => Object.keys((await tech.get(`/api/v1/devices/${deviceId}`)).body.latestMetrics ?? {}).length > 0);
    await collector.stop();
    await new Promise((r) => setTimeout(r, 10_000));
    collector = startCollector();
    const tech2 = await waitFor('collector back', async () =>
      (await httpJson(`${base}/healthz`)).status === 200 ? loginAs(base, 'tech@vigie.test', PASSWORD) : undefined,
    );
    const spooledMetrics = () =>
      agent.lines.map((l) => (l.startsWith('{') ? JSON.parse(l) : undefined)).filter((l) => l?.msg === 'spooled' && l.type === 'metrics');
    // The drop reports that cover metrics frames taken during the outage (the very first report may
    // be the start-up inventory, bigger than this tiny spool).
    const events = await waitFor(
      'spool.dropped events covering metrics',
      async () => {
        const evs = ((await tech2.get(`/api/v1/devices/${deviceId}`)).body.events as any[]).filter((e) => e.kind === 'spool.dropped');
        const metricSeqs = spooledMetrics().map((l) => l.seq as number);
        const covering = evs.filter((e) => metricSeqs.some((q) => q >= e.data.fromSeq && q <= e.data.toSeq));
        return covering.length > 0 ? covering : undefined;
      },
      90_000,
    );
    for (const e of events) {
      expect(e.severity).toBe('warning');
      expect(e.data.frames).toBeGreaterThan(0);
      expect(e.data.toSeq).toBeGreaterThanOrEqual(e.data.fromSeq);
    }
    // What was dropped is exactly what the agent did not deliver: those samples never reached the collector.
    const droppedTs = spooledMetrics()
      .filter((l) => events.some((e) => l.seq >= e.data.fromSeq && l.seq <= e.data.toSeq))
      .map((l) => l.ts as number);
    expect(droppedTs.length).toBeGreaterThan(0);
    const from = Math.min(...droppedTs);
    const to = Math.max(...droppedTs);
    const r = await tech2.get(`/api/v1/devices/${deviceId}/metrics?name=mem.used_bytes&from=${from}&to=${to}&step=1s&agg=count`);
    const stored = new Map<number, number>((r.body.series[0]?.points ?? []).map((p: [number, number]) => [p[0], p[1]]));
    // In each second that held a dropped sample, the collector has exactly the samples that were not dropped.
    const dropped = new Set(droppedTs);
    const kept = spooledMetrics().filter((l) => !dropped.has(l.ts));
    for (const ts of droppedTs) {
      const bucket = ts - (ts % 1000);
      const expected = kept.filter((l) => l.ts - (l.ts % 1000) === bucket).length;
      expect(stored.get(bucket) ?? 0).toBe(expected);
    }
  });
});
