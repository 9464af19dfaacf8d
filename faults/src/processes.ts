import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { PolicyBody } from '@vigie/shared';
import { type Proc, startProcess, waitFor } from '@vigie/testkit';

export { freePort, type Proc, waitFor } from '@vigie/testkit';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const COLLECTOR_BIN = join(root, 'collector', 'bin', 'vigie-collector.mjs');
export const AGENT_BIN = join(root, 'agent', 'bin', 'vigie-agent.mjs');
const execFileAsync = promisify(execFile);
export const run = (cmd: string, args: string[]) => execFileAsync(cmd, args, { encoding: 'utf8' });

export const PASSWORD = 'faults-password-long-enough';

/**
 * The policy of every agent of these tests: metrics every second and no probe at all, so nothing
 * is sent beyond loopback (the default policy pings the machine's gateway). Seeded in the agents'
 * state before their first start, and set on the collector for the client.
 */
export const QUIET_POLICY: PolicyBody = {
  version: 0,
  metricsIntervalSec: 1,
  inventoryIntervalSec: 86_400,
  heartbeatSec: 5,
  probes: Object.fromEntries(['network', 'backup', 'antivirus', 'security', 'services', 'patches', 'snmp', 'flows'].map((id) => [id, { enabled: false }])),
};

/** Written before an agent's first start: it applies this policy until the collector's arrives. */
export async function seedQuietPolicy(stateDir: string): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(stateDir, 'state.json'), JSON.stringify({ policy: QUIET_POLICY }), { mode: 0o600 });
}

/** Where the CLI and `serve` find the store when it is not the data folder's SQLite file. */
export interface StoreTarget {
  /** `--database`: a `postgres://user@host:port/database` URL (its password in `env`, VIGIE_PG_PASSWORD). */
  database: string;
  env: NodeJS.ProcessEnv;
  /** The machine the CLI runs on (its network namespace), when the database is reached over the test's LAN. */
  machine?: Pick<Machine, 'wrap'>;
}

