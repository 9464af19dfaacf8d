import { spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type Proc, startProcess, waitFor } from './index.js';

export interface Postgres {
  /** TCP port (on 127.0.0.1, or on the LAN address of `network`). */
  port: number;
  /** The running postmaster's process id (for CPU and memory figures). */
  pid(): number | undefined;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (trust authentication on loopback); with `network`, `postgres://<user>@<address>:<port>/<database>`. */
  url(database?: string, user?: string): string;
  /** Creates a database (owned by `postgres`, or by `owner`) and returns its URL. */
  createDatabase(name: string, owner?: string): Promise<string>;
  /** Creates a login role with a password (stored as SCRAM-SHA-256): what a client on the LAN signs in with. */
  createUser(name: string, password: string): void;
  /** Runs SQL through `psql` (tuples only, `|`-separated) and returns its output lines. */
  psql(sql: string, database?: string): string[];
  /** Stops the server (fast shutdown, or SIGKILL with `crash`) and starts it again on the same port and data. */
  down(crash?: boolean): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

/** Debian's PostgreSQL server programs: `/usr/lib/postgresql/<major>/bin`, the highest major installed. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) throw new Error('PostgreSQL server not installed (Debian package `postgresql`; `node scripts/setup.mjs --system`)');
  return join(root, majors[0]!, 'bin');
}

/** Runs a PostgreSQL program as the `postgres` system user when we are root (initdb and postgres refuse root). */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

/**
 * PostgreSQL on a host of a test's LAN (testkit's `Lan`) instead of loopback: the server runs through
 * `wrap` (`lan.wrap('pg', …)`), listens on `address`:`port` only, and takes clients from `clients`
 * (a CIDR, the LAN's subnet) with a password (SCRAM-SHA-256), as a database on a machine of its own.
 * The test itself administers it through the Unix socket in the cluster's folder (no network).
 */
export interface PostgresOnLan {
  wrap(cmd: string, args: readonly string[]): { file: string; args: string[] };
  address: string;
  port: number;
  clients: string;
}

/**
 * A private PostgreSQL cluster (Debian's `postgresql` package) on loopback with its data in a
 * temporary folder, independent of any system cluster. Trust authentication for `postgres` on
 * 127.0.0.1 only; fsync stays on unless `fast` (tests that never crash the server may skip it).
 * With `network`, on a LAN host instead (see PostgresOnLan).
 */
export async function startPostgres(
  opts: {
    fast?: boolean;
    maxConnections?: number;
    /** More server settings (`name=value`, passed as `-c`), e.g. a benchmark's shared_buffers or max_wal_size. */
    settings?: string[];
    network?: PostgresOnLan;
  } = {},
): Promise<Postgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'vigie-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (ids.status !== 0) throw new Error('no `postgres` system user (install Debian package `postgresql`)');
    chownSync(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
  }
  const [initCmd, initArgs] = asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);
  const net = opts.network;
  // initdb's pg_hba.conf trusts local connections (the Unix socket, loopback); LAN clients give a password.
  if (net) appendFileSync(join(data, 'pg_hba.conf'), `host all all ${net.clients} scram-sha-256\n`);
  const port = net ? net.port : await freePort();
  // Where the test's own tools (pg_isready, psql) reach the server: loopback, or the socket's folder.
  const adminHost = net ? dir : '127.0.0.1';
  const settings = [
    `port=${port}`,
    `listen_addresses=${net ? net.address : '127.0.0.1'}`,
    'password_encryption=scram-sha-256',
    `unix_socket_directories=${dir}`,
    `max_connections=${opts.maxConnections ?? 200}`,
    ...(opts.fast ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
    ...(opts.settings ?? []),
  ].flatMap((s) => ['-c', s]);
  let proc: Proc | undefined;
  const isReady = join(bin, 'pg_isready');
  const up = async () => {
    const [cmd, args] = asPostgres(join(bin, 'postgres'), ['-D', data, ...settings]);
    const run = net ? net.wrap(cmd, args) : { file: cmd, args };
    proc = startProcess(run.file, run.args);
    const p = proc;
    await waitFor(
      `postgres on ${net ? `${net.address}:` : ''}${port}`,
      async () => {
        if (p.child.exitCode !== null) throw new Error(`postgres exited ${p.child.exitCode}: ${p.lines.slice(-5).join(' | ')}`);
        return spawnSync(isReady, ['-q', '-h', adminHost, '-p', String(port), '-U', 'postgres']).status === 0;
      },
      30_000,
      100,
    );
  };
  await up();
  const url = (database = 'postgres', user = 'postgres') => `postgres://${user}@${net ? net.address : '127.0.0.1'}:${port}/${database}`;
  const psql = (sql: string, database = 'postgres') => {
    const r = spawnSync(
      join(bin, 'psql'),
      ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', adminHost, '-p', String(port), '-U', 'postgres', '-d', database, '-c', sql],
      {
        encoding: 'utf8',
      },
    );
    if (r.status !== 0) throw new Error(`psql: ${r.stderr.trim()} (${sql})`);
    return r.stdout.split('\n').filter((l) => l !== '');
  };
  const down = async (crash = false) => {
    // Signals go to the postmaster itself (runuser sits between us and it): SIGINT is a fast shutdown
    // (SIGTERM would wait for clients to leave), SIGKILL a crash.
    const p = proc;
    proc = undefined;
    if (!p) return;
    if (crash) {
      const pid = postmasterPid(data);
      if (pid) process.kill(pid, 'SIGKILL');
    } else {
      const pid = postmasterPid(data);
      if (pid) process.kill(pid, 'SIGINT'); // fast shutdown
    }
    // runuser exits once the postmaster has. Signalling runuser itself made it SIGKILL the postmaster
    // 2 s later (util-linux does), in the middle of its shutdown checkpoint: backends still attached
    // to the old shared memory then made the next up() fail now and then.
    await waitFor('postgres to stop', async () => p.child.exitCode !== null || p.child.signalCode !== null, 60_000, 20);
    await p.stop();
  };
  return {
    port,
    pid: () => postmasterPid(data),
    url,
    async createDatabase(name, owner) {
      for (const n of [name, owner ?? 'postgres']) if (!/^[a-z_][a-z0-9_]*$/.test(n)) throw new Error(`database and role names must be [a-z0-9_]: ${n}`);
      psql(`CREATE DATABASE ${name}${owner ? ` OWNER ${owner}` : ''}`);
      return url(name, owner);
    },
    createUser(name, password) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`role name must be [a-z0-9_]: ${name}`);
      psql(`CREATE ROLE ${name} LOGIN PASSWORD '${password.replaceAll("'", "''")}'`);
    },
    psql,
    down,
    up,
    async stop() {
      await down();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postmasterPid(data: string): number | undefined {
  const r = spawnSync('head', ['-n', '1', join(data, 'postmaster.pid')], { encoding: 'utf8' });
  const pid = Number(r.stdout?.trim());
  return r.status === 0 && Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
