import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { account, printAccounts } from '../src/accounting.js';
import { fillUp, mountTmpfs, release, unmount } from '../src/disk.js';
import { type Collector, freePort, startCollector, waitFor } from '../src/processes.js';
import { RealAgent } from '../src/real-agent.js';
import { framesCommitted, realTruth, settle, sleep } from '../src/scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-faults-agent-disk-'));
const disk = join(dir, 'disk');
let collector: Collector | undefined;
const agents = [1, 2].map((i) => new RealAgent(`agent ${i}`, join(disk, `agent-${i}`)));
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop('SIGKILL')));
  await collector?.stop('SIGKILL');
  await unmount(disk).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

it('agent spool on a full disk: the agent keeps running, counts and reports what it could not write, and resumes by itself', async () => {
  await mountTmpfs(disk, '2m');
  collector = await startCollector({ dataDir: join(dir, 'collector'), port: await freePort(), agents: 2 });
  for (const a of agents) {
    await a.enroll(collector.url, collector.token);
    a.start();
  }
  const before = await framesCommitted(collector);
  await waitFor('agents delivering', async () => (await framesCommitted(collector!)) > before + 10, 60_000);
  // A collector outage, and the agents' disk full meanwhile.
  await collector.stop('SIGTERM');
  await sleep(2000);
  const filler = await fillUp(disk);
  const notSpooled = () => agents.map((a) => a.produced().notSpooled.size);
  await waitFor('frames not written', async () => notSpooled().every((n) => n >= 6), 60_000);
  for (const a of agents) {
    expect(a.running).toBe(true);
    const errors = a.logEntries().filter((e) => e.level === 'error');
    // Said once (then in summaries at most once a minute), not once per frame.
    expect(errors.filter((e) => String(e.msg).startsWith('frames cannot be written')).map((e) => e.code)).toEqual(['ENOSPC']);
    expect(errors.length).toBeLessThanOrEqual(2);
  }
  // Space returns: the same processes write again, with no restart.
  await release(filler);
  await waitFor('spool written again', async () => agents.every((a) => a.logEntries().some((e) => e.msg === 'the spool can be written again')), 30_000);
  await sleep(2000);
  await collector.start();
  await settle(collector, undefined, agents);
  for (const a of agents) expect(a.logEntries().filter((e) => /uncaught|unhandled/i.test(String(e.msg)))).toEqual([]);
  const row = account(collector.dbPath, 'agents (2, on a full 2 MiB disk)', await Promise.all(agents.map(realTruth)));
  printAccounts('agent spool on a full disk during a collector outage', [row]);
  expect(row.droppedCounted).toBeGreaterThanOrEqual(12);
  expect(row.droppedReported).toBe(row.droppedCounted);
  expect(row).toMatchObject({ lostUnreported: 0, duplicated: 0, metricsMissingUnreported: 0, metricsPhantom: 0, pending: 0 });
});
