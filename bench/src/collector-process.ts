import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { assertLoopbackOnly, freePort, LOOPBACK_ONLY_POLICY } from '@vigie/testkit';
import { bundleCollector } from '../../collector/scripts/bundle.js';

export { freePort };

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const COLLECTOR_BIN = join(root, 'collector', 'bin', 'vigie-collector.mjs');
let bundled: Promise<string> | undefined;

/** Benchmarks run the collector as shipped for production: its single-file bundle, built once per run. */
function collectorBundle(): Promise<string> {
  bundled ??= bundleCollector();
  return bundled;
}
const execFileAsync = promisify(execFile);

/** `--database <url>` when the store is PostgreSQL (the set-up commands and every `serve` use the same one). */
function databaseArgs(database: string | undefined): string[] {
  return database ? ['--database', database] : [];
}

async function cliJson(dataDir: string, args: string[], bin = COLLECTOR_BIN, database?: string): Promise<any> {
  const { stdout } = await execFileAsync(process.execPath, [bin, ...args, '--data-dir', dataDir, ...databaseArgs(database), '--json'], {
    encoding: 'utf8',
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

const BENCH_EMAIL = 'bench@vigie.test';
const BENCH_PASSWORD = 'bench-password-long-enough';

/**
 * Real agents benchmarked here run on this machine: their network probe stays on loopback (the
 * default policy would ping the machine's gateway), set before any agent connects.
 */
async function keepAgentsOnLoopback(url: string, clientId: number): Promise<void> {
  assertLoopbackOnly(LOOPBACK_ONLY_POLICY);
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: BENCH_EMAIL, password: BENCH_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`bench login: ${login.status}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const put = await fetch(`${url}/api/v1/policies/client/${clientId}`, {
    method: 'PUT',
    headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
    body: JSON.stringify(LOOPBACK_ONLY_POLICY),
  });
  if (put.status !== 200) throw new Error(`loopback-only policy: ${put.status} ${await put.text()}`);
}

export interface CollectorProcess {
  url: string;
  pid: number;
  dataDir: string;
  /** The PostgreSQL store (`--database`), if not the SQLite file in `dataDir`. */
  database?: string;
  token: string;
  clientId: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * A real collector process (the CLI `serve`) on loopback with a fresh data folder, a client, a site
 * and an enrollment token for `agents` agents. The process's own stdout/stderr go to ours on error only.
 * With `database` (a postgres:// URL of an empty database), the relational store and the metrics are
 * in PostgreSQL: the client, site, token and user are created there by the same CLI, before `serve`.
 */
export async function startCollectorProcess(
  opts: {
    agents: number;
    metricsIntervalSec?: number;
    extraArgs?: string[];
    env?: Record<string, string>;
    nodeArgs?: string[];
    /** Another build of the collector (e.g. an earlier commit's, to compare side by side); default: this tree's, bundled now. */
    bundle?: string;
    /** `--database postgres://…`: the store in PostgreSQL instead of the SQLite file. */
    database?: string;
  } = { agents: 10 },
): Promise<CollectorProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-bench-collector-'));
  // Another build prepares its own store (its migrations may differ from this tree's).
  const bin = opts.bundle ?? COLLECTOR_BIN;
  const db = opts.database;
  const client = await cliJson(dataDir, ['client', 'create', '--name', 'Bench client'], bin, db);
  const site = await cliJson(dataDir, ['site', 'create', '--client', String(client.id), '--name', 'Bench site'], bin, db);
  const token = await cliJson(
    dataDir,
    ['token', 'create', '--site', String(site.id), '--uses', String(Math.max(1, opts.agents)), '--ttl-hours', '24'],
    bin,
    db,
  );
  await cliJson(dataDir, ['user', 'create', '--email', BENCH_EMAIL, '--role', 'technician', '--password', BENCH_PASSWORD], bin, db);
  const { url, child } = await spawnServe(dataDir, opts);
  await keepAgentsOnLoopback(url, client.id);
  return {
    url,
    pid: child.pid!,
    dataDir,
    ...(db ? { database: db } : {}),
    token: token.token,
    clientId: client.id,
    child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface ServeOptions {
  metricsIntervalSec?: number;
  extraArgs?: string[];
  env?: Record<string, string>;
  nodeArgs?: string[];
  bundle?: string;
  database?: string;
}

/** `serve` on a free loopback port over `dataDir`, once it answers /healthz. */
async function spawnServe(dataDir: string, opts: ServeOptions): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      opts.bundle ?? (await collectorBundle()),
      'serve',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
      '--metrics-interval',
      String(opts.metricsIntervalSec ?? 60),
      ...databaseArgs(opts.database),
      ...(opts.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...opts.env } },
  );
  const url = `http://127.0.0.1:${port}`;
  let last: unknown;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`collector exited (${child.exitCode}) before answering`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch (err) {
      last = err; // not listening yet
    }
    if (i > 300) throw new Error(`collector did not start${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child };
}

export interface PeerCollector {
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Another collector process (`serve` on its own port) over the same store as `first` (its SQLite
 * file, or its PostgreSQL database): several collectors sharing one database, as a scaled-out
 * installation runs them. Stop the peers before `first` (which removes the data folder).
 */
export async function startPeerCollector(first: CollectorProcess, opts: Omit<ServeOptions, 'database'> = {}): Promise<PeerCollector> {
  const { url, child } = await spawnServe(first.dataDir, { ...opts, ...(first.database ? { database: first.database } : {}) });
  return {
    url,
    pid: child.pid!,
    child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
