import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, COLLECTOR_BIN, cli, cliJson, freePort, httpJson, keepOnLoopback, loginAs, type Proc, startProcess, waitFor } from './processes.js';

const PASSWORD = 'e2e-password-long-enough';
let dir: string;
let port: number;
let base: string;
let collector: Proc;
let agent: Proc;
let deviceId: number;
const dataDir = () => join(dir, 'collector');
const stateDir = () => join(dir, 'agent');

function startCollector(): Proc {
  return startProcess(COLLECTOR_BIN, ['serve', '--port', String(port), '--data-dir', dataDir(), '--metrics-interval', '1', '--log-level', 'warn']);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-e2e-'));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const common = ['--data-dir', dataDir()];
  const acme = await cliJson(COLLECTOR_BIN, ['client', 'create', '--name', 'Acme SARL', ...common]);
  const globex = await cliJson(COLLECTOR_BIN, ['client', 'create', '--name', 'Globex SAS', ...common]);
  const site = await cliJson(COLLECTOR_BIN, ['site', 'create', '--client', 'Acme SARL', '--name', 'Siège', ...common]);
  await cliJson(COLLECTOR_BIN, ['user', 'create', '--email', 'tech@vigie.test', '--role', 'technician', '--password', PASSWORD, ...common]);
  await cliJson(COLLECTOR_BIN, [
    'user',
    'create',
    '--email',
    'dsi@acme.test',
    '--role',
    'client',
    '--client',
    String(acme.id),
    '--password',
    PASSWORD,
    ...common,
  ]);
  await cliJson(COLLECTOR_BIN, [
    'user',
    'create',
    '--email',
    'it@globex.test',
    '--role',
    'client',
    '--client',
    String(globex.id),
    '--password',
    PASSWORD,
    ...common,
  ]);
  const token = await cliJson(COLLECTOR_BIN, ['token', 'create', '--site', String(site.id), '--uses', '1', ...common]);
  collector = startCollector();
  await waitFor('collector up', async () => (await httpJson(`${base}/healthz`)).status === 200);
  await keepOnLoopback(await loginAs(base, 'tech@vigie.test', PASSWORD), acme.id);
  const out = await cli(AGENT_BIN, ['enroll', '--url', base, '--state-dir', stateDir()], { VIGIE_ENROLL_TOKEN: token.token });
  deviceId = Number(/device (\d+)/.exec(out)?.[1]);
  agent = startProcess(AGENT_BIN, ['run', '--state-dir', stateDir(), '--log-level', 'debug']);
});

afterAll(async () => {
  await agent?.stop();
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a real agent process reporting to a real collector process', () => {
  it('keeps its credential readable by its own user only', () => {
    expect(statSync(join(stateDir(), 'credential.json')).mode & 0o777).toBe(0o600);
    expect(statSync(stateDir()).mode & 0o777).toBe(0o700);
    // The secret never reaches the collector's logs or the agent's.
    const secret = JSON.parse(readFileSync(join(stateDir(), 'credential.json'), 'utf8')).secret as string;
    expect(collector.lines.join('\n')).not.toContain(secret);
    expect(agent.lines.join('\n')).not.toContain(secret);
  });

  it("shows this machine's inventory and live metrics to a technician", async () => {
    const tech = await loginAs(base, 'tech@vigie.test', PASSWORD);
    const dev = await waitFor('inventory through the API', async () => {
      const r = await tech.get(`/api/v1/devices/${deviceId}`);
      return r.body?.inventory ? r.body : undefined;
    });
    const inv = dev.inventory;
    const real = JSON.parse(execFileSync(process.execPath, [AGENT_BIN, 'inventory', '--json'], { encoding: 'utf8' }));
    expect(inv.os.hostname).toBe(real.os.hostname);
    expect(inv.system.serial).toBe(real.system.serial);
    expect(inv.disks.map((d: any) => d.device)).toEqual(real.disks.map((d: any) => d.device));
    expect(inv.software.length).toBe(real.software.length);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax
    const dpkgCount = execFileSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}\n'], { encoding: 'utf8' })
      .split('\n')
      // Installed, or installed with triggers pending (W/t) — as the agent counts them.
      .filter((l) => /^.[iWt]/.test(l)).length;
    expect(inv.software.length).toBe(dpkgCount);
    expect(dev.device.status).toBe('online');
    const cpu = await waitFor('live metrics', async () => {
      const r = await tech.get(`/api/v1/devices/${deviceId}/metrics?name=mem.used_bytes&from=${Date.now() - 120_000}&step=1s`);
      const pts = r.body.series?.[0]?.points ?? [];
      return pts.length >= 3 ? pts : undefined;
    });
    expect(cpu.every((p: [number, number]) => p[1] > 0)).toBe(true);
    const list = await tech.get('/api/v1/devices');
    expect(list.body.devices.map((d: any) => d.id)).toContain(deviceId);
  });

  it('shows it to its own client user and nothing of it to another client', async () => {
    const acme = await loginAs(base, 'dsi@acme.test', PASSWORD);
    expect((await acme.get(`/api/v1/devices/${deviceId}`)).status).toBe(200);
    const globex = await loginAs(base, 'it@globex.test', PASSWORD);
    expect((await globex.get('/api/v1/devices')).body.devices).toEqual([]);
    for (const p of [`/api/v1/devices/${deviceId}`, `/api/v1/devices/${deviceId}/inventory/history`, `/api/v1/devices/${deviceId}/metrics?name=cpu.load1`]) {
      expect((await globex.get(p)).status).toBe(404);
    }
  });

  it('delivers every sample taken while the collector was down, exactly once', async () => {
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
    await collector.stop();
    const outageStart = Date.now();
    await new Promise((r) => setTimeout(r, 6000));
    const takenDuringOutage = spooled().filter((l) => l.type === 'metrics' && l.ts >= outageStart).length;
    expect(takenDuringOutage).toBeGreaterThanOrEqual(4);
    collector = startCollector();
    await waitFor('collector back', async () => (await httpJson(`${base}/healthz`)).status === 200);
    // The agent reconnects after its backoff and drains its spool: wait until it has caught up.
    const ledgerNow = () => JSON.parse(readFileSync(join(stateDir(), 'spool', 'ledger.json'), 'utf8')) as { ackedSeq: number; nextSeq: number };
    const producedBeforeRestart = Math.max(...spooled().map((l) => l.seq as number));
    await waitFor('spool drained', async () => ledgerNow().ackedSeq >= producedBeforeRestart, 90_000);
    // Stop the agent so nothing new is produced, and compare what it produced with what was stored.
    await agent.stop();
    const { ackedSeq } = ledgerNow();
    const metricsFrames = spooled().filter((l) => l.type === 'metrics' && l.seq <= ackedSeq);
    expect(metricsFrames.length).toBeGreaterThan(takenDuringOutage);
    const tech = await loginAs(base, 'tech@vigie.test', PASSWORD);
    const first = metricsFrames[0].ts as number;
    const last = metricsFrames[metricsFrames.length - 1].ts as number;
    const r = await tech.get(`/api/v1/devices/${deviceId}/metrics?name=mem.used_bytes&from=${first}&to=${last}&step=1s&agg=count`);
    const points = r.body.series[0].points as [number, number][];
    const stored = points.reduce((s, p) => s + p[1], 0);
    expect(stored).toBe(metricsFrames.length);
    const storedTs = new Set(points.map((p) => p[0]));
    for (const f of metricsFrames) expect(storedTs.has(f.ts - (f.ts % 1000))).toBe(true);
  });
});
