import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { account, printAccounts } from '../src/accounting.js';
import { type Collector, freePort, startCollector, waitFor } from '../src/processes.js';
import { RealAgent } from '../src/real-agent.js';
import { realTruth, settle, sleep } from '../src/scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-faults-agent-kill-'));
let collector: Collector | undefined;
const agent = new RealAgent('agent', join(dir, 'agent'));
afterAll(async () => {
  await agent.stop('SIGKILL');
  await collector?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const lastSeq = (c: Collector) => {
  const db = new BetterSqlite3(c.dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT last_seq FROM agents WHERE id = ?').get(agent.agentId) as { last_seq: number }).last_seq;
  } finally {
    db.close();
  }
};
const spooledCount = () => agent.produced().spooled.size;

it('agent SIGKILLed mid-write and mid-replay: what it spooled is delivered once, nothing lost', async () => {
  collector = await startCollector({ dataDir: join(dir, 'collector'), port: await freePort(), agents: 1 });
  await agent.enroll(collector.url, collector.token);
  agent.start();
  // Mid-write: killed at random moments while it starts, writes its inventory and a frame a second.
  await waitFor('agent producing', async () => spooledCount() > 0, 60_000);
  for (const afterMs of [300, 2500, 4500]) {
    await sleep(afterMs + Math.random() * 500);
    expect(await agent.stop('SIGKILL')).toBeNull();
    agent.start();
  }
  // Mid-replay: a backlog built while the collector is down, and the agent killed while resending it.
  for (let round = 0; round < 2; round++) {
    await collector.stop('SIGTERM');
    const backlogFrom = spooledCount();
    await waitFor('a backlog of 10 frames', async () => spooledCount() >= backlogFrom + 10, 60_000);
    const seqBefore = lastSeq(collector);
    await collector.start();
    await waitFor('replay under way', async () => lastSeq(collector!) > seqBefore, 60_000, 10);
    await agent.stop('SIGKILL');
    agent.start();
  }
  await settle(collector, undefined, [agent]);
  const row = account(collector.dbPath, 'agent (5 SIGKILLs)', [await realTruth(agent)]);
  printAccounts('agent SIGKILL ×3 mid-write, ×2 mid-replay', [row]);
  expect(row).toMatchObject({ lostUnreported: 0, duplicated: 0, metricsMissingUnreported: 0, metricsPhantom: 0, pending: 0, droppedReported: 0 });
  expect(row.produced).toBeGreaterThanOrEqual(20); // two backlogs of 10 at least
  // A SIGKILL at the wrong moment leaves a torn record or an empty segment: the agent says what it repaired.
  console.log(
    `  spool repairs seen: ${
      agent
        .logEntries()
        .filter((e) => /torn|corrupt|removed/.test(String(e.msg)))
        .map((e) => e.msg)
        .join('; ') || 'none (no kill landed inside a write this time)'
    }`,
  );
});
