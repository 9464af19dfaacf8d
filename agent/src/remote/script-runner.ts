import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { paramEnvValue, type ScriptLanguage, type ScriptParamValues } from '@vigie/shared';
import type { OutputStream } from './output-stream.js';
import type { ProgramCall, RemotePlatform } from './platform.js';

export interface RunOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
  /** The program could not be started (interpreter missing). */
  spawnError?: NodeJS.ErrnoException;
}

/** Ends the whole tree after SIGTERM was ignored this long. */
const KILL_GRACE_MS = 5000;

/**
 * Runs a program (no shell) with a clean environment, its output into `out`, ended with its whole
 * process group when it outlives `timeoutMs`; whatever it left running in its group is ended too.
 */
export function runProgram(
  call: ProgramCall,
  o: { platform: RemotePlatform; cwd: string; env: Record<string, string>; timeoutMs: number; out: OutputStream; onError: (err: Error) => void },
): Promise<RunOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(call.cmd, call.args, {
      cwd: o.cwd,
      env: { ...o.platform.baseEnv(), ...o.env, ...call.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: o.platform.detached,
      windowsHide: true,
    });
    let timedOut = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    const kill = (force: boolean) => {
      if (child.pid === undefined) return;
      o.platform.killTree(child.pid, force).catch(o.onError);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill(false);
      setTimeout(() => kill(true), KILL_GRACE_MS).unref();
    }, o.timeoutMs);
    child.stdout.on('data', (d: Buffer) => o.out.write('stdout', d));
    child.stderr.on('data', (d: Buffer) => o.out.write('stderr', d));
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError = err;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Background children of the script die with it: a command is over when its program is.
      if (!spawnError) kill(true);
      resolve({ exitCode: code, signal, timedOut, durationMs: Date.now() - started, ...(spawnError ? { spawnError } : {}) });
    });
  });
}

/**
 * A library script: written to a private folder of the agent's state, run by its interpreter with
 * its typed parameters as environment variables `VIGIE_PARAM_<NAME>` (never pasted into its text),
 * then removed.
 */
export async function runScript(
  script: { commandId: string; language: ScriptLanguage; text: string; params: ScriptParamValues; timeoutSec: number },
  o: { platform: RemotePlatform; workDir: string; out: OutputStream; onError: (err: Error) => void },
): Promise<RunOutcome> {
  const dir = join(o.workDir, script.commandId);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `script.${o.platform.scriptExtension(script.language)}`);
  await writeFile(file, script.text, { mode: 0o600 });
  const env: Record<string, string> = { VIGIE_COMMAND_ID: script.commandId };
  for (const [name, value] of Object.entries(script.params)) env[`VIGIE_PARAM_${name.toUpperCase()}`] = paramEnvValue(value);
  try {
    return await runProgram(o.platform.interpreter(script.language, file), { ...o, cwd: dir, env, timeoutMs: script.timeoutSec * 1000 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
