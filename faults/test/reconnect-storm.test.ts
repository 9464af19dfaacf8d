import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { account, printAccounts } from '../src/accounting.js';
import { Fleet } from '../src/fleet.js';
import { type Collector, freePort, startCollector, waitFor } from '../src/processes.js';
import { fleetTruth, framesCommitted, settle } from '../src/scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-faults-storm-'));
let collector: Collector | undefined;
let fleet: Fleet | undefined;
afterAll(async () => {
  fleet?.kill();
  await collector?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('1,000 agents reconnecting at once after a collector crash: all back, every frame stored once', async () => {
  collector = await startCollector({ dataDir: join(dir, 'collector'), port: await freePort(), agents: 1000 });
  fleet = await Fleet.start({ url: collector.url, token: collector.token, count: 1000, root: join(dir, 'fleet'), prefix: 'storm', values: 20 });
  await waitFor('all connected', async () => (await collector!.health())?.agentsConnected === 1000, 120_000, 500);
  const before = await framesCommitted(collector);
  await waitFor('load committed', async () => (await framesCommitted(collector!)) > before + 3000, 120_000);
  await collector.stop('SIGKILL');
  await collector.start();
  const t0 = Date.now();
  await waitFor('all reconnected', async () => (await collector!.health())?.agentsConnected === 1000, 120_000, 200);
  const seconds = (Date.now() - t0) / 1000;
  await settle(collector, fleet, []);
  const row = account(collector.dbPath, 'fleet (1,000)', fleetTruth(await fleet.stop()));
  printAccounts(`1,000 agents reconnecting at once (all back in ${seconds.toFixed(1)} s)`, [row]);
  expect(row).toMatchObject({ lostUnreported: 0, duplicated: 0, metricsMissingUnreported: 0, metricsPhantom: 0, pending: 0, droppedReported: 0 });
});
