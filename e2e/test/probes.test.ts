import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT_BIN,
  COLLECTOR_BIN,
  cli,
  cliJson,
  freePort,
  httpJson,
  IsolatedNetwork,
  keepOnLoopback,
  loginAs,
  type Proc,
  putTestPolicy,
  type Session,
  startProcess,
  waitFor,
} from './processes.js';

const PASSWORD = 'e2e-password-long-enough';
let dir: string;
let base: string;
let collector: Proc;
let agent: Proc;
let https: Server;
let httpsPort: number;
let closedPort: number;
let deviceId: number;
let clientId: number;
let net: IsolatedNetwork;
let tech: Session;
const SILENT = IsolatedNetwork.SILENT_HOST;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-e2e-probes-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '7', '-subj', '/CN=localhost', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')],
    { stdio: 'ignore' },
  );
  https = createServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (_q, r) => r.end('ok'));
  httpsPort = await new Promise<number>((r) => https.listen(0, '127.0.0.1', () => r((https.address() as AddressInfo).port)));
  // A real restic repository with one snapshot, and an empty ClamAV database folder.
  const env = { ...process.env, RESTIC_PASSWORD: 'restic-e2e', RESTIC_CACHE_DIR: join(dir, 'restic-cache') };
  execFileSync('restic', ['init', '--repo', join(dir, 'restic-repo')], { env, stdio: 'ignore' });
  execFileSync('restic', ['backup', '--repo', join(dir, 'restic-repo'), join(dir, 'c.pem')], { env, stdio: 'ignore' });
  writeFileSync(join(dir, 'restic-password'), 'restic-e2e', { mode: 0o600 });
  mkdirSync(join(dir, 'clamav-db'));
  const tcp = createTcpServer();
  closedPort = await new Promise<number>((r) => tcp.listen(0, '127.0.0.1', () => r((tcp.address() as AddressInfo).port)));
  await new Promise((r) => tcp.close(r));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const common = ['--data-dir', join(dir, 'collector')];
  clientId = (await cliJson(COLLECTOR_BIN, ['client', 'create', '--name', 'Acme SARL', ...common])).id;
  const site = await cliJson(COLLECTOR_BIN, ['site', 'create', '--client', 'Acme SARL', '--name', 'Siège', ...common]);
  await cliJson(COLLECTOR_BIN, ['user', 'create', '--email', 'tech@vigie.test', '--role', 'technician', '--password', PASSWORD, ...common]);
  const token = await cliJson(COLLECTOR_BIN, ['token', 'create', '--site', String(site.id), ...common]);
  collector = startProcess(COLLECTOR_BIN, ['serve', '--port', String(port), ...common, '--metrics-interval', '5', '--log-level', 'warn']);
  await waitFor('collector up', async () => (await httpJson(`${base}/healthz`)).status === 200);
  tech = await loginAs(base, 'tech@vigie.test', PASSWORD);
  await keepOnLoopback(tech, clientId);
  const out = await cli(AGENT_BIN, ['enroll', '--url', base, '--state-dir', join(dir, 'agent')], { VIGIE_ENROLL_TOKEN: token.token });
  deviceId = Number(/device (\d+)/.exec(out)?.[1]);
  // The agent runs in a network namespace of the test with only lo: it reaches the collector and the
  // HTTPS server through forwarded loopback ports, and a host that never answers (SILENT, whose
  // packets nftables drops there) plays the unreachable one. Nothing it sends can leave.
  net = IsolatedNetwork.create('e2e-probes');
  await net.forward(port);
  await net.forward(httpsPort);
  agent = net.start(process.execPath, [AGENT_BIN, 'run', '--state-dir', join(dir, 'agent'), '--log-level', 'warn']);
});

afterAll(async () => {
  await agent?.stop();
  await net?.destroy();
  await collector?.stop();
  https?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('probes configured by policy, on a real agent', () => {
  it('a technician sets backup, antivirus and network checks for the client; the running agent applies them and the API shows each finding', async () => {
    const cookie = tech.cookie;
    await waitFor('agent online', async () => (await tech.get(`/api/v1/devices/${deviceId}`)).body?.device?.connected);
    await putTestPolicy(tech, 'client', clientId, {
      probes: {
        network: {
          intervalSec: 10,
          pingGateway: false,
          pingHosts: [SILENT],
          pingCount: 2,
          http: [{ url: `https://localhost:${httpsPort}/`, insecure: true }],
          tcp: [{ host: '127.0.0.1', port: closedPort }],
        },
        backup: {
          intervalSec: 10,
          targets: [{ kind: 'restic', name: 'NAS', repository: join(dir, 'restic-repo'), passwordFile: join(dir, 'restic-password') }],
        },
        antivirus: { intervalSec: 10, clamavDatabaseDir: join(dir, 'clamav-db') },
      },
    });
    const checks = await waitFor(
      'network findings',
      async () => {
        const r = await httpJson(`${base}/api/v1/devices/${deviceId}/checks`, { headers: { cookie } });
        const targets = new Set(r.body.current.map((c: any) => c.target));
        return [`ping ${SILENT}`, 'restic NAS', `tcp 127.0.0.1:${closedPort}`].every((t) => targets.has(t)) &&
          r.body.current.some((c: any) => c.check === 'antivirus' && c.code !== 'AV_NOT_INSTALLED')
          ? r.body
          : undefined;
      },
      60_000,
    );
    const byTarget = Object.fromEntries(checks.current.map((c: any) => [c.target, c]));
    expect(byTarget[`http https://localhost:${httpsPort}/`]).toMatchObject({ status: 'ok', code: 'HTTP_OK' });
    expect(byTarget[`tls localhost:${httpsPort}`]).toMatchObject({ status: 'critical', code: 'TLS_CERT_EXPIRING' });
    expect(byTarget[`tls localhost:${httpsPort}`].values.daysLeft).toBeLessThanOrEqual(7);
    expect(byTarget[`tcp 127.0.0.1:${closedPort}`]).toMatchObject({ status: 'critical', code: 'TCP_CLOSED' });
    expect(byTarget[`ping ${SILENT}`]).toMatchObject({ status: 'critical', code: 'HOST_UNREACHABLE' });
    // The gateway is not pinged: there is none in the namespace, and the policy says not to.
    expect(checks.current.filter((c: any) => c.values?.role === 'gateway')).toEqual([]);
    const backup = byTarget['restic NAS'];
    expect(backup).toMatchObject({ status: 'ok', code: 'BACKUP_OK' });
    expect(backup.values.ageHours).toBeLessThan(1);
    // ClamAV without a signature database is critical, never ok.
    const av = checks.current.find((c: any) => c.check === 'antivirus');
    expect(av).toMatchObject({ status: 'critical', code: 'AV_NO_SIGNATURES' });
    expect(checks.health).toBe('critical');
  });
});
