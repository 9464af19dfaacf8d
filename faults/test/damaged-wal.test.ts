import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { account, printAccounts } from '../src/accounting.js';
import { Fleet } from '../src/fleet.js';
import { COLLECTOR_BIN, type Collector, freePort, startCollector, waitFor } from '../src/processes.js';
import { RealAgent } from '../src/real-agent.js';
import { fleetTruth, framesCommitted, realTruth, settle } from '../src/scenario.js';

const execFileAsync = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'vigie-faults-wal-'));
let collector: Collector | undefined;
let fleet: Fleet | undefined;
const agent = new RealAgent('agent', join(dir, 'agent'));
afterAll(async () => {
  fleet?.kill();
  await agent.stop('SIGKILL');
  await collector?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** `vigie-collector store check --json` on the stopped store (exits 1 when it finds damage). */
async function storeCheck(dataDir: string): Promise<{ wal: { pageSize: number; replayed: number; commits: number; lostCommits: number } | null }> {
  const out = await execFileAsync(process.execPath, [COLLECTOR_BIN, 'store', 'check', '--data-dir', dataDir, '--json'], { encoding: 'utf8' }).catch(
    (err: { stdout: string }) => ({ stdout: err.stdout }),
  );
  return JSON.parse(out.stdout.trim().split('\n').pop()!);
}

it('a bit flipped in the write-ahead log of a killed collector: it says what it lost, and the agents resend it from their acknowledged window', async () => {
  collector = await startCollector({ dataDir: join(dir, 'collector'), port: await freePort(), agents: 101 });
  fleet = await Fleet.start({ url: collector.url, token: collector.token, count: 100, root: join(dir, 'fleet'), prefix: 'wal', values: 40 });
  await agent.enroll(collector.url, collector.token);
  agent.start();
  // Killed once the log holds enough committed transactions since its last checkpoint.
  let replayed = 0;
  for (let attempt = 0; replayed < 200 && attempt < 10; attempt++) {
    const before = await framesCommitted(collector);
    await waitFor('load committed', async () => (await framesCommitted(collector!)) > before + 800, 120_000);
    await collector.stop('SIGKILL');
    const check = await storeCheck(collector.dataDir);
    replayed = check.wal?.replayed ?? 0;
    if (replayed >= 200) {
      // One bit of a page in the middle of what recovery would replay.
      const wal = `${collector.dbPath}-wal`;
      const buf = readFileSync(wal);
      const frame = Math.floor(replayed / 2);
      buf[32 + frame * (24 + check.wal!.pageSize) + 24 + 200]! ^= 0x10;
      writeFileSync(wal, buf);
    }
    await collector.start();
  }
  expect(replayed).toBeGreaterThanOrEqual(200);
  // Said loudly: what recovery dropped, then each agent acknowledged beyond what the store has.
  const said = collector.lines.filter((l) => l.includes('STORE CHECK after an unclean stop'));
  expect(said.join('\n')).toMatch(/the write-ahead log is damaged at frame \d+: [1-9]\d* committed transactions after it/);
  const health = (await collector.health())!;
  expect(health.store.lastCheck).toMatch(/write-ahead log is damaged/);
  await waitFor('agents report what the store lost', async () => ((await collector!.health())?.store.lostAcknowledgedFrames ?? 0) > 0, 60_000);
  expect(collector.lines.some((l) => l.includes('the store lost frames it had acknowledged to this agent'))).toBe(true);
  await settle(collector, fleet, [agent]);
  const lost = (await collector.health())!.store.lostAcknowledgedFrames;
  const rows = [account(collector.dbPath, 'fleet (100)', fleetTruth(await fleet.stop())), account(collector.dbPath, 'agent', [await realTruth(agent)])];
  printAccounts(`damaged write-ahead log (${lost} acknowledged frames lost by the store, resent)`, rows);
  for (const r of rows)
    expect(r).toMatchObject({ lostUnreported: 0, duplicated: 0, metricsMissingUnreported: 0, metricsPhantom: 0, pending: 0, droppedReported: 0 });
});
