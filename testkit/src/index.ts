import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A TCP port free on loopback right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  lines: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a long-running program (argument list, no shell) and keeps its stdout/stderr lines. */
export function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  const onData = (buf: Buffer) => {
    const parts = (partial + buf.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    lines,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `fn` until it returns something truthy, or fails with the last error after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export * from './apt-repo.js';
export * from './chroot-machine.js';
export * from './debian-root.js';
export { type Influxd, type InfluxSeries, startInfluxd } from './influxd.js';
export { IsolatedNetwork } from './isolated-network.js';
export { Lan } from './lan.js';
export { type NatsServer, startNats } from './nats.js';
export * from './netns.js';
export { type Postgres, type PostgresOnLan, postgresBinDir, startPostgres } from './postgres.js';
export { TEST_PRICE_GRID, type TestPriceGrid, type TestPriceUnits } from './price-grid.js';
export * from './supervisor.js';
export { assertLoopbackOnly, beyondLoopback, isLoopbackHost, LOOPBACK_ONLY_POLICY } from './test-policy.js';
