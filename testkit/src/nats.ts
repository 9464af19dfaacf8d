import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type Proc, startProcess, waitFor } from './index.js';

export interface NatsServer {
  /** Client port on 127.0.0.1. */
  port: number;
  pid(): number | undefined;
  /** `nats://127.0.0.1:<port>`. */
  url: string;
  /** Kills the server (SIGKILL with `crash`) and starts it again on the same port and JetStream store. */
  down(crash?: boolean): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

/** The first line a NATS server sends a client (`INFO {...}`), or an error. */
async function natsInfo(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error('no INFO line'));
    }, 2000);
    s.once('data', (b) => {
      clearTimeout(t);
      s.destroy();
      resolve(b.toString('utf8').startsWith('INFO '));
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

/**
 * A private NATS server with JetStream (Debian's `nats-server`) on loopback, its store in a temporary
 * folder; with `auth`, clients must give that user and password.
 */
export async function startNats(opts: { auth?: { user: string; pass: string } } = {}): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-nats-'));
  const port = await freePort();
  let proc: Proc | undefined;
  const up = async () => {
    const auth = opts.auth ? ['--user', opts.auth.user, '--pass', opts.auth.pass] : [];
    proc = startProcess('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir, ...auth]);
    const p = proc;
    await waitFor(
      `nats-server on ${port}`,
      async () => {
        if (p.child.exitCode !== null) throw new Error(`nats-server exited ${p.child.exitCode}: ${p.lines.slice(-5).join(' | ')}`);
        return natsInfo(port);
      },
      30_000,
      100,
    );
  };
  await up();
  const down = async (crash = false) => {
    await proc?.stop(crash ? 'SIGKILL' : 'SIGTERM');
    proc = undefined;
  };
  return {
    port,
    pid: () => proc?.child.pid,
    url: `nats://127.0.0.1:${port}`,
    down,
    up,
    async stop() {
      await down();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
