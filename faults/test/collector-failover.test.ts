import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { account, printAccounts } from '../src/accounting.js';
import { type Collector, freePort, signal, startCollector, startPeerCollector, waitFor } from '../src/processes.js';
import { type LogEntry, RealAgent } from '../src/real-agent.js';
import { realTruth, settle } from '../src/scenario.js';

/*
 * Two independent `vigie-collector serve` processes on one data dir (one SQLite file, WAL), on two
 * loopback ports: the agent's list is A then B. `serve --workers N` shares one port, so it cannot
 * stand for two collector URLs; two processes on one file is what the store's locking allows (one
 * writer at a time under busy_timeout), and the ingest's duplicate check reads the agent's committed
 * seq inside the write transaction, so it holds across processes.
 */
const dir = mkdtempSync(join(tmpdir(), 'vigie-faults-failover-'));
let a: Collector | undefined;
let b: Collector | undefined;
let agent: RealAgent | undefined;
afterAll(async () => {
  await agent?.stop('SIGKILL');
  await a?.stop('SIGKILL');
  await b?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** The agent's committed seq in the shared store (read-only; the collectors may be writing). */
function committedSeq(c: Collector, agentId: string): number {
  const db = new BetterSqlite3(c.dbPath, { readonly: true, fileMustExist: true });
  try {
    return Number(db.prepare('SELECT last_seq FROM agents WHERE id = ?').pluck().get(agentId) ?? 0);
  } finally {
    db.close();
  }
}

const lastSpooled = (x: RealAgent) => Math.max(0, ...x.produced().spooled.keys());
const entries = (x: RealAgent, msg: string) => x.logEntries().filter((e) => e.msg === msg);
const connectedTo = (x: RealAgent, url: string) => entries(x, 'connected to collector').some((e: LogEntry) => e.url === url);

it('collector A SIGKILLed with frames unacknowledged: the agent fails over to B, every frame stored once', async () => {
  a = await startCollector({ dataDir: join(dir, 'collector'), port: await freePort(), agents: 1 });
  b = await startPeerCollector(a, await freePort());
  agent = new RealAgent('agent', join(dir, 'agent'));
  await agent.enroll(a.url, a.token, [b.url]);
  agent.start();
  const running = agent;

  await waitFor('agent connected to A, frames committed', async () => connectedTo(running, a!.url) && committedSeq(a!, running.agentId) >= 5, 60_000, 200);
  expect(connectedTo(running, b.url)).toBe(false);

  // A frozen: frames the agent sends it from now on are received by nobody and never acknowledged.
  signal(a, 'SIGSTOP');
  const frozenAt = lastSpooled(running);
  await waitFor('3 frames sent into the frozen A', async () => lastSpooled(running) >= frozenAt + 3, 30_000, 100);
  await a.stop('SIGKILL');
  const committedByA = committedSeq(b, running.agentId);
  const producedAtKill = lastSpooled(running);
  expect(producedAtKill - committedByA).toBeGreaterThanOrEqual(3);

  await waitFor('agent connected to B', async () => connectedTo(running, b!.url), 90_000, 200);
  await waitFor('B stored what A never acknowledged', async () => committedSeq(b!, running.agentId) >= producedAtKill, 30_000, 200);
  const failover = entries(running, 'collector unreachable, failing over to the next one');
  expect(failover[0]).toMatchObject({ from: a.url, to: b.url });

  await settle(b, undefined, [running]);
  const truth = await realTruth(running);
  const row = account(b.dbPath, 'agent (A → B)', [truth]);
  printAccounts('collector A SIGKILLed, agent failed over to B (same store)', [row]);
  console.log(
    `  A committed up to seq ${committedByA}; the agent had produced ${producedAtKill} when A died: ${producedAtKill - committedByA} frames resent to B; ` +
      `fail-over after ${failover[0]?.inMs} ms (random, spread over 10 s); ${truth.metrics.size} metrics frames produced in all`,
  );
  expect(row).toMatchObject({ lostUnreported: 0, duplicated: 0, metricsMissingUnreported: 0, metricsPhantom: 0, pending: 0 });
  expect(row.droppedReported).toBe(row.droppedCounted);
  expect(row.droppedCounted).toBe(0);
  // Every frame produced is in the store once: nothing lost, nothing counted twice.
  expect(row.stored).toBe(row.produced);
  expect(committedSeq(b, truth.agentId)).toBe(truth.produced);
});
