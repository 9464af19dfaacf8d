import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsServer, startNats } from '@vigie/testkit';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Collector, freePort, PASSWORD, QUIET_POLICY, setClientPolicy, startCollector, startPeerCollector, waitFor } from '../src/processes.js';
import { type LogEntry, RealAgent } from '../src/real-agent.js';

/*
 * Two independent `vigie-collector serve` processes on one data dir (one SQLite file) and one real
 * nats-server with JetStream (Debian's, testkit/src/nats.ts), all on loopback: a real agent connected
 * to A, a technician's live socket on B. Without `--bus`, B hears nothing of A (each process's bus
 * is its own) and both run the scheduled jobs; these scenarios are what `--bus` changes.
 */
const dir = mkdtempSync(join(tmpdir(), 'vigie-faults-nats-'));
let nats: NatsServer;
let a: Collector;
let b: Collector;
let agent: RealAgent;
const live: { type: string; data: Record<string, unknown> }[] = [];
let socket: WebSocket;

/** Each collector's own name in the cluster; the lease is short so that the take-over is seen in seconds. */
const clusterArgs = (nodeId: string) => ['--bus', nats.url, '--node-id', nodeId, '--lease-ttl', '3', '--invoicing-interval', '1', '--rules-interval', '1'];

beforeAll(async () => {
  nats = await startNats();
  a = await startCollector({ dataDir: join(dir, 'collector'), port: await freePort(), agents: 1, args: clusterArgs('collector-a') });
  b = await startPeerCollector(a, await freePort(), clusterArgs('collector-b'));
  await waitFor('both collectors on the bus', async () => (await metric(a, 'vigie_bus_connected')) === 1 && (await metric(b, 'vigie_bus_connected')) === 1);
  socket = await liveSocket(b);
  socket.on('message', (raw) => live.push(JSON.parse(String(raw))));
  agent = new RealAgent('agent', join(dir, 'agent'));
  // The agent knows A only: whatever B learns of it comes over the bus.
  await agent.enroll(a.url, a.token);
  agent.start();
}, 180_000);

