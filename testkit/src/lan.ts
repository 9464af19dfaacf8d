import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Proc, startProcess, waitFor } from './index.js';

const RELAY = join(dirname(fileURLToPath(import.meta.url)), 'unix-to-tcp-relay.mjs');
let made = 0;

/**
 * Machines of a test's own on a private LAN: one network namespace per host, each with `lo` and one
 * `eth0` at 10.15.0.<n>/24 plugged into a bridge that lives in a namespace of its own. Nothing has a
 * route beyond 10.15.0.0/24 and nothing is added to the test's own namespace: the test reaches a
 * host's server through `expose` (a Unix socket relay). Needs root (`ip netns`, nft).
 */
export class Lan {
  private readonly relays: { server: Server; proc: Proc }[] = [];
  private readonly tmp = mkdtempSync(join(tmpdir(), 'vigie-lan-'));
  private readonly lan: string;
  private readonly ns = new Map<string, { name: string; address: string }>();

  constructor(label: string, hosts: string[]) {
    const prefix = `vl-${process.pid}-${++made}`;
    this.lan = `${prefix}-lan`;
    try {
      execFileSync('ip', ['netns', 'add', this.lan]);
      this.ip(this.lan, ['link', 'set', 'lo', 'up']);
      this.ip(this.lan, ['link', 'add', 'br0', 'type', 'bridge']);
      this.ip(this.lan, ['link', 'set', 'br0', 'up']);
      hosts.forEach((host, i) => {
        const name = `${prefix}-${label}-${host}`.slice(0, 60);
        const address = `10.15.0.${i + 1}`;
        execFileSync('ip', ['netns', 'add', name]);
        this.ns.set(host, { name, address });
        this.ip(name, ['link', 'set', 'lo', 'up']);
        // Both ends made inside the namespaces: not even for a moment an interface in the test's own.
        this.ip(this.lan, ['link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name]);
        this.ip(this.lan, ['link', 'set', `v${i}`, 'master', 'br0', 'up']);
        this.ip(name, ['addr', 'add', `${address}/24`, 'dev', 'eth0']);
        this.ip(name, ['link', 'set', 'eth0', 'up']);
        execFileSync('ip', ['netns', 'exec', name, 'nft', 'add table inet vigie_lan']);
        execFileSync('ip', ['netns', 'exec', name, 'nft', 'add chain inet vigie_lan out { type filter hook output priority 0; policy accept; }']);
      });
    } catch (err) {
      try {
        this.removeNamespaces();
      } catch (cleanup) {
        throw new AggregateError([err, cleanup], `LAN not set up: ${String(err)}`);
      }
      throw err;
    }
  }

  address(host: string): string {
    return this.host(host).address;
  }

  /** The program and arguments that run `cmd args` on `host`. */
  wrap(host: string, cmd: string, args: readonly string[]): { file: string; args: string[] } {
    return { file: 'ip', args: ['netns', 'exec', this.host(host).name, cmd, ...args] };
  }

  start(host: string, cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Proc {
    const w = this.wrap(host, cmd, args);
    return startProcess(w.file, w.args, env);
  }

  /** A port on the test's 127.0.0.1 that reaches `port` of `host`'s address (for the test's own requests). */
  async expose(host: string, port: number): Promise<number> {
    const socket = join(this.tmp, `${host}-${port}.sock`);
    const proc = this.start(host, process.execPath, [RELAY, socket, this.address(host), String(port)]);
    await waitFor(
      `relay to ${host}:${port}`,
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`relay exited: ${proc.lines.join(' | ')}`);
        return proc.lines.some((l) => l.includes('relay listening'));
      },
      15_000,
      50,
    );
    const server = createServer((inbound) => {
      const outbound = connect(socket);
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
    await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject));
    this.relays.push({ server, proc });
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  /** `from` can no longer reach `to` (its packets to `to`'s address are dropped), as a cut cable between them. */
  cut(from: string, to: string): void {
    execFileSync('ip', ['netns', 'exec', this.host(from).name, 'nft', `add rule inet vigie_lan out ip daddr ${this.address(to)} drop`]);
  }

  /** Every cut made from `from` is mended. */
  mend(from: string): void {
    execFileSync('ip', ['netns', 'exec', this.host(from).name, 'nft', 'flush chain inet vigie_lan out']);
  }

  async destroy(): Promise<void> {
    for (const r of this.relays) {
      await r.proc.stop();
      await new Promise((resolve) => r.server.close(resolve));
    }
    this.removeNamespaces();
    rmSync(this.tmp, { recursive: true, force: true });
  }

  private host(host: string): { name: string; address: string } {
    const h = this.ns.get(host);
    if (!h) throw new Error(`no host ${host} on this LAN`);
    return h;
  }

  private ip(ns: string, args: string[]): void {
    execFileSync('ip', ['-n', ns, ...args]);
  }

  private removeNamespaces(): void {
    const failed: string[] = [];
    for (const name of [...[...this.ns.values()].map((h) => h.name), this.lan]) {
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
      } catch (err) {
        failed.push(`${name}: ${String(err)}`);
      }
    }
    // A namespace still in use by a process the test did not stop: said, not left unnoticed.
    if (failed.length > 0) throw new Error(`network namespaces not deleted: ${failed.join('; ')}`);
  }
}
