import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Proc, startProcess } from './index.js';
import { LoopbackNamespace } from './netns.js';

const ROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A host folder or file seen inside the machine, read-only. */
export interface Bind {
  host: string;
  inside: string;
  file?: boolean;
}

/**
 * A throwaway machine for one test: a Debian root mounted through an overlay (the cached root
 * below, the test's changes in a temp folder), entered with `chroot` inside a network namespace
 * that has only `lo`. Each command gets its own private mount namespace with /proc, /sys, /dev and
 * the read-only binds (Node, the workspace), so nothing stays mounted on the host after it ends.
 * `forward` lets programs in the machine reach one server of the host through 127.0.0.1 — a Unix
 * socket between the two namespaces, never a network route.
 */
export class ChrootMachine {
  readonly root: string;
  private readonly tmp: string;
  private ns: LoopbackNamespace | undefined;
  private closed = false;

  constructor(
    readonly base: string,
    private readonly binds: readonly Bind[],
  ) {
    this.tmp = mkdtempSync(join(tmpdir(), 'vigie-machine-'));
    this.root = join(this.tmp, 'root');
    for (const d of ['upper', 'work', 'root']) mkdirSync(join(this.tmp, d));
    execFileSync('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${base},upperdir=${join(this.tmp, 'upper')},workdir=${join(this.tmp, 'work')}`,
      this.root,
    ]);
    try {
      this.ns = new LoopbackNamespace();
      for (const b of binds) {
        const target = join(this.root, b.inside);
        if (b.file) {
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, '');
        } else mkdirSync(target, { recursive: true });
      }
    } catch (err) {
      void this.close();
      throw err;
    }
  }

  get netns(): string {
    return this.ns!.name;
  }

  /** The shell line run before chroot, in the command's own mount namespace. */
  private mountScript(): string {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const r = (p: string) => q(join(this.root, p));
    return [
      'set -e',
      `mount -t proc proc ${r('proc')}`,
      `mount -t sysfs sysfs ${r('sys')}`,
      `mount --rbind /dev ${r('dev')}`,
      ...this.binds.flatMap((b) => [`mount --bind ${q(b.host)} ${r(b.inside)}`, `mount -o remount,bind,ro ${r(b.inside)}`]),
      `exec chroot ${q(this.root)} "$@"`,
    ].join('\n');
  }

  /** The program and arguments that run `cmd args` inside the machine. */
  command(cmd: string, args: readonly string[]): { file: string; args: string[] } {
    return {
      file: 'ip',
      args: ['netns', 'exec', this.netns, 'unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', this.mountScript(), 'sh', cmd, ...args],
    };
  }

  private env(extra: Record<string, string>): NodeJS.ProcessEnv {
    return { PATH: ROOT_PATH, HOME: '/root', LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive', ...extra };
  }

  /**
   * Runs a command inside to completion; its stdout, or an error with its stderr. Asynchronous: the
   * test process itself carries `forward`'s connections, so it must not block while a command runs.
   */
  exec(cmd: string, args: readonly string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<string> {
    const c = this.command(cmd, args);
    return new Promise((resolve, reject) => {
      execFile(c.file, c.args, { env: this.env(env), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const status = (err as { code?: unknown }).code;
        reject(
          new Error(
            `${cmd} ${args.join(' ')} (in the machine) exited with ${String(status)}${err.killed ? ' (killed: timeout)' : ''}: ${(stderr || stdout || '').slice(-2000)}`,
          ),
        );
      });
    });
  }

  /** Starts a long-running program inside. */
  spawn(cmd: string, args: readonly string[], env: Record<string, string> = {}): Proc {
    const c = this.command(cmd, args);
    return startProcess(c.file, c.args, this.env(env));
  }

  /** Writes a file inside the machine (through the overlay). */
  write(path: string, content: string | Buffer, mode?: number): void {
    const target = join(this.root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content, mode === undefined ? undefined : { mode });
  }

  /** Makes `127.0.0.1:<port>` inside the machine reach `127.0.0.1:<port>` of the host. */
  forward(port: number): Promise<void> {
    return this.ns!.forward(port);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const failures: string[] = [];
    try {
      execFileSync('umount', ['--lazy', this.root], { stdio: 'pipe' });
    } catch (err) {
      const m = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? (err as Error).message;
      if (!/not mounted|No such file/.test(m)) failures.push(`umount ${this.root}: ${m}`);
    }
    try {
      await this.ns?.close();
    } catch (err) {
      failures.push((err as Error).message);
    }
    rmSync(this.tmp, { recursive: true, force: true });
    if (failures.length > 0) throw new Error(`machine clean-up: ${failures.join('; ')}`);
  }
}
