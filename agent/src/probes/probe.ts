import { execFile } from 'node:child_process';
import type { TObject } from '@sinclair/typebox';
import { type CheckResult, type ProbeConfigSpec, type ScriptParamValues, VigieError } from '@vigie/shared';

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** What a probe gets to do its work: a clock, an abort signal (its timeout), and commands run as argument lists. */
export interface ProbeContext {
  now(): number;
  signal: AbortSignal;
  platform: NodeJS.Platform;
  /** Runs a program with an argument list — never through a shell, so no parameter can inject a command. */
  run(file: string, args: readonly string[], opts?: { timeoutMs?: number; maxBuffer?: number }): Promise<CommandResult>;
  /**
   * Runs a library script a policy names by its SHA-256, only under a valid grant the provider
   * signed for this device (and within the machine's local ceiling); throws otherwise.
   */
  runGrantedScript?(sha256: string, params: ScriptParamValues, timeoutMs: number): Promise<CommandResult>;
}

/** A probe: one folder, one definition. A finding is a result; a failure to run is a thrown error. */
export interface ProbeDefinition<S extends TObject = TObject> {
  spec: ProbeConfigSpec<S>;
  platforms: readonly NodeJS.Platform[];
  collect(ctx: ProbeContext, config: import('@sinclair/typebox').Static<S>): Promise<CheckResult[]>;
}

export type RunGrantedScript = NonNullable<ProbeContext['runGrantedScript']>;

/** Where no remote module is wired (a probe run from the CLI): no grant exists. */
export const noGrantedScripts: RunGrantedScript = async (sha256) => {
  throw new VigieError('REMOTE_NOT_GRANTED', `no signed grant for script ${sha256.slice(0, 12)}…`);
};

export function runCommand(
  file: string,
  args: readonly string[],
  signal: AbortSignal,
  opts: { timeoutMs?: number; maxBuffer?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { signal, timeout: opts.timeoutMs ?? 30_000, maxBuffer: opts.maxBuffer ?? 16 * 1024 * 1024, windowsHide: true, shell: false },
      (err, stdout, stderr) => {
        const code = err && typeof (err as NodeJS.ErrnoException).code === 'number' ? ((err as unknown as { code: number }).code as number) : err ? -1 : 0;
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(`${file} is not installed`));
        if (err && signal.aborted) return reject(new Error(`${file} timed out`));
        resolve({ stdout: String(stdout), stderr: String(stderr), code });
      },
    );
  });
}
