import { join } from 'node:path';
import {
  ACTION_NEEDS,
  type AgentBody,
  type CommandEnvelope,
  ceilingAllows,
  DEFAULT_SCRIPT_TIMEOUT_SEC,
  ErrorCodes,
  type ErrorKey,
  type RemoteCeiling,
  type ScriptParamValues,
  type SignedCommandBody,
  VigieError,
} from '@vigie/shared';
import type { Log } from '../log.js';
import type { CommandResult } from '../probes/probe.js';
import { type ActionResult, fetchLog, killProcess, reboot, restartService } from './actions.js';
import { readCeiling } from './ceiling.js';
import { GrantStore } from './grants.js';
import { NonceStore } from './nonce-store.js';
import { OutputStream } from './output-stream.js';
import { type RemotePlatform, remotePlatform } from './platform.js';
import { type RunOutcome, runScript } from './script-runner.js';
import { loadTrust, rotateKey, type TrustFile } from './trust-store.js';
import { type Identity, verifySignedCommand } from './verify.js';

type Emit = <T extends 'command-ack' | 'command-output' | 'command-result'>(type: T, body: AgentBody<T>) => Promise<void>;

export interface RemoteOptions {
  stateDir: string;
  me: Identity;
  log: Log;
  emit: Emit;
  /** The local ceiling file; default: the platform's (set by the installer). */
  ceilingFile?: string;
  platform?: RemotePlatform;
}

/**
 * The agent's side of the signed command channel: every envelope is verified (see verify.ts) one at
 * a time, its nonce stored on disk before anything runs, then the action runs in the background
 * with its output streamed back. Every refusal goes back to the collector with its reason code.
 */
export class RemoteCommands {
  private trust: TrustFile | undefined;
  private nonces!: NonceStore;
  private grants!: GrantStore;
  private verifying: Promise<void> = Promise.resolve();
  private readonly running = new Set<Promise<void>>();
  private readonly platform: RemotePlatform;
  readonly ceilingFile: string;

  constructor(private readonly o: RemoteOptions) {
    this.platform = o.platform ?? remotePlatform();
    this.ceilingFile = o.ceilingFile ?? this.platform.defaultCeilingFile();
  }

  async open(): Promise<void> {
    this.trust = await loadTrust(this.o.stateDir);
    this.nonces = await NonceStore.open(this.o.stateDir);
    this.grants = await GrantStore.open(this.o.stateDir);
    const c = await this.ceiling();
    this.o.log.info('remote intervention', {
      ceiling: c.ceiling,
      ceilingFile: this.ceilingFile,
      ...(c.problem ? { problem: c.problem } : {}),
      providerKey: this.trust?.current.keyId ?? 'none',
    });
  }

  ceiling() {
    return readCeiling(this.ceilingFile, this.platform);
  }

  /** Verification is sequential (a nonce is checked and stored before the next envelope is looked at). */
  handle(body: SignedCommandBody): Promise<void> {
    const next = this.verifying.then(() => this.verifyAndStart(body));
    this.verifying = next.catch((err: Error) => this.o.log.error('signed command failed', { commandId: body.commandId, err: err.message }));
    return this.verifying;
  }

  /** Resolves when every command started so far has finished (agent stopping). */
  async idle(): Promise<void> {
    await this.verifying;
    await Promise.all([...this.running]);
  }

  private async refuse(commandId: string, reason: ErrorKey, detail: string, ceiling?: RemoteCeiling): Promise<void> {
    const code = ErrorCodes[reason].code;
    this.o.log.warn('signed command refused', { commandId, code, detail });
    await this.o.emit('command-ack', {
      commandId,
      state: 'refused',
      code,
      message: `${ErrorCodes[reason].message}: ${detail}`.slice(0, 2000),
      ...(ceiling ? { ceiling } : {}),
      at: Date.now(),
    });
  }

  private async verifyAndStart(body: SignedCommandBody): Promise<void> {
    const v = await verifySignedCommand(body, { trust: this.trust, me: this.o.me, nonces: this.nonces, ceiling: () => this.ceiling(), now: Date.now() });
    if (v.ok === false) return this.refuse(body.commandId, v.reason, v.detail, v.ceiling);
    if (v.ok === 'duplicate') {
      this.o.log.info('signed command received again: not run twice', { commandId: body.commandId });
      await this.o.emit('command-ack', { commandId: body.commandId, state: 'duplicate', at: Date.now() });
      return;
    }
    const env = v.envelope;
    // On disk before it runs: a crash right after cannot make it run a second time.
    await this.nonces.remember(env.nonce, env.commandId, env.expiresAt);
    await this.o.emit('command-ack', { commandId: env.commandId, state: 'accepted', ceiling: v.ceiling, at: Date.now() });
    this.o.log.info('signed command accepted', { commandId: env.commandId, action: env.action, by: env.issuedBy.name });
    if (env.action === 'key-rotate') {
      this.trust = await rotateKey(this.o.stateDir, this.trust!, { keyId: env.args.newKeyId, publicKey: env.args.newPublicKey });
      this.o.log.info('provider key rotated', { keyId: env.args.newKeyId });
      await this.o.emit('command-result', { commandId: env.commandId, ok: true, exitCode: 0, durationMs: 0 });
      return;
    }
    if (env.action === 'policy-script') {
      await this.grants.add({ envelope: env, script: body.script! });
      return;
    }
    const job = this.execute(env, body.script).catch((err: Error) =>
      this.o.log.error('signed command crashed', { commandId: env.commandId, err: err.message }),
    );
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
  }

