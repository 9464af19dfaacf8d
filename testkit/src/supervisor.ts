import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Stands in for a service manager where none can run (systemd is not PID 1 in the test machine):
 * starts a program, and starts it again — from the same path, so a replaced executable is the one
 * that runs — each time it exits, after a pause, as systemd's Restart=always, launchd's KeepAlive
 * and the Windows service wrapper do. Keeps every line, start and exit for the test to read.
 */
export class Supervisor {
  readonly lines: string[] = [];
  readonly starts: { at: number; pid: number | undefined }[] = [];
  readonly exits: { at: number; code: number | null; signal: NodeJS.Signals | null }[] = [];
  private child: ChildProcess | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly args: readonly string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly restartDelayMs = 1000,
  ) {}

  start(): this {
    if (this.stopped) return this;
    const child = spawn(this.file, [...this.args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts.push({ at: Date.now(), pid: child.pid });
    let partial = '';
    const onData = (buf: Buffer) => {
      const parts = (partial + buf.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', (err) => this.lines.push(`supervisor: ${err.message}`));
    child.on('exit', (code, signal) => {
      this.exits.push({ at: Date.now(), code, signal });
      if (this.child === child) this.child = undefined;
      if (!this.stopped) this.timer = setTimeout(() => this.start(), this.restartDelayMs);
    });
    return this;
  }

  /** Ends the running program (SIGTERM): it is started again, as after a crash. */
  kill(): void {
    this.child?.kill('SIGTERM');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}
