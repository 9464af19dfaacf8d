import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lan, type Proc, waitFor } from '@vigie/testkit';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { account, printAccounts } from '../src/accounting.js';
import { type Collector, type Machine, PASSWORD, prepareStore, QUIET_POLICY, serveCollector, setClientPolicy } from '../src/processes.js';
import { type LogEntry, RealAgent } from '../src/real-agent.js';
import { realTruth, settle } from '../src/scenario.js';

/*
 * Issue 15, point 4: collectors on machines of their own. A private LAN (10.15.0.0/24, network
 * namespaces the test creates, testkit's `Lan`) with four hosts: the NATS server, collectors A and B,
 * and a real agent whose list is A then B. A and B share one store (one SQLite file: the namespaces
 * share the file system, as the scale-out's PostgreSQL would be shared); they talk to each other only
 * over NATS at 10.15.0.1. Each host has its own address, and nothing has a route off the LAN.
 * Ports inside the namespaces are fixed: the namespaces are this test's alone.
 */
const COLLECTOR_PORT = 8080;
const NATS_PORT = 4222;
const dir = mkdtempSync(join(tmpdir(), 'vigie-faults-lan-'));
let lan: Lan;
let natsProc: Proc;
let a: Collector;
let b: Collector;
let agent: RealAgent;
let urlA: string;
let urlB: string;
let socket: WebSocket;
const live: { type: string; data: Record<string, unknown> }[] = [];

async function machine(host: string): Promise<Machine> {
  return { wrap: (cmd, args) => lan.wrap(host, cmd, args), host: lan.address(host), url: `http://127.0.0.1:${await lan.expose(host, COLLECTOR_PORT)}` };
}

const clusterArgs = (nodeId: string) => [
  '--bus',
  `nats://${lan.address('nats')}:${NATS_PORT}`,
  '--node-id',
  nodeId,
  '--lease-ttl',
  '3',
  '--invoicing-interval',
  '1',
];

beforeAll(async () => {
  lan = new Lan('cluster', ['nats', 'a', 'b', 'agent']);
  natsProc = lan.start('nats', 'nats-server', ['-a', lan.address('nats'), '-p', String(NATS_PORT), '-js', '-sd', join(dir, 'nats')]);
  await waitFor('nats-server ready', async () => {
    if (natsProc.child.exitCode !== null) throw new Error(natsProc.lines.join(' | '));
    return natsProc.lines.some((l) => l.includes('Server is ready'));
  });
  const store = await prepareStore(join(dir, 'collector'), 1);
  a = await serveCollector({ ...store, port: COLLECTOR_PORT, args: clusterArgs('collector-a'), machine: await machine('a') });
  await setClientPolicy(a, QUIET_POLICY);
  b = await serveCollector({ ...store, port: COLLECTOR_PORT, args: clusterArgs('collector-b'), machine: await machine('b') });
  await waitFor('both collectors on the bus', async () => (await metric(a, 'vigie_bus_connected')) === 1 && (await metric(b, 'vigie_bus_connected')) === 1);
  urlA = `http://${lan.address('a')}:${COLLECTOR_PORT}`;
  urlB = `http://${lan.address('b')}:${COLLECTOR_PORT}`;
  socket = await liveSocket(b);
  socket.on('message', (raw) => live.push(JSON.parse(String(raw))));
  agent = new RealAgent('agent', join(dir, 'agent'), [], { wrap: (cmd, args) => lan.wrap('agent', cmd, args) });
  // Plain HTTP to another machine: a closed lab, said explicitly as an operator would.
  await agent.enroll(urlA, store.token, [urlB], ['--allow-plain']);
  agent.start();
}, 180_000);

