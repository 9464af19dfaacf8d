import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Proc, startProcess } from '@vigie/testkit';
import { AGENT_BIN, seedQuietPolicy } from './processes.js';

const execFileAsync = promisify(execFile);

/** A line of the agent's log (JSON); a line that is not JSON is kept as its `msg`. */
export interface LogEntry {
  msg?: unknown;
  level?: string;
  seq?: number;
  type?: string;
  ts?: number;
  code?: string;
  [key: string]: unknown;
}

/** What the agent logged about each frame it produced (its debug log: JSON lines on stderr, written synchronously to the pipe). */
export interface ProducedLog {
  /** seq → type, and the sample time of metrics frames. */
  spooled: Map<number, { type: string; ts?: number }>;
  /** Frames that could not be written (counted by the spool as `unspooled`). */
  notSpooled: Set<number>;
}

/** The agent's own figures, read from its spool once it is stopped (`vigie-agent spool --json`). */
export interface SpoolFigures {
  produced: number;
  ackedSeq: number;
  pendingFrames: number;
  droppedFrames: number;
  unspooledFrames: number;
  inDoubtFrames: number;
}

/**
 * A real agent process (`vigie-agent run`, from the sources) enrolled with the collector, with the
 * quiet policy seeded; restartable, killable. Its log lines are kept across restarts.
 */
export class RealAgent {
  proc: Proc | undefined;
  readonly lines: string[] = [];
  deviceId = 0;
  agentId = '';

  constructor(
    readonly name: string,
    readonly stateDir: string,
    private readonly args: string[] = [],
    /** On a machine of its own (a namespace of the test's LAN): how to run a program there. */
    private readonly machine?: { wrap(cmd: string, args: readonly string[]): { file: string; args: string[] } },
  ) {}

  private command(args: string[]): { file: string; args: string[] } {
    return this.machine ? this.machine.wrap(process.execPath, args) : { file: process.execPath, args };
  }

  /**
   * `others`: more collectors of its list after `url` (the primary), for fail-over. `extra`: more options of `vigie-agent enroll` (`--allow-plain` for plain HTTP to another machine of the test's LAN). */
  async enroll(url: string, token: string, others: string[] = [], extra: string[] = []): Promise<void> {
    await seedQuietPolicy(this.stateDir);
    const more = others.flatMap((u) => ['--collector', u]);
    const enroll = this.command([AGENT_BIN, 'enroll', '--url', url, ...more, '--state-dir', this.stateDir, ...extra]);
    const { stdout } = await execFileAsync(enroll.file, enroll.args, {
      encoding: 'utf8',
      env: { ...process.env, VIGIE_ENROLL_TOKEN: token },
    });
    const m = /enrolled as agent (\S+) \(device (\d+)\)/.exec(stdout);
    if (!m) throw new Error(`enroll: ${stdout}`);
    this.agentId = m[1]!;
    this.deviceId = Number(m[2]);
  }

  start(): void {
    const run = this.command([AGENT_BIN, 'run', '--state-dir', this.stateDir, '--log-level', 'debug', ...this.args]);
    this.proc = startProcess(run.file, run.args);
    const own = this.proc.lines;
    const push = own.push.bind(own);
    own.push = (...items: string[]) => {
      this.lines.push(...items);
      return push(...items);
    };
  }

  get running(): boolean {
    return !!this.proc && this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    return (await this.proc?.stop(signal)) ?? null;
  }

  /** Lines of this process's log as objects (lines that are not JSON are kept as `{ msg: line }`). */
  logEntries(): LogEntry[] {
    return this.lines.map((l) => {
      try {
        return JSON.parse(l) as LogEntry;
      } catch {
        return { msg: l };
      }
    });
  }

  produced(): ProducedLog {
    const out: ProducedLog = { spooled: new Map(), notSpooled: new Set() };
    for (const e of this.logEntries()) {
      if (e.msg === 'spooled' && e.seq !== undefined) out.spooled.set(e.seq, { type: String(e.type), ...(e.ts !== undefined ? { ts: e.ts } : {}) });
      else if (e.msg === 'not spooled' && e.seq !== undefined) out.notSpooled.add(e.seq);
    }
    return out;
  }

  async spool(): Promise<SpoolFigures> {
    if (this.running) throw new Error('the spool is read only while the agent is stopped');
    const { stdout } = await execFileAsync(process.execPath, [AGENT_BIN, 'spool', '--json', '--state-dir', this.stateDir], { encoding: 'utf8' });
    return JSON.parse(stdout.trim().split('\n').pop()!) as SpoolFigures;
  }
}