afterAll(async () => {
  socket?.close();
  await agent?.stop('SIGKILL');
  for (const c of [a, b]) await c?.stop('SIGKILL');
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A series of a collector's /metrics (its `worker` label is its node id), NaN when absent. */
async function metric(c: Collector, name: string): Promise<number> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  return Number(new RegExp(`^${name}\\{worker="[^"]+"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/** The technician's live socket (the dashboard's), signed in on `c`. */
async function liveSocket(c: Collector): Promise<WebSocket> {
  const res = await fetch(`${c.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'tech@faults.test', password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const ws = new WebSocket(`ws://127.0.0.1:${c.port}/api/v1/live`, { headers: { cookie } });
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve()); // its hello
    ws.once('error', reject);
  });
  return ws;
}

const entries = (msg: string) => agent.logEntries().filter((e: LogEntry) => e.msg === msg);
const deviceEvents = (change: string) => live.filter((e) => e.type === 'device' && e.data.deviceId === agent.deviceId && e.data.change === change);
const policiesApplied = (metricsIntervalSec: number) => entries('policy applied').filter((e) => e.metricsIntervalSec === metricsIntervalSec);

function committedSeq(): number {
  const db = new BetterSqlite3(a.dbPath, { readonly: true, fileMustExist: true });
  try {
    return Number(db.prepare('SELECT last_seq FROM agents WHERE id = ?').pluck().get(agent.agentId) ?? 0);
  } finally {
    db.close();
  }
}

function lease(): { holder: string; expires_at: number; acquired_at: number } | undefined {
  const db = new BetterSqlite3(a.dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT holder, expires_at, acquired_at FROM cluster_leases WHERE name = 'scheduled-jobs'").get() as never;
  } finally {
    db.close();
  }
}

describe('two collectors on one store and one NATS server', () => {
  it('(a) the live socket on B hears the agent connect to A', async () => {
    await waitFor('the agent connected to A', async () => entries('connected to collector').length > 0, 60_000, 200);
    await waitFor('B’s dashboard heard it', async () => deviceEvents('connected').length > 0, 30_000, 100);
    expect(await metric(b, 'vigie_agents_connected')).toBe(0);
    expect(await metric(a, 'vigie_agents_connected')).toBe(1);
    expect(await metric(b, 'vigie_bus_messages_received_total')).toBeGreaterThan(0);
  });

  it('(b) a policy changed on B reaches the agent on A, without it reconnecting', async () => {
    const connections = entries('connected to collector').length;
    await setClientPolicy(b, { ...QUIET_POLICY, metricsIntervalSec: 2 });
    await waitFor('the agent applied the policy set on B', async () => policiesApplied(2).length > 0, 30_000, 100);
    expect(entries('connected to collector')).toHaveLength(connections);
  });

  it('(d) NATS killed: both collectors keep serving; a policy set on B meanwhile reaches the agent on A once NATS is back; live events flow again', async () => {
    const connections = entries('connected to collector').length;
    await nats.down(true);
    await waitFor(
      'both collectors saw NATS go',
      async () => (await metric(a, 'vigie_bus_connected')) === 0 && (await metric(b, 'vigie_bus_connected')) === 0,
      30_000,
      200,
    );
    expect(await metric(b, 'vigie_bus_disconnects_total')).toBeGreaterThanOrEqual(1);
    // A still takes the agent's frames, B still answers its technician.
    const seq = committedSeq();
    await waitFor('A still commits the agent’s frames', async () => committedSeq() >= seq + 2, 30_000, 200);
    expect((await a.health())?.status).toBe('ok');
    expect((await b.health())?.status).toBe('ok');
    await setClientPolicy(b, { ...QUIET_POLICY, metricsIntervalSec: 3 });
    expect(await metric(b, 'vigie_bus_durable_pending')).toBe(1);

    await nats.up();
    await waitFor('the agent applied the policy set on B while NATS was down', async () => policiesApplied(3).length > 0, 60_000, 200);
    expect(await metric(b, 'vigie_bus_durable_pending')).toBe(0);
    expect(await metric(b, 'vigie_bus_reconnects_total')).toBeGreaterThanOrEqual(1);
    expect(entries('connected to collector')).toHaveLength(connections);

    // Live events cross again: the agent restarted on A is heard on B.
    const before = deviceEvents('connected').length;
    await agent.stop();
    agent.start();
    await waitFor(
      'B’s dashboard heard the agent disconnect and connect again',
      async () => deviceEvents('disconnected').length > 0 && deviceEvents('connected').length > before,
      60_000,
      200,
    );
    // Everything the real collectors told each other (live events, connections, agents held, policies)
    // matched its schema: each heard the other, and refused nothing.
    for (const c of [a, b]) {
      expect(await metric(c, 'vigie_bus_messages_received_total')).toBeGreaterThan(0);
      expect(await metric(c, 'vigie_bus_messages_refused_total')).toBe(0);
      // (Its log is read: the bus's own lines are there.)
      expect(c.lines.some((l) => l.includes('cluster bus: connected to NATS'))).toBe(true);
      expect(c.lines.filter((l) => l.includes('malformed message refused') || l.includes('its peers would refuse'))).toEqual([]);
    }
  });

  it('(c) the scheduled jobs run on one collector only; its lease holder killed, the other takes over after the expiry', async () => {
    await waitFor('A runs the month-end job', async () => (await metric(a, 'vigie_jobs_invoicing_runs_total')) >= 3, 30_000, 200);
    expect(await metric(a, 'vigie_jobs_lease_held')).toBe(1);
    // B is up and could run it (it does below): while A holds the lease, it does not.
    expect(await metric(b, 'vigie_jobs_lease_held')).toBe(0);
    expect(await metric(b, 'vigie_jobs_invoicing_runs_total')).toBe(0);
    expect(await metric(b, 'vigie_rules_evaluations_total')).toBe(0);
    const held = lease();
    expect(held?.holder).toBe('collector-a');

    await a.stop('SIGKILL');
    await waitFor('B took the lease', async () => lease()?.holder === 'collector-b', 30_000, 200);
    const taken = lease()!;
    // Not before A's lease (as last seen, or later renewed) expired.
    expect(taken.acquired_at).toBeGreaterThan(held!.expires_at);
    await waitFor('B runs the month-end job and the rules', async () => (await metric(b, 'vigie_jobs_invoicing_runs_total')) >= 2, 30_000, 200);
    expect(await metric(b, 'vigie_rules_evaluations_total')).toBeGreaterThan(0);
    expect(await metric(b, 'vigie_jobs_lease_acquisitions_total')).toBe(1);
    console.log(`  lease: A held it until ${new Date(held!.expires_at).toISOString()} (last seen); B took it at ${new Date(taken.acquired_at).toISOString()}`);
  });
});