afterAll(async () => {
  socket?.close();
  await agent?.stop('SIGKILL');
  for (const c of [a, b]) await c?.stop('SIGKILL');
  await natsProc?.stop();
  await lan?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function metric(c: Collector, name: string): Promise<number> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  return Number(new RegExp(`^${name}\\{worker="[^"]+"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

async function signIn(c: Collector): Promise<{ cookie: string; csrfToken: string }> {
  const res = await fetch(`${c.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'tech@faults.test', password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrfToken };
}

async function liveSocket(c: Collector): Promise<WebSocket> {
  const { cookie } = await signIn(c);
  const ws = new WebSocket(`${c.url.replace('http', 'ws')}/api/v1/live`, { headers: { cookie } });
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

const entries = (msg: string) => agent.logEntries().filter((e: LogEntry) => e.msg === msg);
const connectedTo = (url: string) => entries('connected to collector').some((e) => e.url === url);
const deviceEvents = (change: string) => live.filter((e) => e.type === 'device' && e.data.deviceId === agent.deviceId && e.data.change === change);

function lease(): { holder: string; expires_at: number; acquired_at: number } | undefined {
  const db = new BetterSqlite3(a.dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT holder, expires_at, acquired_at FROM cluster_leases WHERE name = 'scheduled-jobs'").get() as never;
  } finally {
    db.close();
  }
}

describe('collectors on separate machines (network namespaces), one NATS, one store', () => {
  it('the agent on A is seen live by a dashboard on B: its connection and a ticket opened on A', async () => {
    await waitFor('the agent connected to A', async () => connectedTo(urlA), 60_000, 200);
    await waitFor('B’s dashboard heard it connect', async () => deviceEvents('connected').length > 0, 30_000, 100);
    const { cookie, csrfToken } = await signIn(a);
    const res = await fetch(`${a.url}/api/v1/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      // A mail taken in by a technician: the hotline channel depends on the day and hour.
      body: JSON.stringify({
        clientId: a.clientId,
        title: 'Imprimante de l’accueil',
        description: 'Ouvert sur A',
        channel: 'email',
        deviceIds: [agent.deviceId],
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    await waitFor(
      'B’s dashboard heard the ticket',
      async () => live.some((e) => e.type === 'ticket' && (e.data.ticket as { title?: string } | undefined)?.title === 'Imprimante de l’accueil'),
      30_000,
      100,
    );
  });

  it('A cut off from NATS: a policy set on B meanwhile reaches the agent on A once A is back on the bus (its durable consumer)', async () => {
    const connections = entries('connected to collector').length;
    lan.cut('a', 'nats');
    await waitFor('A noticed it lost NATS', async () => (await metric(a, 'vigie_bus_connected')) === 0, 60_000, 250);
    expect(await metric(b, 'vigie_bus_connected')).toBe(1);
    await setClientPolicy(b, { ...QUIET_POLICY, metricsIntervalSec: 2 });
    await waitFor('JetStream took B’s message', async () => (await metric(b, 'vigie_bus_durable_pending')) === 0, 30_000, 200);
    // A still serves its agent meanwhile.
    expect((await a.health())?.agentsConnected).toBe(1);

    lan.mend('a');
    await waitFor('the agent on A applied the policy set on B', async () => entries('policy applied').some((e) => e.metricsIntervalSec === 2), 90_000, 250);
    expect(await metric(a, 'vigie_bus_reconnects_total')).toBeGreaterThanOrEqual(1);
    expect(entries('connected to collector')).toHaveLength(connections);
  });

  it('A killed: the agent moves to B, every frame stored once; the jobs move to B after the lease expired', async () => {
    await waitFor('A runs the month-end job', async () => (await metric(a, 'vigie_jobs_invoicing_runs_total')) >= 2, 30_000, 200);
    expect(await metric(b, 'vigie_jobs_invoicing_runs_total')).toBe(0);
    const held = lease()!;
    expect(held.holder).toBe('collector-a');

    await a.stop('SIGKILL');
    await waitFor('the agent connected to B', async () => connectedTo(urlB), 90_000, 200);
    await waitFor('B took the lease', async () => lease()?.holder === 'collector-b', 30_000, 200);
    expect(lease()!.acquired_at).toBeGreaterThan(held.expires_at);
    await waitFor('B runs the month-end job', async () => (await metric(b, 'vigie_jobs_invoicing_runs_total')) >= 1, 30_000, 200);

    await settle(b, undefined, [agent]);
    const truth = await realTruth(agent);
    const row = account(b.dbPath, 'agent (A → B, separate machines)', [truth]);
    printAccounts('collector A SIGKILLed on its own machine, agent failed over to B', [row]);
    expect(row).toMatchObject({ lostUnreported: 0, duplicated: 0, metricsMissingUnreported: 0, metricsPhantom: 0, pending: 0 });
    expect(row.stored).toBe(row.produced);
  });
});