async function cliJson<T>(args: string[], target?: StoreTarget): Promise<T> {
  const full = [COLLECTOR_BIN, ...args, ...(target ? ['--database', target.database] : []), '--json'];
  const cmd = target?.machine ? target.machine.wrap(process.execPath, full) : { file: process.execPath, args: full };
  const { stdout } = await execFileAsync(cmd.file, cmd.args, { encoding: 'utf8', env: { ...process.env, ...target?.env } });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/** What the collector's /healthz says (the parts the scenarios look at). */
export interface Health {
  status: 'ok' | 'degraded';
  agentsConnected: number;
  store: { state: 'ok' | 'full' | 'damaged'; code?: string; framesRefused: number; lostAcknowledgedFrames: number; lastCheck: string | null };
}

export interface Collector {
  url: string;
  port: number;
  dataDir: string;
  /** The data folder’s SQLite file (the store, unless `serve --database` named another). */
  dbPath: string;
  token: string;
  clientId: number;
  proc: Proc;
  /** Every line it printed, across restarts. */
  lines: string[];
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Its /healthz, or null while it does not answer. */
  health(): Promise<Health | null>;
}

/**
 * A real collector process (`vigie-collector serve`, from the sources) on loopback with a client,
 * a site, a technician and an enrollment token for `agents` agents; the client's policy is the
 * quiet one. Restarted on the same port, so agents find it again.
 */
export async function startCollector(o: { dataDir: string; port: number; agents: number; args?: string[]; machine?: Machine }): Promise<Collector> {
  const store = await prepareStore(o.dataDir, o.agents);
  const c = await serveCollector({ ...store, port: o.port, args: o.args, machine: o.machine });
  await setClientPolicy(c, QUIET_POLICY);
  return c;
}

/**
 * A client, a site, a technician and an enrollment token for `agents` agents in a new store (the
 * CLI): the data folder's SQLite file, or the database of `target`.
 */
export async function prepareStore(dataDir: string, agents: number, target?: StoreTarget): Promise<{ dataDir: string; token: string; clientId: number }> {
  const common = ['--data-dir', dataDir];
  const cli = <T>(args: string[]) => cliJson<T>([...args, ...common], target);
  const client = await cli<{ id: number }>(['client', 'create', '--name', 'Client des pannes']);
  const site = await cli<{ id: number }>(['site', 'create', '--client', String(client.id), '--name', 'Site']);
  await cli(['user', 'create', '--email', 'tech@faults.test', '--role', 'technician', '--password', PASSWORD]);
  const token = await cli<{ token: string }>(['token', 'create', '--site', String(site.id), '--uses', String(agents), '--ttl-hours', '2']);
  return { dataDir, token: token.token, clientId: client.id };
}

/** An admin user in the store (the CLI); it enrols TOTP at its first sign-in. */
export async function createAdmin(dataDir: string, email: string, target?: StoreTarget): Promise<void> {
  await cliJson(['user', 'create', '--email', email, '--role', 'admin', '--password', PASSWORD, '--data-dir', dataDir], target);
}

/**
 * A collector on a machine of its own (a network namespace of the test's LAN, testkit's `Lan`): it
 * listens on that machine's address; the test reaches it at `url` (a relay into the namespace).
 */
export interface Machine {
  wrap(cmd: string, args: readonly string[]): { file: string; args: string[] };
  /** The address it listens on (agents and other collectors use it). */
  host: string;
  /** Where the test itself reaches it. */
  url: string;
}

/**
 * Another `vigie-collector serve` process on the store of `first` (same data dir), on its own
 * port: a second collector of the agents' list. Its client, token and policy are the first's (one store).
 */
export function startPeerCollector(first: Collector, port: number, args: string[] = [], machine?: Machine): Promise<Collector> {
  return serveCollector({ dataDir: first.dataDir, port, token: first.token, clientId: first.clientId, args, machine });
}

export async function serveCollector(o: {
  dataDir: string;
  port: number;
  token: string;
  clientId: number;
  args?: string[];
  machine?: Machine | undefined;
  /** The store, when not the data folder's SQLite file (`--database`, its password in the environment). */
  store?: Omit<StoreTarget, 'machine'> | undefined;
}): Promise<Collector> {
  const common = ['--data-dir', o.dataDir, ...(o.store ? ['--database', o.store.database] : [])];
  const url = o.machine?.url ?? `http://127.0.0.1:${o.port}`;
  const lines: string[] = [];
  const args = [
    'serve',
    '--port',
    String(o.port),
    ...common,
    '--log-level',
    'info',
    '--metrics-interval',
    '1',
    '--heartbeat',
    '5',
    '--rules-interval',
    '0',
    '--report-schedule',
    'off',
    ...(o.machine ? ['--host', o.machine.host] : []),
    ...(o.args ?? []),
  ];
  const c: Collector = {
    url,
    port: o.port,
    dataDir: o.dataDir,
    dbPath: join(o.dataDir, 'vigie.db'),
    token: o.token,
    clientId: o.clientId,
    proc: undefined as unknown as Proc,
    lines,
    async start() {
      const cmd = o.machine ? o.machine.wrap(process.execPath, [COLLECTOR_BIN, ...args]) : { file: process.execPath, args: [COLLECTOR_BIN, ...args] };
      c.proc = startProcess(cmd.file, cmd.args, { ...process.env, ...o.store?.env });
      // Lines are kept across restarts (the proc's own list starts empty each time).
      const own = c.proc.lines;
      const push = own.push.bind(own);
      own.push = (...items: string[]) => {
        lines.push(...items);
        return push(...items);
      };
      await waitFor('collector up', async () => (await c.health()) !== null, 60_000);
    },
    async stop(signal = 'SIGTERM') {
      await c.proc.stop(signal);
    },
    async health() {
      try {
        const r = await fetch(`${url}/healthz`);
        return (await r.json()) as Health;
      } catch {
        return null;
      }
    },
  };
  await c.start();
  return c;
}

/** Sets the client's policy through the REST API, as a technician would. */
export async function setClientPolicy(c: Collector, p: Pick<PolicyBody, 'metricsIntervalSec' | 'probes'>): Promise<void> {
  const res = await fetch(`${c.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'tech@faults.test', password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login: ${res.status}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const put = await fetch(`${c.url}/api/v1/policies/client/${c.clientId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ metricsIntervalSec: p.metricsIntervalSec, probes: p.probes }),
  });
  if (put.status !== 200) throw new Error(`policy: ${put.status} ${await put.text()}`);
}

/** Asks every agent to stop producing (metrics once an hour) so that what they sent settles. */
export const quiesce = (c: Collector) => setClientPolicy(c, { ...QUIET_POLICY, metricsIntervalSec: 3600 });

/** Sends a signal to the collector process (SIGSTOP/SIGCONT to freeze it). */
export function signal(c: Collector, sig: NodeJS.Signals): void {
  c.proc.child.kill(sig);
}