  private async execute(env: Exclude<CommandEnvelope, { action: 'key-rotate' | 'policy-script' }>, script: string | undefined): Promise<void> {
    const commandId = env.commandId;
    const out = new OutputStream((stream, index, data) => this.o.emit('command-output', { commandId, stream, index, data, at: Date.now() }));
    const ctx = {
      platform: this.platform,
      workDir: join(this.o.stateDir, 'remote-run'),
      out,
      onError: (err: Error) => this.o.log.warn('ending a command failed', { commandId, err: err.message }),
    };
    let result: ActionResult;
    try {
      switch (env.action) {
        case 'script':
          result = {
            outcome: await runScript({ commandId, language: env.args.language, text: script!, params: env.args.params, timeoutSec: env.args.timeoutSec }, ctx),
          };
          break;
        case 'reboot':
          result = await reboot(env, ctx);
          break;
        case 'service-restart':
          result = await restartService(env, ctx);
          break;
        case 'process-kill':
          result = await killProcess(env, ctx);
          break;
        case 'log-fetch':
          result = await fetchLog(env, ctx);
          break;
      }
    } catch (err) {
      result = { refused: 'REMOTE_ACTION_FAILED', message: (err as Error).message };
    }
    await out.end();
    await this.o.emit('command-result', resultBody(commandId, result, out));
  }

  /**
   * For a probe (the backup probe's `command` kind): runs a script the policy names by its SHA-256,
   * only under a valid signed grant for this device with exactly these parameters, and within the
   * local ceiling. Its output comes back to the probe, not to the collector.
   */
  async runGrantedScript(sha256: string, params: ScriptParamValues, timeoutMs: number): Promise<CommandResult> {
    const grant = this.grants.find(sha256, params);
    if (!grant) throw new VigieError('REMOTE_NOT_GRANTED', `no valid signed grant for script ${sha256.slice(0, 12)}… with these parameters`);
    const c = await this.ceiling();
    if (!ceilingAllows(c.ceiling, ACTION_NEEDS['policy-script']))
      throw new VigieError('REMOTE_CEILING', `this machine's local ceiling is "${c.ceiling}"${c.problem ? ` (${c.problem})` : ''}`);
    let stdout = '';
    let stderr = '';
    const out = new OutputStream(async (stream, _i, data) => {
      if (stream === 'stdout') stdout += data;
      else stderr += data;
    });
    const e = grant.envelope;
    const outcome = await runScript(
      {
        commandId: `${e.commandId}-${Date.now().toString(36)}`,
        language: e.args.language,
        text: grant.script,
        params: e.args.params,
        timeoutSec: Math.min(e.args.timeoutSec ?? DEFAULT_SCRIPT_TIMEOUT_SEC, Math.ceil(timeoutMs / 1000)),
      },
      {
        platform: this.platform,
        workDir: join(this.o.stateDir, 'remote-run'),
        out,
        onError: (err) => this.o.log.warn('ending a policy script failed', { err: err.message }),
      },
    );
    await out.end();
    if (outcome.spawnError) throw new VigieError('REMOTE_INTERPRETER_MISSING', `${e.args.language}: ${outcome.spawnError.message}`);
    if (outcome.timedOut) throw new Error(`script ${e.args.scriptName} timed out`);
    return { stdout, stderr, code: outcome.exitCode ?? -1 };
  }
}

function resultBody(commandId: string, r: ActionResult, out: OutputStream): AgentBody<'command-result'> {
  const common = { commandId, outputBytes: out.producedBytes, truncated: out.truncated };
  if ('refused' in r) return { ...common, ok: false, error: { code: ErrorCodes[r.refused].code, message: r.message.slice(0, 2000) } };
  const o: RunOutcome = r.outcome;
  if (o.spawnError)
    return { ...common, ok: false, durationMs: o.durationMs, error: { code: ErrorCodes.REMOTE_INTERPRETER_MISSING.code, message: o.spawnError.message } };
  return {
    ...common,
    ok: o.exitCode === 0 && !o.timedOut,
    ...(o.exitCode !== null ? { exitCode: o.exitCode } : {}),
    durationMs: o.durationMs,
    ...(o.timedOut ? { timedOut: true } : {}),
    ...(o.signal && !o.timedOut ? { error: { code: ErrorCodes.REMOTE_ACTION_FAILED.code, message: `ended by ${o.signal}` } } : {}),
  };
}
