import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CheckResult, describeCheck, type NetworkProbeConfig, networkProbeSpec, resolveProbeConfig } from '@vigie/shared';
import { IsolatedNetwork } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog } from '../../log.js';
import { ProbeRunner } from '../runner.js';
import { networkProbe } from './index.js';
import { checkInterfaces } from './interface-check.js';

const AGENT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const COLLECT_ONCE = join(AGENT_DIR, 'src', 'probes', 'network', 'test-support', 'collect-once.ts');

// Real servers on loopback: plain HTTP, HTTPS with a certificate that expires in 5 days (made by
// openssl for this run), and a closed TCP port.
let http: Server;
let https: Server;
let httpUrl: string;
let httpsUrl: string;
let closedPort: number;

const listen = (s: Server | ReturnType<typeof createTcpServer>) =>
  new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-tls-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '5', '-subj', '/CN=localhost', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')],
    { stdio: 'ignore' },
  );
  http = createHttpServer((req, res) => {
    if (req.url === '/missing') res.writeHead(404).end('nope');
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Intranet Acme</h1>');
  });
  https = createHttpsServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (_req, res) => res.end('secure'));
  httpUrl = `http://127.0.0.1:${await listen(http)}`;
  httpsUrl = `https://localhost:${await listen(https)}`;
  const tcp = createTcpServer();
  closedPort = await listen(tcp);
  await new Promise((r) => tcp.close(r));
});
afterAll(() => {
  http.close();
  https.close();
});

const config = (over: Partial<NetworkProbeConfig>): NetworkProbeConfig => {
  const r = resolveProbeConfig(networkProbeSpec, { pingGateway: false, interfaces: false, ...over });
  if (!r.ok) throw new Error(r.error);
  return r.config;
};
const run = (cfg: NetworkProbeConfig) => {
  const ac = new AbortController();
  return networkProbe.collect({ now: Date.now, signal: ac.signal, platform: 'linux', run: async () => ({ stdout: '', stderr: '', code: 0 }) }, cfg);
};

