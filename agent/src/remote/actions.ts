import type { EnvelopeOf } from '@vigie/shared';
import { PathRefused, readLogTail } from './log-fetch.js';
import type { OutputStream } from './output-stream.js';
import type { RemotePlatform } from './platform.js';
import { type RunOutcome, runProgram } from './script-runner.js';

/** A built-in action's end: an outcome like a script's, or a refusal with its code. */
export type ActionResult = { outcome: RunOutcome } | { refused: 'REMOTE_PATH_REFUSED' | 'REMOTE_ACTION_FAILED'; message: string };

interface ActionContext {
  platform: RemotePlatform;
  workDir: string;
  out: OutputStream;
  onError: (err: Error) => void;
}

const done = (started: number, exitCode = 0): ActionResult => ({ outcome: { exitCode, signal: null, timedOut: false, durationMs: Date.now() - started } });

/** Programs the actions call (shutdown, systemctl…) answer within this time or are ended. */
const ACTION_TIMEOUT_MS = 60_000;

export async function reboot(env: EnvelopeOf<'reboot'>, c: ActionContext): Promise<ActionResult> {
  const call = c.platform.reboot(env.args.delayMin, env.args.message);
  return { outcome: await runProgram(call, { ...c, cwd: c.workDir, env: {}, timeoutMs: ACTION_TIMEOUT_MS }) };
}

export async function restartService(env: EnvelopeOf<'service-restart'>, c: ActionContext): Promise<ActionResult> {
  const call = c.platform.serviceRestart(env.args.service);
  return { outcome: await runProgram(call, { ...c, cwd: c.workDir, env: {}, timeoutMs: ACTION_TIMEOUT_MS }) };
}

export async function killProcess(env: EnvelopeOf<'process-kill'>, c: ActionContext): Promise<ActionResult> {
  const started = Date.now();
  const { pid, name, force } = env.args;
  if (pid === process.pid) return { refused: 'REMOTE_ACTION_FAILED', message: 'the agent does not end itself' };
  const actual = await c.platform.processName(pid);
  if (actual === undefined) return { refused: 'REMOTE_ACTION_FAILED', message: `no process ${pid}` };
  if (name !== undefined && actual !== name) return { refused: 'REMOTE_ACTION_FAILED', message: `process ${pid} is now ${actual}, not ${name}` };
  try {
    process.kill(pid, force ? 'SIGKILL' : 'SIGTERM');
  } catch (err) {
    return { refused: 'REMOTE_ACTION_FAILED', message: `${pid}: ${(err as Error).message}` };
  }
  c.out.write('stdout', `${force ? 'SIGKILL' : 'SIGTERM'} sent to ${pid} (${actual})\n`);
  return done(started);
}

export async function fetchLog(env: EnvelopeOf<'log-fetch'>, c: ActionContext): Promise<ActionResult> {
  const started = Date.now();
  try {
    const { text } = await readLogTail(env.args.path, env.args.maxBytes, c.platform.logRoots());
    c.out.write('stdout', text);
    return done(started);
  } catch (err) {
    if (err instanceof PathRefused) return { refused: 'REMOTE_PATH_REFUSED', message: err.message };
    return { refused: 'REMOTE_ACTION_FAILED', message: (err as Error).message };
  }
}
