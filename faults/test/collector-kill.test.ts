import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { account, printAccounts } from '../src/accounting.js';
import { Fleet } from '../src/fleet.js';
import { type Collector, freePort, startCollector, waitFor } from '../src/processes.js';
import { RealAgent } from '../src/real-agent.js';
import { fleetTruth, framesCommitted, realTruth, settle, sleep } from '../src/scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-faults-kill-'));
let collector: Collector | undefined;
let fleet: Fleet | undefined;
const agents: RealAgent[] = [];
afterAll(async () => {
  fleet?.kill();
  await Promise.all(agents.map((a) => a.stop('SIGKILL')));
  await collector?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('collector SIGKILLed twice under load: every frame stored once, none lost', async () => {
  collector = await startCollector({ dataDir: join(dir, 'collector'), port: await freePort(), agents: 202 });
  fleet = await Fleet.start({ url: collector.url, token: collector.token, count: 200, root: join(dir, 'fleet'), prefix: 'kill', values: 40 });
  for (const i of [1, 2]) {
    const a = new RealAgent(`agent ${i}`, join(dir, `agent-${i}`));
    await a.enroll(collector.url, collector.token);
    a.start();
    agents.push(a);
  }
  for (let round = 0; round < 2; round++) {
    const before = await framesCommitted(collector);
    await waitFor('load committed', async () => (await framesCommitted(collector!)) > before + 1500, 120_000);
    await collector.stop('SIGKILL');
    await sleep(1000);
    await collector.start();
  }
  await settle(collector, fleet, agents);
  const rows = [
    account(collector.dbPath, 'fleet (200)', fleetTruth(await fleet.stop())),
    account(collector.dbPath, 'agents (2)', await Promise.all(agents.map(realTruth))),
  ];
  printAccounts('collector SIGKILL ×2 under load', rows);
  for (const r of rows) {
    expect(r).toMatchObject({ lostUnreported: 0, duplicated: 0, metricsMissingUnreported: 0, metricsPhantom: 0, pending: 0 });
    expect(r.droppedReported).toBe(r.droppedCounted);
    expect(r.stored).toBeGreaterThan(0);
  }
});
