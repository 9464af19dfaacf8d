import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monthOf, parisDate } from '@vigie/shared';
import { startProcess as startProgram } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipLayerBytes, type PacketSpec, TCP_ACK, TCP_PSH, TCP_SYN, writePcap } from '../../agent/src/site/flows/test-support/pcap-writer.js';
import { freeUdpPort, type MibValues, SNMPD_COMMUNITY, type Snmpd, startSnmpd } from '../../agent/src/site/snmp/snmpd-fixture.js';
import {
  AGENT_BIN,
  COLLECTOR_BIN,
  cli,
  cliJson,
  freePort,
  httpJson,
  keepOnLoopback,
  loginAs,
  type Proc,
  putTestPolicy,
  startProcess,
  waitFor,
} from './processes.js';

/**
 * Issue 8 end to end: a real agent process takes the site role by policy, polls a real snmpd
 * (serving its own interfaces, a printer's Printer-MIB with a toner at 5 % and a UPS on battery)
 * and receives IPFIX from a real softflowd replaying a capture this test writes; the collector
 * shows the interfaces' bandwidth, the toner and the UPS state, opens a ticket for the toner, and
 * its flow totals equal the capture's.
 */
const PASSWORD = 'e2e-password-long-enough';
const PRINTER = '1.3.6.1.2.1.43';
const UPS = '1.3.6.1.2.1.33';
let dir: string;
let base: string;
let collector: Proc;
let agent: Proc;
let snmpd: Snmpd;
let upsd: Snmpd;
let flowPort: number;
let siteId: number;
let clientId: number;
let deviceId: number;
let cookie: string;
let csrf: string;

const printer: MibValues = {
  [`${PRINTER}.11.1.1.4.1.1`]: ['integer', 3],
  [`${PRINTER}.11.1.1.5.1.1`]: ['integer', 3],
  [`${PRINTER}.11.1.1.6.1.1`]: ['string', 'Black Toner'],
  [`${PRINTER}.11.1.1.7.1.1`]: ['integer', 13],
  [`${PRINTER}.11.1.1.8.1.1`]: ['integer', 10_000],
  [`${PRINTER}.11.1.1.9.1.1`]: ['integer', 500],
  [`${PRINTER}.10.2.1.4.1.1`]: ['counter', 48_213],
};
const upsOnBattery: MibValues = {
  [`${UPS}.1.1.1.0`]: ['string', 'APC'],
  [`${UPS}.1.1.2.0`]: ['string', 'Smart-UPS 1500'],
  [`${UPS}.1.2.1.0`]: ['integer', 2],
  [`${UPS}.1.2.2.0`]: ['integer', 95],
  [`${UPS}.1.2.3.0`]: ['integer', 42],
  [`${UPS}.1.2.4.0`]: ['integer', 87],
  [`${UPS}.1.4.1.0`]: ['integer', 5],
  [`${UPS}.1.7.3.0`]: ['integer', 1],
  [`${UPS}.1.7.5.0`]: ['timeticks', 1],
};

/** Office traffic through the router: known packets, so known IP-layer bytes. */
function capture(t0: number): PacketSpec[] {
  const out: PacketSpec[] = [];
  const tcp = (t: number, c: string, cp: number, s: string, sp: number, rounds: number, req: number, resp: number) => {
    out.push({ protocol: 'tcp', src: c, dst: s, srcPort: cp, dstPort: sp, ts: t, payload: 0, tcpFlags: TCP_SYN });
    for (let i = 0; i < rounds; i++) {
      out.push({ protocol: 'tcp', src: c, dst: s, srcPort: cp, dstPort: sp, ts: t + 2 + 2 * i, payload: req, tcpFlags: TCP_PSH | TCP_ACK });
      out.push({ protocol: 'tcp', src: s, dst: c, srcPort: sp, dstPort: cp, ts: t + 3 + 2 * i, payload: resp, tcpFlags: TCP_PSH | TCP_ACK });
    }
  };
  tcp(t0, '192.168.10.10', 50_001, '203.0.113.5', 443, 30, 517, 1_400);
  tcp(t0 + 100, '192.168.10.11', 50_002, '192.0.2.80', 80, 10, 300, 1_200);
  for (let i = 0; i < 4; i++) {
    out.push({ protocol: 'udp', src: '192.168.10.12', dst: '198.51.100.53', srcPort: 40_000, dstPort: 53, ts: t0 + 200 + 3 * i, payload: 40 });
    out.push({ protocol: 'udp', src: '198.51.100.53', dst: '192.168.10.12', srcPort: 53, dstPort: 40_000, ts: t0 + 201 + 3 * i, payload: 120 });
  }
  return out.sort((a, b) => a.ts - b.ts);
}

