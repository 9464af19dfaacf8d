import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type Proc, startProcess, waitFor } from './index.js';

export interface Postgres {
  /** TCP port on 127.0.0.1. */
  port: number;
  /** The running postmaster's process id (for CPU and memory figures). */
  pid(): number | undefined;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (trust authentication on loopback). */
  url(database?: string): string;
  /** Creates a database (owned by `postgres`) and returns its URL. */
  createDatabase(name: string): Promise<string>;
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
 * A private PostgreSQL cluster (Debian's `postgresql` package) on loopback with its data in a
 * temporary folder, independent of any system cluster. Trust authentication for `postgres` on
 * 127.0.0.1 only; fsync stays on unless `fast` (tests that never crash the server may skip it).
 */
export async function startPostgres(
  opts: {
    fast?: boolean;
    maxConnections?: number;
    /** More server settings (`name=value`, passed as `-c`), e.g. a benchmark's shared_buffers or max_wal_size. */
    settings?: string[];
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
  const port = await freePort();
  const settings = [
    `port=${port}`,
    'listen_addresses=127.0.0.1',
    `unix_socket_directories=${dir}`,
    `max_connections=${opts.maxConnections ?? 200}`,
    ...(opts.fast ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
    ...(opts.settings ?? []),
  ].flatMap((s) => ['-c', s]);
  let proc: Proc | undefined;
  const isReady = join(bin, 'pg_isready');
  const up = async () => {
    const [cmd, args] = asPostgres(join(bin, 'postgres'), ['-D', data, ...settings]);
    proc = startProcess(cmd, args);
    const p = proc;
    await waitFor(
      `postgres on ${port}`,
      async () => {
        if (p.child.exitCode !== null) throw new Error(`postgres exited ${p.child.exitCode}: ${p.lines.slice(-5).join(' | ')}`);
        return spawnSync(isReady, ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres']).status === 0;
      },
      30_000,
      100,
    );
  };
  await up();
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const psql = (sql: string, database = 'postgres') => {
    const r = spawnSync(
      join(bin, 'psql'),
      ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-c', sql],
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
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name must be [a-z0-9_]: ${name}`);
      psql(`CREATE DATABASE ${name}`);
      return url(name);
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
