import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Proc, startProcess } from './index.js';

const FORWARDER = join(dirname(fileURLToPath(import.meta.url)), 'loopback-forwarder.mjs');
let made = 0;

/**
 * A network namespace of the test's own with only `lo`: whatever runs inside (ping, an agent) can
 * reach nothing beyond it. SILENT_HOST, a loopback address whose packets nftables drops inside,
 * plays the host that never answers. A TCP port of this machine's loopback (a collector) can be
 * made reachable inside with `forward`.
 */
export class IsolatedNetwork {
  static readonly SILENT_HOST = '127.0.0.2';
  private readonly forwards: { server: Server; inside: Proc; socket: string }[] = [];

  private constructor(readonly name: string) {}

  static create(label: string): IsolatedNetwork {
    const name = `vigie-${label}-${process.pid}-${++made}`;
    execFileSync('ip', ['netns', 'add', name]);
    const net = new IsolatedNetwork(name);
    try {
      execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
      net.exec('nft', ['add table inet vigie_test']);
      net.exec('nft', ['add chain inet vigie_test out { type filter hook output priority 0; policy accept; }']);
      net.exec('nft', [`add rule inet vigie_test out ip daddr ${IsolatedNetwork.SILENT_HOST} drop`]);
      const links = net.links();
      if (links.join(',') !== 'lo') throw new Error(`namespace ${name} has links other than lo: ${links.join(', ')}`);
    } catch (err) {
      net.destroy();
      throw err;
    }
    return net;
  }

  /** Runs a command inside, to completion (blocking: not while a `forward` must relay). */
  exec(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
    return execFileSync('ip', ['netns', 'exec', this.name, cmd, ...args], { encoding: 'utf8', env: opts.env ?? process.env, cwd: opts.cwd });
  }

  /** Runs a command inside without blocking this process (which may be relaying its traffic: see `forward`). */
  async run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<string> {
    const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', this.name, cmd, ...args], {
      encoding: 'utf8',
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    return stdout;
  }

  /** The command line that runs `cmd` inside (for a long-running program). */
  command(cmd: string, args: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.name, cmd, ...args]];
  }

  /** Starts a long-running program inside. */
  start(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
    return startProcess('ip', ['netns', 'exec', this.name, cmd, ...args], env);
  }

  /** The links inside (only `lo`). */
  links(): string[] {
    return execFileSync('ip', ['-n', this.name, '-o', 'link', 'show'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(':')[1]!.trim().split('@')[0]!);
  }

  /**
   * Makes 127.0.0.1:`port` of this machine reachable at 127.0.0.1:`port` inside, through a Unix
   * socket (a file, visible from both namespaces): a program inside talks to a collector outside
   * without any link out of the namespace.
   */
  async forward(port: number): Promise<void> {
    const socket = join(tmpdir(), `${this.name}-${port}.sock`);
    rmSync(socket, { force: true });
    const server = createServer((inner) => {
      const outer = createConnection(port, '127.0.0.1');
      inner.pipe(outer).pipe(inner);
      const close = () => {
        inner.destroy();
        outer.destroy();
      };
      inner.on('error', close);
      outer.on('error', close);
    });
    await new Promise<void>((resolve, reject) => server.listen(socket, resolve).once('error', reject));
    const inside = startProcess('ip', ['netns', 'exec', this.name, process.execPath, FORWARDER, String(port), socket]);
    this.forwards.push({ server, inside, socket });
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        if (inside.lines.includes('listening')) return resolve();
        if (inside.child.exitCode !== null) return reject(new Error(`forwarder exited: ${inside.lines.join('\n')}`));
        if (Date.now() - started > 10_000) return reject(new Error('forwarder did not start'));
        setTimeout(poll, 20);
      };
      poll();
    });
  }

  async destroy(): Promise<void> {
    for (const f of this.forwards) {
      await f.inside.stop();
      await new Promise((r) => f.server.close(r));
      rmSync(f.socket, { force: true });
    }
    try {
      execFileSync('ip', ['netns', 'del', this.name]);
    } catch (err) {
      // Still in use by a process the test has not stopped: say so rather than leave it unnoticed.
      throw new Error(`could not delete network namespace ${this.name}: ${String(err)}`);
    }
  }
}
