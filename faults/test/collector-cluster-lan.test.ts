import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lan, type Postgres, type Proc, startPostgres, waitFor } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { account, printAccounts } from '../src/accounting.js';
import { billableLastMonth } from '../src/month-end-billing.js';
import { postgresStore } from '../src/postgres-store.js';
import {
  type Collector,
  createAdmin,
  type Machine,
  PASSWORD,
  prepareStore,
  QUIET_POLICY,
  type StoreTarget,
  serveCollector,
  setClientPolicy,
} from '../src/processes.js';
import { type LogEntry, RealAgent } from '../src/real-agent.js';
import { realTruth, settle } from '../src/scenario.js';

/*
 * Issue 15, point 4: collectors on machines of their own. A private LAN (10.15.0.0/24, network
 * namespaces the test creates, testkit's `Lan`) with five hosts: the NATS server, collectors A and B,
 * a real agent whose list is A then B, and PostgreSQL. A and B share one store, the scale-out's: one
 * PostgreSQL database (relational data and, in its schema vigie_metrics, the samples) that they reach
 * only over the LAN at 10.15.0.5, signing in with a password (SCRAM); it listens on that address
 * alone. They talk to each other only over NATS at 10.15.0.1. Each host has its own address, and
 * nothing has a route off the LAN. No SQLite file is shared (none is even created: checked). The test
 * itself reads the database through PostgreSQL's Unix socket, not the network. Ports inside the
 * namespaces are fixed: the namespaces are this test's alone.
 */
const COLLECTOR_PORT = 8080;
const NATS_PORT = 4222;
const PG_PORT = 5432;
const ADMIN = 'admin@faults.test';
const dir = mkdtempSync(join(tmpdir(), 'vigie-faults-lan-'));
let lan: Lan;
let natsProc: Proc;
let pg: Postgres;
let store: StoreTarget;
let billed: { month: string; totalExclCents: number };
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
  lan = new Lan('cluster', ['nats', 'a', 'b', 'agent', 'pg']);
  pg = await startPostgres({
    fast: true,
    network: { wrap: (cmd, args) => lan.wrap('pg', cmd, args), address: lan.address('pg'), port: PG_PORT, clients: '10.15.0.0/24' },
  });
  const password = 'lan-cluster-password';
  pg.createUser('vigie', password);
  // The password travels in VIGIE_PG_PASSWORD, kept out of `ps` and of the URL.
  store = { database: await pg.createDatabase('vigie', 'vigie'), env: { VIGIE_PG_PASSWORD: password } };
  natsProc = lan.start('nats', 'nats-server', ['-a', lan.address('nats'), '-p', String(NATS_PORT), '-js', '-sd', join(dir, 'nats')]);
  await waitFor('nats-server ready', async () => {
    if (natsProc.child.exitCode !== null) throw new Error(natsProc.lines.join(' | '));
    return natsProc.lines.some((l) => l.includes('Server is ready'));
  });
  // Each collector has its own data folder (its copy of the audit log's head), as on its own machine;
  // the store is prepared with the CLI from A's machine, over the LAN like the collectors.
  const prepared = await prepareStore(join(dir, 'a'), 1, { ...store, machine: { wrap: (cmd, args) => lan.wrap('a', cmd, args) } });
  await createAdmin(join(dir, 'a'), ADMIN, { ...store, machine: { wrap: (cmd, args) => lan.wrap('a', cmd, args) } });
  const common = { token: prepared.token, clientId: prepared.clientId, port: COLLECTOR_PORT, store };
  a = await serveCollector({ ...common, dataDir: join(dir, 'a'), args: clusterArgs('collector-a'), machine: await machine('a') });
  await setClientPolicy(a, QUIET_POLICY);
  billed = await billableLastMonth(a, ADMIN);
  b = await serveCollector({ ...common, dataDir: join(dir, 'b'), args: clusterArgs('collector-b'), machine: await machine('b') });
  await waitFor('both collectors on the bus', async () => (await metric(a, 'vigie_bus_connected')) === 1 && (await metric(b, 'vigie_bus_connected')) === 1);
  urlA = `http://${lan.address('a')}:${COLLECTOR_PORT}`;
  urlB = `http://${lan.address('b')}:${COLLECTOR_PORT}`;
  socket = await liveSocket(b);
  socket.on('message', (raw) => live.push(JSON.parse(String(raw))));
  agent = new RealAgent('agent', join(dir, 'agent'), [], { wrap: (cmd, args) => lan.wrap('agent', cmd, args) });
  // Plain HTTP to another machine: a closed lab, said explicitly as an operator would.
  await agent.enroll(urlA, prepared.token, [urlB], ['--allow-plain']);
  agent.start();
}, 180_000);