async function api(path: string, init: { method?: string; body?: unknown } = {}) {
  return httpJson(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: { cookie, 'x-csrf-token': csrf, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
}

/** Some megabytes over loopback, so that lo's counters move between two polls. */
async function loopbackTraffic(bytes: number): Promise<void> {
  const server = createServer((s) => s.resume());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const { connect } = await import('node:net');
  await new Promise<void>((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => c.end(Buffer.alloc(bytes, 7)));
    c.on('close', () => resolve());
    c.on('error', reject);
  });
  await new Promise((r) => server.close(r));
}

const startAgent = () => startProcess(AGENT_BIN, ['run', '--state-dir', join(dir, 'agent'), '--log-level', 'info']);

beforeAll(async () => {
  for (const bin of ['snmpd', 'softflowd']) if (spawnSync(bin, ['-h']).error) throw new Error(`${bin} is not installed: node scripts/setup.mjs --system`);
  dir = mkdtempSync(join(tmpdir(), 'vigie-e2e-site-'));
  // A printer and a UPS: two devices, two snmpd.
  snmpd = await startSnmpd({ [PRINTER]: printer });
  upsd = await startSnmpd({ [UPS]: upsOnBattery });
  flowPort = await freeUdpPort();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const common = ['--data-dir', join(dir, 'collector')];
  clientId = (await cliJson(COLLECTOR_BIN, ['client', 'create', '--name', 'Acme SARL', ...common])).id;
  const site = await cliJson(COLLECTOR_BIN, ['site', 'create', '--client', 'Acme SARL', '--name', 'Siège', ...common]);
  siteId = site.id;
  await cliJson(COLLECTOR_BIN, ['user', 'create', '--email', 'tech@vigie.test', '--role', 'technician', '--password', PASSWORD, ...common]);
  const token = await cliJson(COLLECTOR_BIN, ['token', 'create', '--site', String(site.id), ...common]);
  collector = startProcess(COLLECTOR_BIN, ['serve', '--port', String(port), ...common, '--rules-interval', '2', '--log-level', 'warn']);
  await waitFor('collector up', async () => (await httpJson(`${base}/healthz`)).status === 200);
  const tech = await loginAs(base, 'tech@vigie.test', PASSWORD);
  await keepOnLoopback(tech, clientId);
  const out = await cli(AGENT_BIN, ['enroll', '--url', base, '--state-dir', join(dir, 'agent')], { VIGIE_ENROLL_TOKEN: token.token });
  deviceId = Number(/device (\d+)/.exec(out)?.[1]);
  agent = startAgent();
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'tech@vigie.test', password: PASSWORD }),
  });
  cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
  await waitFor('agent online', async () => (await api(`/api/v1/devices/${deviceId}`)).body?.device?.connected);
  // The site role goes to this one agent, by a policy on its device.
  await putTestPolicy(tech, 'device', deviceId, {
    probes: {
      snmp: {
        intervalSec: 10,
        targets: [
          { address: '127.0.0.1', port: snmpd.port, version: '2c', community: SNMPD_COMMUNITY, ping: false },
          { address: '127.0.0.1', port: upsd.port, version: '2c', community: SNMPD_COMMUNITY, ping: false },
        ],
      },
      flows: { enabled: true, port: flowPort, bind: '127.0.0.1', exporters: ['127.0.0.1'], siteSubnets: ['192.168.10.0/24'] },
    },
  });
  // Generous: five CLI runs, a collector and an agent starting, on a shared 2-core machine (a hook
  // timeout bounds a hang; it is no timing assertion).
}, 180_000);

