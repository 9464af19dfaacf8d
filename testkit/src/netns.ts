import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Proc, startProcess, waitFor } from './index.js';

const RELAY_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'tcp-to-unix-relay.mjs');

/**
 * A network namespace with only `lo`, for programs that must not reach any address but the test's
 * own servers: `forward(port)` makes 127.0.0.1:<port> inside reach 127.0.0.1:<port> of the host
 * through a Unix socket (file system, not a route). Needs root (`ip netns`).
 */
export class LoopbackNamespace {
  readonly name: string;
  private readonly tmp: string;
  private readonly relays: { server: Server; proc: Proc }[] = [];

  constructor() {
    this.tmp = mkdtempSync(join(tmpdir(), 'vigie-netns-'));
    this.name = `vigie-n-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    execFileSync('ip', ['netns', 'add', this.name]);
    execFileSync('ip', ['netns', 'exec', this.name, 'ip', 'link', 'set', 'lo', 'up']);
  }

  /** The program and arguments that run `cmd args` inside the namespace. */
  wrap(cmd: string, args: readonly string[]): { file: string; args: string[] } {
    return { file: 'ip', args: ['netns', 'exec', this.name, cmd, ...args] };
  }

  async forward(port: number): Promise<void> {
    const sock = join(this.tmp, `relay-${port}.sock`);
    const server = createServer((inbound) => {
      const outbound = connect(port, '127.0.0.1');
      inbound.pipe(outbound).pipe(inbound);
      const end = () => {
        inbound.destroy();
        outbound.destroy();
      };
      inbound.on('error', end);
      outbound.on('error', end);
      inbound.on('close', end);
      outbound.on('close', end);
    });
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    const proc = startProcess('ip', ['netns', 'exec', this.name, process.execPath, RELAY_SCRIPT, String(port), sock]);
    this.relays.push({ server, proc });
    await waitFor(`relay to port ${port}`, async () => proc.lines.some((l) => l.includes('relay listening')), 15_000, 50);
  }

  async close(): Promise<void> {
    for (const r of this.relays) {
      await r.proc.stop();
      await new Promise((resolve) => r.server.close(resolve));
    }
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: 'pipe' });
    } finally {
      rmSync(this.tmp, { recursive: true, force: true });
    }
  }
}