afterAll(async () => {
  socket?.close();
  await agent?.stop('SIGKILL');
  for (const c of [a, b]) await c?.stop('SIGKILL');
  await natsProc?.stop();
  await pg?.stop();
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

/** SQL on the collectors' database (as the test's own superuser, through the Unix socket). */
const query = (sql: string) => pg.psql(sql, 'vigie');

function lease(): { holder: string; expires_at: number; acquired_at: number } | undefined {
  const [row] = query("SELECT holder, expires_at, acquired_at FROM cluster_leases WHERE name = 'scheduled-jobs'");
  if (row === undefined) return undefined;
  const [holder, expires, acquired] = row.split('|');
  return { holder: holder!, expires_at: Number(expires), acquired_at: Number(acquired) };
}

/**
 * The month's invoices of the client (number, total excluding VAT, creation time) and how many
 * invoices were ever issued (the audit log's entries): what "issued once" is checked against.
 */
function invoicesOfMonth(): { invoices: { number: string; totalExclCents: number; createdAt: number }[]; issues: number } {
  const invoices = query(
    `SELECT number, total_excl_cents, created_at FROM invoices WHERE client_id = ${a.clientId} AND kind = 'invoice' AND period_start = '${billed.month}-01' ORDER BY id`,
  ).map((l) => {
    const [number, total, created] = l.split('|');
    return { number: number!, totalExclCents: Number(total), createdAt: Number(created) };
  });
  const [issues] = query("SELECT count(*) FROM audit_log WHERE action = 'invoice.issue'");
  return { invoices, issues: Number(issues) };
}

/** The invoice numbers a collector logged as issued by itself. */
const numbersLogged = (c: Collector) =>
  c.lines.filter((l) => l.includes('"invoice issued"')).map((l) => (JSON.parse(l) as { number: string; month: string }).number);
/** A collector's month-end passes, as each logs its summary. */
const passesLogged = (c: Collector) =>
  c.lines
    .filter((l) => l.includes('"month-end invoicing pass"'))
    .map((l) => JSON.parse(l) as { month: string; issued: number; alreadyIssued: number; nothingToBill: number; failed: number });

describe('collectors on separate machines (network namespaces), one NATS, one PostgreSQL', () => {
  it('A and B serve the one PostgreSQL over the LAN: no SQLite file in their data folders', async () => {
    for (const c of [a, b]) expect(existsSync(c.dbPath), c.dbPath).toBe(false);
    // Both connect to it from their own addresses, over the LAN (as separate machines would; pools
    // close idle connections, so the two are awaited rather than expected at one instant).
    const clients = () => query("SELECT DISTINCT host(client_addr) FROM pg_stat_activity WHERE datname = 'vigie' AND usename = 'vigie' ORDER BY 1");
    const seen = await waitFor(
      'A and B connected to PostgreSQL',
      async () => {
        const now = clients();
        return now.length === 2 ? now : undefined;
      },
      30_000,
      100,
    );
    expect(seen).toEqual([lan.address('a'), lan.address('b')]);
    for (const c of [a, b]) expect(c.lines.join('\n')).not.toContain('lan-cluster-password');
  });

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

  it('A killed: the agent moves to B, every frame stored once; the jobs move to B after the lease expired; last month invoiced once', async () => {
    await waitFor('A runs the month-end job', async () => (await metric(a, 'vigie_jobs_invoicing_runs_total')) >= 2, 30_000, 200);
    expect(await metric(b, 'vigie_jobs_invoicing_runs_total')).toBe(0);
    const held = lease()!;
    expect(held.holder).toBe('collector-a');
    // A, the lease holder, issued last month's invoice (the intervention: 220 € HT), once.
    const issuedByA = await waitFor('A issued last month’s invoice', async () => {
      const now = invoicesOfMonth();
      return now.invoices.length > 0 ? now : undefined;
    });
    expect(issuedByA.invoices).toEqual([
      { number: expect.stringMatching(/^F\d{4}-0001$/), totalExclCents: billed.totalExclCents, createdAt: expect.any(Number) },
    ]);
    expect(issuedByA.issues).toBe(1);
    const killedAt = Date.now();
    await a.stop('SIGKILL');
    await waitFor('the agent connected to B', async () => connectedTo(urlB), 90_000, 200);
    await waitFor('B took the lease', async () => lease()?.holder === 'collector-b', 30_000, 200);
    expect(lease()!.acquired_at).toBeGreaterThan(held.expires_at);
    await waitFor('B runs the month-end job', async () => (await metric(b, 'vigie_jobs_invoicing_runs_total')) >= 3, 30_000, 200);
    // B's passes went through the client's month and found the invoice A had issued before it died:
    // still one invoice, the same number, no other issue in the audit log.
    // The passes over the billed month (a run crossing midnight on the 1st in Paris moves to the next).
    const passesOverBilled = () => passesLogged(b).filter((p) => p.month === billed.month);
    await waitFor('B’s passes went through the month', async () => passesOverBilled().length >= 2, 30_000, 200);
    expect(passesOverBilled().every((p) => p.issued === 0 && p.alreadyIssued === 1 && p.failed === 0)).toBe(true);
    expect(numbersLogged(b)).toEqual([]);
    expect(numbersLogged(a)).toEqual([issuedByA.invoices[0]!.number]);
    expect(issuedByA.invoices[0]!.createdAt).toBeLessThan(killedAt);
    expect(invoicesOfMonth()).toEqual(issuedByA);

    await settle(b, undefined, [agent]);
    const truth = await realTruth(agent);
    const row = account(postgresStore(query), 'agent (A → B, separate machines)', [truth]);
    printAccounts('collector A SIGKILLed on its own machine, agent failed over to B', [row]);
    expect(row).toMatchObject({ lostUnreported: 0, duplicated: 0, metricsMissingUnreported: 0, metricsPhantom: 0, pending: 0 });
    expect(row.stored).toBe(row.produced);
  });
});