afterAll(async () => {
  await agent?.stop();
  await collector?.stop();
  await snmpd?.stop();
  await upsd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('site role: SNMP and flows on a real agent', () => {
  let watchedId: number;

  it('shows the polled device with its interfaces’ bandwidth, its toner and its UPS state', async () => {
    const key = `snmp:127.0.0.1:${snmpd.port}`;
    const dev = await waitFor(
      'the watched device',
      async () => (await api(`/api/v1/devices?clientId=${clientId}`)).body.devices.find((d: any) => d.kind === 'agentless' && d.platform === 'printer'),
      40_000,
    );
    watchedId = dev.id;
    expect(dev).toMatchObject({ siteId, platform: 'printer' });
    const detail = await api(`/api/v1/devices/${watchedId}`);
    expect(detail.body.watched).toMatchObject({ key, kind: 'printer', reachable: true, reporterDeviceId: deviceId });
    // Traffic on lo between two polls gives a bandwidth.
    const rate = await waitFor(
      'lo bandwidth',
      async () => {
        await loopbackTraffic(4 * 1024 * 1024);
        const latest = (await api(`/api/v1/devices/${watchedId}`)).body.latestMetrics as Record<string, { value: number }>;
        const v = latest['net_if_in_bps{if=lo}']?.value ?? 0;
        return v > 0 ? v : undefined;
      },
      40_000,
      2_000,
    );
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThan(100e9);
    const checks = await waitFor(
      'printer checks',
      async () => {
        const c = (await api(`/api/v1/devices/${watchedId}`)).body.checks as any[];
        return c.some((x) => x.check === 'snmp-supply') ? c : undefined;
      },
      30_000,
    );
    expect(checks.find((c) => c.check === 'snmp-supply')).toMatchObject({ status: 'critical', code: 'SUPPLY_CRITICAL' });
    expect(checks.find((c) => c.check === 'snmp-supply').message).toContain('5 %');
    // What the dashboard shows, from the code and the values the real agent sent.
    expect(checks.find((c) => c.check === 'snmp-supply').text).toEqual({
      fr: 'Black Toner\u00a0: presque vide, reste 5\u00a0%',
      en: 'Black Toner: nearly empty, 5% left',
    });
    expect((await api(`/api/v1/devices/${watchedId}`)).body.latestMetrics['printer_supply_pct{supply=Black Toner}'].value).toBe(5);
    // The UPS, on battery.
    const ups = await waitFor(
      'the UPS',
      async () => (await api(`/api/v1/devices?clientId=${clientId}`)).body.devices.find((d: any) => d.platform === 'ups'),
      30_000,
    );
    const u = await waitFor(
      'UPS check',
      async () => {
        const d = (await api(`/api/v1/devices/${ups.id}`)).body;
        return d.checks.some((x: any) => x.check === 'snmp-ups') ? d : undefined;
      },
      30_000,
    );
    expect(u.checks.find((c: any) => c.check === 'snmp-ups')).toMatchObject({ status: 'critical', code: 'UPS_ON_BATTERY' });
    expect(u.latestMetrics.ups_on_battery.value).toBe(1);
    expect(u.latestMetrics.ups_charge_pct.value).toBe(87);
    expect(u.watched).toMatchObject({ kind: 'ups', key: `snmp:127.0.0.1:${upsd.port}` });
  }, 120_000);

  it('a toner at 5 % opens a ticket', async () => {
    const t = await waitFor(
      'toner ticket',
      async () => (await api(`/api/v1/tickets?clientId=${clientId}`)).body.tickets.find((x: any) => /Black Toner/.test(x.title)),
      60_000,
    );
    expect(t).toMatchObject({ channel: 'monitoring', status: 'new' });
    expect(t.title).toMatch(/^\[Alerte\] Black Toner\u00a0: presque vide, reste 5\u00a0% \(.+\)$/);
  }, 120_000);

  it('the flow totals equal those of the capture softflowd exports as IPFIX', async () => {
    const packets = capture(Date.now() - 20_000);
    const pcap = join(dir, 'office.pcap');
    writeFileSync(pcap, writePcap(packets));
    const ctl = join(dir, 'softflowd.ctl');
    const sf = startProgram('softflowd', ['-d', '-r', pcap, '-n', `127.0.0.1:${flowPort}`, '-v', '10', '-p', join(dir, 'sf.pid'), '-c', ctl]);
    try {
      await waitFor(
        'softflowd to export and exit',
        async () => {
          if (sf.child.exitCode !== null) return true;
          await new Promise((r) => execFile('softflowctl', ['-c', ctl, 'statistics'], { timeout: 2_000 }, () => r(undefined)));
          return false;
        },
        20_000,
        300,
      );
    } finally {
      if (sf.child.exitCode === null) await sf.stop();
    }
    // The agent sends whole periods; on stop it sends what it holds, and its spool survives the restart.
    await agent.stop();
    const before = agent.lines.slice(-20).join('\n');
    agent = startAgent();
    const expected = { bytes: packets.reduce((s, p) => s + ipLayerBytes(p), 0), packets: packets.length };
    const view = await waitFor(
      'flows at the collector',
      async () => {
        const r = await api(`/api/v1/sites/${siteId}/flows?from=${Date.now() - 3_600_000}`);
        return r.body.summary && r.body.summary.total.packets >= expected.packets ? r.body : undefined;
      },
      40_000,
    ).catch((err) => {
      throw new Error(
        `${(err as Error).message}\nsoftflowd: ${sf.lines.join(' | ')}\nagent before: ${before}\nagent: ${agent.lines.slice(-30).join('\n')}\ncollector: ${collector.lines.slice(-10).join('\n')}`,
      );
    });
    expect(view.summary.total).toMatchObject(expected);
    expect(view.summary.topSources[0]).toMatchObject({ host: '203.0.113.5' });
    expect(view.summary.services.map((s: any) => s.service)).toEqual(expect.arrayContaining(['https', 'http', 'dns']));
    expect(view.summary.direction.outbound.bytes + view.summary.direction.inbound.bytes).toBe(expected.bytes);
    // The monthly flow report of the client carries them.
    const month = monthOf(parisDate(Date.now()));
    const pdf = await fetch(`${base}/api/v1/clients/${clientId}/flow-report?month=${month}`, { headers: { cookie } });
    expect(pdf.status).toBe(200);
    const file = join(dir, 'flows.pdf');
    writeFileSync(file, Buffer.from(await pdf.arrayBuffer()));
    const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).stdout.replace(/[\s\u00a0\u202f]+/g, ' ');
    expect(text).toContain('Rapport mensuel des flux réseau');
    expect(text).toContain('203.0.113.5');
    expect(text).toContain('https');
  }, 120_000);
});
