/**
 * A real agent process reporting to a real collector process whose metrics live in a real InfluxDB
 * 1.6 (Debian's `influxdb`, started here): the agent's metrics reach InfluxDB and come back through
 * the REST API; while InfluxDB is down nothing is acknowledged, and once it is back every sample the
 * agent took is stored exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Influxd, startInfluxd } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, COLLECTOR_BIN, cli, cliJson, freePort, httpJson, keepOnLoopback, loginAs, type Proc, startProcess, waitFor } from './processes.js';

const PASSWORD = 'e2e-password-long-enough';
let dir: string;
let base: string;
let influxd: Influxd;
let collector: Proc;
let agent: Proc;
let deviceId: number;
const stateDir = () => join(dir, 'agent');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-e2e-influx-'));
  influxd = await startInfluxd();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const common = ['--data-dir', join(dir, 'collector')];
  const acme = await cliJson(COLLECTOR_BIN, ['client', 'create', '--name', 'Acme SARL', ...common]);
  const site = await cliJson(COLLECTOR_BIN, ['site', 'create', '--client', 'Acme SARL', '--name', 'Siège', ...common]);
  await cliJson(COLLECTOR_BIN, ['user', 'create', '--email', 'tech@vigie.test', '--role', 'technician', '--password', PASSWORD, ...common]);
  const token = await cliJson(COLLECTOR_BIN, ['token', 'create', '--site', String(site.id), '--uses', '1', ...common]);
  // The metric store from the environment, as a service unit would set it.
  collector = startProcess(COLLECTOR_BIN, ['serve', '--port', String(port), ...common, '--metrics-interval', '1', '--log-level', 'info'], {
    VIGIE_METRICS_URL: influxd.url('vigie_e2e'),
  });
  await waitFor('collector up', async () => (await httpJson(`${base}/healthz`)).status === 200);
  await keepOnLoopback(await loginAs(base, 'tech@vigie.test', PASSWORD), acme.id);
  const out = await cli(AGENT_BIN, ['enroll', '--url', base, '--state-dir', stateDir()], { VIGIE_ENROLL_TOKEN: token.token });
  deviceId = Number(/device (\d+)/.exec(out)?.[1]);
  agent = startProcess(AGENT_BIN, ['run', '--state-dir', stateDir(), '--log-level', 'debug']);
});

afterAll(async () => {
  await agent?.stop();
  await collector?.stop();
  await influxd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const influxCount = async (from: number, to: number) =>
  Number(
    (
      await influxd.query(
        `SELECT count("value") FROM "vigie_raw"."samples" WHERE "device" = '${deviceId}' AND "key" = 'mem.used_bytes' AND time >= ${from}ms AND time <= ${to}ms`,
        'vigie_e2e',
      )
    )[0]?.values[0]?.[1] ?? 0,
  );

describe('a real agent, a real collector, metrics in a real InfluxDB', () => {
  it("stores the agent's metrics in InfluxDB and serves them back through the REST API", async () => {
    expect(collector.lines.join('\n')).toContain('metrics in InfluxDB at influx://127.0.0.1');
    const tech = await loginAs(base, 'tech@vigie.test', PASSWORD);
    const since = Date.now() - 120_000;
    const points = await waitFor('live metrics from InfluxDB', async () => {
      const r = await tech.get(`/api/v1/devices/${deviceId}/metrics?name=mem.used_bytes&from=${since}&step=1s`);
      const pts = (r.body.series?.[0]?.points ?? []) as [number, number][];
      return pts.length >= 3 ? pts : undefined;
    });
    expect(points.every((p) => p[1] > 0)).toBe(true);
    expect(await influxCount(since, Date.now())).toBeGreaterThanOrEqual(points.length);
    const dev = (await tech.get(`/api/v1/devices/${deviceId}`)).body;
    expect(dev.latestMetrics['mem.used_bytes'].value).toBeGreaterThan(0);
    const series = (await tech.get(`/api/v1/devices/${deviceId}/series`)).body.series.map((s: { key: string }) => s.key);
    expect(series).toContain('mem.used_bytes');
  });

  it('acknowledges nothing while InfluxDB is down, then stores every sample the agent took exactly once', async () => {
    const spooled = () =>
      agent.lines
        .map((l) => {
          try {
            return JSON.parse(l);
          } catch {
            return undefined;
          }
        })
        .filter((l) => l?.msg === 'spooled');
    // The agent's acknowledged seq, as its own CLI reads its spool ledger (a binary two-slot file since issue 14).
    const ledger = async () => (await cliJson(AGENT_BIN, ['spool', '--state-dir', stateDir()])) as { ackedSeq: number };
    await influxd.down();
    const ackedAtOutage = (await ledger()).ackedSeq;
    const outageStart = Date.now();
    await waitFor('frames taken during the outage', async () => spooled().filter((l) => l.type === 'metrics' && l.ts >= outageStart).length >= 4, 30_000);
    const producedDuringOutage = Math.max(...spooled().map((l) => l.seq as number));
    // Frames the collector received during the outage are refused, not acknowledged.
    expect((await ledger()).ackedSeq).toBeLessThan(producedDuringOutage);
    await influxd.up();
    await waitFor('spool drained into InfluxDB', async () => (await ledger()).ackedSeq >= producedDuringOutage, 90_000);
    await agent.stop();
    const { ackedSeq } = await ledger();
    expect(ackedSeq).toBeGreaterThan(ackedAtOutage);
    const frames = spooled().filter((l) => l.type === 'metrics' && l.seq <= ackedSeq);
    const first = frames[0].ts as number;
    const last = frames[frames.length - 1].ts as number;
    const tech = await loginAs(base, 'tech@vigie.test', PASSWORD);
    const r = await tech.get(`/api/v1/devices/${deviceId}/metrics?name=mem.used_bytes&from=${first}&to=${last}&step=1s&agg=count`);
    const points = r.body.series[0].points as [number, number][];
    expect(points.reduce((s, p) => s + p[1], 0)).toBe(frames.length);
    expect(await influxCount(first, last)).toBe(frames.length);
    const stored = new Set(points.map((p) => p[0]));
    for (const f of frames) expect(stored.has(f.ts - (f.ts % 1000))).toBe(true);
    // The collector logged each refusal (the log, not the agent, carries InfluxDB's error).
    expect(collector.lines.join('\n')).toMatch(/"msg":"commit failed"/);
  });
});
