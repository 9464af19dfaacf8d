import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, type Proc, startProcess, waitFor } from '@vigie/testkit';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, type Session, TestAgent } from './harness.js';

/**
 * A rule whose incident cannot be written (the incidents table refuses inserts: a real SQLite
 * trigger, created by a second connection to the store of a real collector process evaluating its
 * rules every second) is not forgotten: each failed write is logged and counted on /metrics, no
 * ticket is left without its incident, and once the table accepts writes again the incident and
 * its ticket appear, once.
 */

const PASSWORD = 'correct horse battery staple';
const COLLECTOR_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'vigie-collector.mjs');
let dir: string;
let url: string;
let collector: Proc;
let store: Database.Database;
let tech: Session;
let agent: TestAgent;
let deviceId: number;

const metric = async (name: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name}\\{worker="1"\\} (\\d+)$`, 'm').exec(text);
  if (!m) throw new Error(`${name} not on /metrics`);
  return Number(m[1]);
};
const incidents = async () => (await tech.get(`/api/v1/incidents?deviceId=${deviceId}`)).body.incidents as { id: number; ticket_id: number | null }[];
const tickets = async () => (await tech.get(`/api/v1/tickets?deviceId=${deviceId}`)).body.tickets as { id: number }[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-rules-retry-'));
  const cli = async (...args: string[]) =>
    JSON.parse((await promisify(execFile)(process.execPath, [COLLECTOR_BIN, ...args, '--data-dir', dir, '--json'])).stdout);
  const client = await cli('client', 'create', '--name', 'Acme SARL');
  const site = await cli('site', 'create', '--client', String(client.id), '--name', 'Siège');
  await cli('user', 'create', '--email', 'tech@vigie.test', '--role', 'technician', '--password', PASSWORD);
  const token = await cli('token', 'create', '--site', String(site.id));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  collector = startProcess(process.execPath, [
    COLLECTOR_BIN,
    'serve',
    '--port',
    String(port),
    '--data-dir',
    dir,
    '--rules-interval',
    '1',
    '--log-level',
    'warn',
  ]);
  await waitFor('collector up', async () => (await fetch(`${url}/healthz`)).ok);
  const enrolled = await fetch(`${url}/api/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: token.token, hostname: 'srv-compta', platform: 'linux', arch: 'x64', agentVersion: '0.1.0-test' }),
  });
  const cred = (await enrolled.json()) as { agentId: string; secret: string; deviceId: number };
  deviceId = cred.deviceId;
  agent = await TestAgent.connect(`${url.replace('http', 'ws')}/api/v1/agent`, cred);
  await agent.hello({ hostname: 'srv-compta' });
  tech = await login(url, 'tech@vigie.test');
  store = new Database(join(dir, 'vigie.db'));
  store.pragma('busy_timeout = 5000');
}, 60_000);

afterAll(async () => {
  agent?.close();
  store?.close();
  await collector?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an incident write that fails', () => {
  it('is logged, counted, written nowhere in part, and retried until the incident and its ticket exist, once', async () => {
    const rule = await tech.post('/api/v1/rules', {
      name: 'Processeur saturé',
      type: 'threshold',
      severity: 'critical',
      params: { metric: 'cpu.usage_pct', op: '>', value: 90, forSec: 0 },
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    store.exec("CREATE TRIGGER test_refuse_incidents BEFORE INSERT ON incidents BEGIN SELECT RAISE(ABORT, 'incidents refused by the test'); END");
    await agent.waitAck(agent.send('metrics', { samples: [{ ts: Date.now(), values: { 'cpu.usage_pct': 99 } }] }));

    // Two evaluations in a row fail on the write: the second one tried again.
    await waitFor('two failed incident writes', async () => (await metric('vigie_rules_incident_write_failures_total')) >= 2, 20_000);
    const logged = collector.lines.filter((l) => l.includes('incident not written; retried at the next evaluation'));
    expect(logged.length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(logged[0]!)).toMatchObject({
      level: 50,
      domain: 'rules',
      transition: 'open',
      fingerprint: expect.stringContaining(`:${deviceId}:${rule.body.id}:`),
    });
    expect(logged[0]).toContain('incidents refused by the test');
    // The ticket opened for it was rolled back with it.
    expect(await incidents()).toEqual([]);
    expect(await tickets()).toEqual([]);

    store.exec('DROP TRIGGER test_refuse_incidents');
    const written = await waitFor('the incident, once the table accepts it', async () => {
      const list = await incidents();
      return list.length > 0 ? list : undefined;
    });
    expect(written).toHaveLength(1);
    // Later evaluations do not add another.
    const rounds = await metric('vigie_rules_evaluations_total');
    await waitFor('two more evaluations', async () => (await metric('vigie_rules_evaluations_total')) >= rounds + 2);
    expect(await incidents()).toHaveLength(1);
    const ts = await tickets();
    expect(ts).toHaveLength(1);
    expect((await incidents())[0]!.ticket_id).toBe(ts[0]!.id);
  });
});
