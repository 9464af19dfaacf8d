import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { account, printAccounts } from '../src/accounting.js';
import { AGENT_BIN, type Collector, freePort, run, signal, startCollector, startPeerCollector, waitFor } from '../src/processes.js';
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
const collectors: Collector[] = [];
const agents: RealAgent[] = [];
afterAll(async () => {
  await Promise.all(agents.map((x) => x.stop('SIGKILL')));
  // SIGKILL ends a stopped (SIGSTOP) process too.
  for (const c of collectors) await c.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Collectors A and B on one store, and a real agent enrolled with the list A, B, running and connected to A with frames committed. */
async function setup(name: string): Promise<{ a: Collector; b: Collector; agent: RealAgent }> {
  const a = await startCollector({ dataDir: join(dir, name, 'collector'), port: await freePort(), agents: 1 });
  collectors.push(a);
  const b = await startPeerCollector(a, await freePort());
  collectors.push(b);
  const agent = new RealAgent('agent', join(dir, name, 'agent'));
  agents.push(agent);
  // Enrolled through a list whose first collector is down (enrollment asks the next one), then the
  // list set to A, B as an operator would.
  await agent.enroll(`http://127.0.0.1:${await freePort()}`, a.token, [a.url, b.url]);
  const { stdout } = await run(process.execPath, [AGENT_BIN, 'collectors', 'set', a.url, b.url, '--state-dir', agent.stateDir]);
  expect(stdout.trim().split('\n')).toEqual([`${a.url} (primary)`, b.url]);
  agent.start();
  await waitFor('agent connected to A, frames committed', async () => connectedTo(agent, a.url) && committedSeq(a, agent.agentId) >= 5, 60_000, 200);
  expect(connectedTo(agent, b.url)).toBe(false);
  return { a, b, agent };
}

/** A counter of a collector's /metrics. */
async function counter(c: Collector, name: string): Promise<number> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  return Number(new RegExp(`^${name}\\{worker="\\d+"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/** Stops the agent once B stored everything, and checks every frame it produced is in the store exactly once. */
async function accountFor(b: Collector, agent: RealAgent, scenario: string, detail: (produced: number) => string): Promise<void> {
  await settle(b, undefined, [agent]);
  const truth = await realTruth(agent);
  const row = account(b.dbPath, 'agent (A → B)', [truth]);
  printAccounts(scenario, [row]);
  console.log(`  ${detail(truth.produced)}; ${truth.metrics.size} metrics frames among them`);
  expect(row).toMatchObject({ lostUnreported: 0, duplicated: 0, metricsMissingUnreported: 0, metricsPhantom: 0, pending: 0 });
  expect(row.droppedReported).toBe(row.droppedCounted);
  expect(row.droppedCounted).toBe(0);
  // Every frame produced is in the store once: nothing lost, nothing counted twice.
  expect(row.stored).toBe(row.produced);
  expect(committedSeq(b, truth.agentId)).toBe(truth.produced);
}

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
  const { a, b, agent } = await setup('kill');
  // A frozen: frames the agent sends it from now on are received by nobody and never acknowledged.
  signal(a, 'SIGSTOP');
  const frozenAt = lastSpooled(agent);
  await waitFor('3 frames sent into the frozen A', async () => lastSpooled(agent) >= frozenAt + 3, 30_000, 100);
  await a.stop('SIGKILL');
  const committedByA = committedSeq(b, agent.agentId);
  const producedAtKill = lastSpooled(agent);
  expect(producedAtKill - committedByA).toBeGreaterThanOrEqual(3);

  await waitFor('agent connected to B', async () => connectedTo(agent, b.url), 90_000, 200);
  await waitFor('B stored what A never acknowledged', async () => committedSeq(b, agent.agentId) >= producedAtKill, 30_000, 200);
  const failover = entries(agent, 'failing over to the next collector');
  expect(failover[0]).toMatchObject({ from: a.url, to: b.url });
  await accountFor(
    b,
    agent,
    'collector A SIGKILLed, agent failed over to B (same store)',
    (produced) =>
      `A committed up to seq ${committedByA}; the agent had produced ${producedAtKill} when A died: ${producedAtKill - committedByA} frames resent to B; ` +
      `fail-over after ${failover[0]?.inMs} ms (random, spread over 10 s); ${produced} frames produced in all`,
  );
});

it('collector A frozen: the agent fails over to B; A thawed commits the frames it still held, none is stored twice', async () => {
  const { a, b, agent } = await setup('freeze');
  const receivedBefore = await counter(a, 'vigie_agent_frames_received_total');
  const committedBefore = await counter(a, 'vigie_ingest_frames_committed_total');
  signal(a, 'SIGSTOP');
  const frozenAt = lastSpooled(agent);
  await waitFor('3 frames sent into the frozen A', async () => lastSpooled(agent) >= frozenAt + 3, 30_000, 100);
  const producedAtFreeze = lastSpooled(agent);
  // The agent notices the silence (3 heartbeats), A does not answer a new connection either: B.
  await waitFor('agent connected to B', async () => connectedTo(agent, b.url), 90_000, 200);
  await waitFor('B stored the frames A held', async () => committedSeq(b, agent.agentId) >= producedAtFreeze, 30_000, 200);
  const committedBeforeThaw = committedSeq(b, agent.agentId);

  // A wakes up with the old connection's frames in its socket: it reads them and tries to commit
  // them after B did. The store must keep one copy.
  signal(a, 'SIGCONT');
  const replayed = async () => (await counter(a, 'vigie_agent_frames_received_total')) - receivedBefore;
  await waitFor('A read the frames sent while it was frozen', async () => (await replayed()) >= producedAtFreeze - frozenAt, 30_000, 200);
  const replayedCount = await replayed();
  // A ran them through its ingest (its pipeline counts every frame of a batch, stale or not):
  // the race happened, and the duplicate check in the write transaction is what must hold.
  await waitFor(
    'A ran those frames through its ingest',
    async () => (await counter(a, 'vigie_ingest_frames_committed_total')) - committedBefore >= replayedCount,
    30_000,
    200,
  );
  const ingestedByA = (await counter(a, 'vigie_ingest_frames_committed_total')) - committedBefore;
  await a.stop('SIGKILL');
  expect(connectedTo(agent, b.url)).toBe(true);
  await accountFor(
    b,
    agent,
    'collector A frozen then thawed after the agent failed over to B (same store)',
    (produced) =>
      `A frozen after seq ${frozenAt}; B had committed up to seq ${committedBeforeThaw} before A thawed; A then read ${replayedCount} frames the agent had sent ` +
      `into it while frozen and ran ${ingestedByA} through its ingest, after B stored them; ${produced} frames produced`,
  );
});
