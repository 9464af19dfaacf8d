import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { account, printAccounts } from '../src/accounting.js';
import { Fleet } from '../src/fleet.js';
import { type Collector, freePort, startCollector, waitFor } from '../src/processes.js';
import { RealAgent } from '../src/real-agent.js';
import { fleetTruth, framesCommitted, realTruth, settle, sleep } from '../src/scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-faults-cap-'));
let collector: Collector | undefined;
let fleet: Fleet | undefined;
const agent = new RealAgent('agent (8 KiB spool)', join(dir, 'agent'), ['--spool-max-bytes', '8192', '--spool-segment-bytes', '1024']);
afterAll(async () => {
  fleet?.kill();
  await agent.stop('SIGKILL');
  await collector?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('collector outage with the spool cap reached: produced = stored + dropped and reported, exactly', async () => {
  collector = await startCollector({ dataDir: join(dir, 'collector'), port: await freePort(), agents: 21 });
  // Small spools: a few seconds of outage overflow them.
  fleet = await Fleet.start({
    url: collector.url,
    token: collector.token,
    count: 20,
    root: join(dir, 'fleet'),
    prefix: 'cap',
    values: 40,
    spool: { maxBytes: 4096, segmentBytes: 1024 },
  });
  await agent.enroll(collector.url, collector.token);
  agent.start();
  const before = await framesCommitted(collector);
  await waitFor('agents delivering', async () => (await framesCommitted(collector!)) > before + 200, 60_000);
  // Killed: frames in flight may be committed with their ack lost; evicted later, they are "in doubt".
  await collector.stop('SIGKILL');
  await sleep(6000);
  // The agent restarts during the outage: all it holds may have been sent before, in doubt too.
  await agent.stop('SIGTERM');
  agent.start();
  await sleep(8000);
  await collector.start();
  await settle(collector, fleet, [agent]);
  const rows = [
    account(collector.dbPath, 'fleet (20, 4 KiB)', fleetTruth(await fleet.stop())),
    account(collector.dbPath, agent.name, [await realTruth(agent)]),
  ];
  printAccounts('collector outage of 14 s (an agent restarted during it) with spools at their cap', rows);
  for (const r of rows) {
    expect(r.droppedReported).toBeGreaterThan(0);
    expect(r.droppedReported).toBe(r.droppedCounted);
    expect(r).toMatchObject({ lostUnreported: 0, duplicated: 0, metricsMissingUnreported: 0, metricsPhantom: 0, pending: 0 });
    expect(r.produced).toBe(r.stored + r.droppedReported);
  }
});