describe('network probe against real servers on loopback', () => {
  it('reports HTTP status, response time and expected content', async () => {
    const res = await run(
      config({
        http: [{ url: `${httpUrl}/`, expectText: 'Intranet Acme' }, { url: `${httpUrl}/missing` }, { url: `${httpUrl}/`, expectText: 'Extranet' }],
      }),
    );
    expect(res.map((r) => [r.status, r.code])).toEqual([
      ['ok', 'HTTP_OK'],
      ['critical', 'HTTP_STATUS'],
      ['critical', 'HTTP_TEXT_MISSING'],
    ]);
    expect(res[0]!.values?.status).toBe(200);
    expect(res[0]!.values?.responseMs).toBeGreaterThan(0);
  });

  it('reports a certificate expiring in 5 days as critical (< 14 days), and an untrusted one unless allowed', async () => {
    const trusted = await run(config({ http: [{ url: httpsUrl }] }));
    expect(trusted.map((r) => r.code)).toEqual(['TLS_UNTRUSTED']);
    const res = await run(config({ http: [{ url: httpsUrl, insecure: true }] }));
    const cert = res.find((r) => r.target.startsWith('tls '))!;
    expect(cert.status).toBe('critical');
    expect(cert.code).toBe('TLS_CERT_EXPIRING');
    expect(cert.values?.daysLeft).toBeGreaterThanOrEqual(4);
    expect(cert.values?.daysLeft).toBeLessThanOrEqual(5);
    expect(cert.values?.subject).toBe('localhost');
    const warnOnly = await run(config({ http: [{ url: httpsUrl, insecure: true }], certCriticalDays: 3, certWarningDays: 30 }));
    expect(warnOnly.find((r) => r.target.startsWith('tls '))!.status).toBe('warning');
  });

  it('pings a host that answers, and reports one that never does as critical (in a namespace with only lo)', async () => {
    // The probe runs as a process inside a network namespace of the test, where nftables drops
    // what goes to SILENT_HOST: a host that never answers, without a packet leaving the machine.
    const net = IsolatedNetwork.create('ping');
    try {
      expect(net.links()).toEqual(['lo']);
      const cfg = { pingGateway: false, interfaces: false, pingHosts: ['127.0.0.1', IsolatedNetwork.SILENT_HOST], pingCount: 2 };
      const res = JSON.parse(await net.run(process.execPath, ['--import', 'tsx', COLLECT_ONCE, JSON.stringify(cfg)], { cwd: AGENT_DIR })) as CheckResult[];
      expect(res[0]).toMatchObject({ target: 'ping 127.0.0.1', status: 'ok', code: 'PING_OK' });
      expect(res[0]!.values?.lossPct).toBe(0);
      expect(res[0]!.values?.rttAvgMs).toBeGreaterThanOrEqual(0);
      expect(res[1]).toMatchObject({ target: `ping ${IsolatedNetwork.SILENT_HOST}`, status: 'critical', code: 'HOST_UNREACHABLE' });
      expect(res[1]!.values?.lossPct).toBe(100);
    } finally {
      await net.destroy();
    }
  });

  it('says that the ping program is missing, in its own words, and still runs the other checks', async () => {
    // A PATH without ping, as on a machine where iputils-ping is not installed.
    const path = process.env.PATH;
    process.env.PATH = mkdtempSync(join(tmpdir(), 'vigie-no-ping-'));
    let res: CheckResult[];
    try {
      res = await run(config({ pingHosts: ['127.0.0.1'], http: [{ url: `${httpUrl}/`, expectText: 'Intranet Acme' }] }));
    } finally {
      process.env.PATH = path;
    }
    expect(res.map((r) => [r.target, r.status, r.code])).toEqual([
      ['ping 127.0.0.1', 'unknown', 'PING_UNAVAILABLE'],
      [`http ${httpUrl}/`, 'ok', 'HTTP_OK'],
    ]);
    // French typography: a no-break space before the colons.
    expect(describeCheck(res[0]!, 'fr')).toBe(
      '127.0.0.1 n’a pas pu être pingé\u00a0: le programme ping est absent de cette machine ou ne peut pas être lancé (sous Debian ou Ubuntu\u00a0: paquet iputils-ping)',
    );
    expect(describeCheck(res[0]!, 'en')).toMatch(/^127\.0\.0\.1 could not be pinged: the ping program is missing/);
  });

  it('reports open and closed TCP ports', async () => {
    const port = Number(new URL(httpUrl).port);
    const res = await run(
      config({
        tcp: [
          { host: '127.0.0.1', port },
          { host: '127.0.0.1', port: closedPort },
        ],
      }),
    );
    expect(res.map((r) => `${r.status} ${r.code}`)).toEqual(['ok TCP_OPEN', 'critical TCP_CLOSED']);
  });

  it('reports a DNS resolver that does not answer as critical', async () => {
    const res = await run(config({ dns: [{ name: 'intranet.acme.test', resolver: `127.0.0.1` }] }));
    expect(res[0]!.code).toBe('DNS_FAILED');
    expect(res[0]!.status).toBe('critical');
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://2852039166/',
    'http://0xa9fea9fe/',
    'http://0251.0376.0251.0376/',
    'http://169.254.169.254.nip.invalid.localhost/',
    'http://[fe80::1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[fd00:ec2::254]/',
  ])('refuses the link-local or metadata target %s unless the policy allows it', async (url) => {
    const res = await run(config({ http: [{ url }] }));
    if (url.includes('nip.invalid')) {
      // A name that does not resolve is reported as such, never fetched.
      expect(res[0]!.code).toMatch(/HTTP_DNS_FAILED|HTTP_TARGET_REFUSED/);
      return;
    }
    expect(res[0]!.code).toBe('HTTP_TARGET_REFUSED');
  });

  it('reports this machine’s interfaces, and new errors, a down link and a slow link from readings', async () => {
    const live = await run(config({ interfaces: true }));
    expect(live.length).toBeGreaterThan(0);
    expect(live.every((r) => r.target.startsWith('interface ') && r.code === 'INTERFACE_OK')).toBe(true);
    const memory = new Map();
    const cfg = config({ minLinkSpeedMbps: 1000 });
    const at = (rx: number, state = 'up', speed: number | null = 1000) =>
      checkInterfaces([{ iface: 'eth0', operstate: state, speedMbps: speed, rxErrors: rx, txErrors: 0 }], cfg, memory, 0)[0]!.code;
    expect(at(10)).toBe('INTERFACE_OK'); // first reading: nothing to compare with
    expect(at(10)).toBe('INTERFACE_OK');
    expect(at(14)).toBe('INTERFACE_ERRORS');
    expect(at(2)).toBe('INTERFACE_ERRORS'); // counters reset: the 2 are new
    expect(at(2, 'down')).toBe('INTERFACE_DOWN');
    expect(at(2, 'up', 100)).toBe('INTERFACE_SLOW_LINK');
  });

  // Issue 13, point 6: TCP, DNS and ping had no guard. Refused before any packet (the security
  // suite proves it with listeners on these addresses in a network namespace).
  it.each([
    [{ tcp: [{ host: '169.254.169.254', port: 80 }] }, 'tcp 169.254.169.254:80'],
    [{ tcp: [{ host: '100.100.100.200', port: 80 }] }, 'tcp 100.100.100.200:80'],
    [{ tcp: [{ host: '2852039166', port: 80 }] }, 'tcp 2852039166:80'],
    [{ tcp: [{ host: 'fd00:ec2::254', port: 80 }] }, 'tcp fd00:ec2::254:80'],
    [{ dns: [{ name: 'acme.fr', resolver: '168.63.129.16' }] }, 'dns acme.fr @168.63.129.16'],
    [{ pingHosts: ['169.254.169.254'] }, 'ping 169.254.169.254'],
    [{ pingHosts: ['0xa9fea9fe'] }, 'ping 0xa9fea9fe'],
    [{ internetHost: '0' }, 'ping 0'],
  ])('refuses %j without contacting it', async (over, target) => {
    const res = await run(config(over as Partial<NetworkProbeConfig>));
    expect(res).toHaveLength(1);
    expect(res[0]).toMatchObject({ target, status: 'unknown', code: 'TARGET_REFUSED' });
  });

  it('reaches a refused range when the policy opts in (a TCP port on loopback stays allowed either way)', async () => {
    const port = Number(new URL(httpUrl).port);
    const res = await run(config({ allowLinkLocal: true, tcp: [{ host: '127.0.0.1', port }] }));
    expect(res[0]!.code).toBe('TCP_OPEN');
  });
});

describe('probe runner', () => {
  it('turns a probe that times out into an unknown PROBE_ERROR result instead of failing', async () => {
    const emitted: unknown[] = [];
    const slow = { ...networkProbe, collect: () => new Promise<never>(() => {}) };
    const runner = new ProbeRunner([slow as never], async (r) => void emitted.push(...r), createLog('error'));
    const res = await runner.runOnce(slow as never, { timeoutSec: 1 });
    expect(res[0]).toMatchObject({ check: 'network', status: 'unknown', code: 'PROBE_ERROR' });
    expect(res[0]!.message).toContain('timed out');
    expect(emitted).toHaveLength(1);
  });

  it('refuses a policy configuration that does not fit the schema, keeping the others', () => {
    expect(resolveProbeConfig(networkProbeSpec, { intervalSec: 1 }).ok).toBe(false);
    expect(resolveProbeConfig(networkProbeSpec, { tcp: [{ host: 'x', port: 99999 }] }).ok).toBe(false);
    expect(resolveProbeConfig(networkProbeSpec, { unknownKey: 1 }).ok).toBe(false);
    const ok = resolveProbeConfig(networkProbeSpec, { intervalSec: 60 });
    expect(ok.ok && ok.config.intervalSec).toBe(60);
  });
});
