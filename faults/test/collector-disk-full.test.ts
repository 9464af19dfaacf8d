import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { account, printAccounts } from '../src/accounting.js';
import { fillUp, mountTmpfs, release, unmount } from '../src/disk.js';
import { Fleet } from '../src/fleet.js';
import { type Collector, freePort, startCollector, waitFor } from '../src/processes.js';
import { RealAgent } from '../src/real-agent.js';
import { fleetTruth, framesCommitted, realTruth, settle, sleep } from '../src/scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-faults-store-disk-'));
const disk = join(dir, 'disk');
let collector: Collector | undefined;
let fleet: Fleet | undefined;
const agent = new RealAgent('agent', join(dir, 'agent'));
afterAll(async () => {
  fleet?.kill();
  await agent.stop('SIGKILL');
  await collector?.stop('SIGKILL');
  await unmount(disk).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const errorLines = (c: Collector, from: number) => c.lines.slice(from).filter((l) => l.includes('"level":50'));

it('collector store on a full disk: agents wait without being disconnected, few log lines, a restart while full works, and acknowledging resumes by itself', async () => {
  await mountTmpfs(disk, '48m');
  collector = await startCollector({ dataDir: disk, port: await freePort(), agents: 51 });
  // Big frames (400 values): the store grows fast.
  fleet = await Fleet.start({ url: collector.url, token: collector.token, count: 50, root: join(dir, 'fleet'), prefix: 'full', values: 400 });
  await agent.enroll(collector.url, collector.token);
  agent.start();
  const before = await framesCommitted(collector);
  await waitFor('agents delivering', async () => (await framesCommitted(collector!)) > before + 200, 60_000);

  const filler = await fillUp(disk);
  await waitFor('store full', async () => (await collector!.health())?.store?.state === 'full', 60_000);
  const connects = (await fleet.status()).reduce((n, a) => n + a.connects, 0);
  const logFrom = collector.lines.length;
  await sleep(20_000);
  const health = (await collector.health())!;
  expect(health).toMatchObject({ status: 'degraded', store: { state: 'full', code: 'VIGIE_E_STORE_FULL' } });
  expect(health.store.framesRefused).toBeGreaterThan(0);
  // Told to wait, not disconnected: no reconnection in 20 s of a full disk, and a handful of error lines.
  expect((await fleet.status()).reduce((n, a) => n + a.connects, 0)).toBe(connects);
  const errors = errorLines(collector, logFrom);
  console.log(`  20 s of a full store: ${errors.length} error lines; agents told to wait: ${health.store.framesRefused} frames refused`);
  expect(errors.length).toBeLessThanOrEqual(5);

  // Restarted while the disk is full (what its clean stop freed, the write-ahead log, filled again):
  // it starts, serves reads, and says why it refuses data.
  await collector.stop('SIGTERM');
  await fillUp(disk);
  await collector.start();
  expect(await collector.health()).toMatchObject({ status: 'degraded', store: { state: 'full' } });
  expect(collector.lines.filter((l) => /SQLITE_FULL|SQLITE_IOERR/.test(l) && /uncaught|unhandled/i.test(l))).toEqual([]);

  await release(filler);
  await waitFor('store writable again', async () => (await collector!.health())?.status === 'ok', 60_000);
  await settle(collector, fleet, [agent]);
  const rows = [account(collector.dbPath, 'fleet (50)', fleetTruth(await fleet.stop())), account(collector.dbPath, 'agent', [await realTruth(agent)])];
  printAccounts('collector store on a full 48 MiB disk, restarted while full', rows);
  for (const r of rows)
    expect(r).toMatchObject({ lostUnreported: 0, duplicated: 0, metricsMissingUnreported: 0, metricsPhantom: 0, pending: 0, droppedReported: 0 });
});
