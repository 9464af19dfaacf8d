import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { account, printAccounts } from '../src/accounting.js';
import { Fleet } from '../src/fleet.js';
import { type Collector, freePort, signal, startCollector, waitFor } from '../src/processes.js';
import { RealAgent } from '../src/real-agent.js';
import { fleetTruth, framesCommitted, realTruth, settle, sleep } from '../src/scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-faults-stop-'));
let collector: Collector | undefined;
let fleet: Fleet | undefined;
const agent = new RealAgent('agent', join(dir, 'agent'));
afterAll(async () => {
  fleet?.kill();
  await agent.stop('SIGKILL');
  if (collector) signal(collector, 'SIGCONT');
  await collector?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

// The issue froze the collector 60 s with agents on a 30 s heartbeat. Here the heartbeat is 5 s:
// a 22 s freeze is over 4 heartbeats, past the 3 after which agents give the connection up — the same
// property (a connection silent beyond its heartbeat budget, replaced while the collector is frozen,
// then a thawed collector with thousands of stale frames in its sockets) in a third of the time.
it('collector frozen (SIGSTOP) beyond the agents’ heartbeat budget: every frame delivered once afterwards', async () => {
  collector = await startCollector({ dataDir: join(dir, 'collector'), port: await freePort(), agents: 201 });
  fleet = await Fleet.start({ url: collector.url, token: collector.token, count: 200, root: join(dir, 'fleet'), prefix: 'stop', values: 40 });
  await agent.enroll(collector.url, collector.token);
  agent.start();
  const before = await framesCommitted(collector);
  await waitFor('load committed', async () => (await framesCommitted(collector!)) > before + 1000, 120_000);
  const connects = (await fleet.status()).reduce((n, a) => n + a.connects, 0);
  signal(collector, 'SIGSTOP');
  await sleep(22_000);
  signal(collector, 'SIGCONT');
  await settle(collector, fleet, [agent]);
  const reconnected = (await fleet.status()).reduce((n, a) => n + a.connects, 0) - connects;
  const rows = [account(collector.dbPath, 'fleet (200)', fleetTruth(await fleet.stop())), account(collector.dbPath, 'agent', [await realTruth(agent)])];
  printAccounts(`collector frozen 22 s (heartbeat 5 s; ${reconnected} reconnections of the fleet)`, rows);
  expect(reconnected).toBeGreaterThan(0); // the freeze did outlast the heartbeat budget
  for (const r of rows)
    expect(r).toMatchObject({ lostUnreported: 0, duplicated: 0, metricsMissingUnreported: 0, metricsPhantom: 0, pending: 0, droppedReported: 0 });
});
