import { TypeCompiler } from '@sinclair/typebox/compiler';
import {
  LogFetchEnvelope,
  MAX_COMMAND_LIFETIME_MS,
  ProcessKillEnvelope,
  RebootEnvelope,
  type ScriptParamValues,
  ServiceRestartEnvelope,
  scriptParamsError,
  VigieError,
} from '@vigie/shared';
import { appendAudit, refreshAuditHead } from '../audit/repository.js';
import type { SessionUser } from '../auth/repository.js';
import type { TotpService } from '../auth/totp/totp-service.js';
import type { Database } from '../store/database.js';
import type { RemotePermissions } from './permissions.js';
import type { ScriptsRepository } from './scripts-repository.js';
import { type EnvelopeDraft, signEnvelope } from './signer.js';
import type { SigningKeys } from './signing-keys.js';
import { resolveTarget, type TargetKind } from './targets.js';

export type RunAction = 'script' | 'reboot' | 'service-restart' | 'process-kill' | 'log-fetch';

export interface CreateRunInput {
  target: { kind: TargetKind; id: number };
  action: RunAction;
  scriptVersionId?: number;
  /** Checked against the script's definitions (types included) before anything is signed. */
  params?: Record<string, unknown>;
  /** The built-in action's arguments (reboot delay and message, service name, pid, log path). */
  args?: Record<string, unknown>;
  /** How many machines run it at once (default 5). */
  concurrency?: number;
  /** How long it waits for an offline machine (default 24 h, at most 7 days). */
  expiresInMin?: number;
  /** The remote session (from a ticket) it belongs to. */
  sessionId?: number;
}

const ARGS = {
  reboot: TypeCompiler.Compile(RebootEnvelope.properties.args),
  'service-restart': TypeCompiler.Compile(ServiceRestartEnvelope.properties.args),
  'process-kill': TypeCompiler.Compile(ProcessKillEnvelope.properties.args),
  'log-fetch': TypeCompiler.Compile(LogFetchEnvelope.properties.args),
};
/** A fresh step-up (TOTP within 5 minutes, this session) before these. */
const NEEDS_STEP_UP: ReadonlySet<RunAction> = new Set(['script', 'reboot']);

/** What the services publish once their transaction committed. */
export interface CommandNotifier {
  /** These agents have commands waiting: whichever collector process holds them delivers. */
  queued(agentIds: string[]): void;
  live(event: { type: string; clientId: number | null; data: unknown }): void;
}

/**
 * Command runs: one action (a library script or a built-in action) on a device, a site, a client
 * or a saved selection. Each machine gets its own envelope, signed once and stored exactly as
 * signed, queued until its agent is connected and the run's concurrency allows, and expiring.
 */
export class CommandService {
  constructor(
    private readonly db: Database,
    private readonly keys: SigningKeys,
    private readonly scripts: ScriptsRepository,
    private readonly permissions: RemotePermissions,
    private readonly totp: TotpService,
    private readonly notify: CommandNotifier,
  ) {}

  private get sql() {
    return this.db.sqlite;
  }

  async createRun(user: SessionUser, sessionIdHash: string | undefined, input: CreateRunInput, now = Date.now()) {
    if (user.role !== 'admin' && user.role !== 'technician') throw new VigieError('FORBIDDEN');
    const devices = resolveTarget(this.db, input.target.kind, input.target.id);
    if (devices.length === 0) throw new VigieError('VALIDATION', 'Aucun équipement avec un agent actif dans cette cible');
    this.permissions.assertCanAct(user, new Set(devices.map((d) => d.clientId)));
    if (NEEDS_STEP_UP.has(input.action)) await this.totp.assertSteppedUp(sessionIdHash, now);
    const lifetime = Math.min((input.expiresInMin ?? 24 * 60) * 60_000, MAX_COMMAND_LIFETIME_MS);
    const concurrency = input.concurrency ?? 5;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) throw new VigieError('VALIDATION', 'Simultanéité entre 1 et 1000');
    let draftArgs: Record<string, unknown>;
    let script: ReturnType<ScriptsRepository['version']>;
    if (input.action === 'script') {
      script = input.scriptVersionId ? this.scripts.version(input.scriptVersionId) : undefined;
      if (!script) throw new VigieError('NOT_FOUND', 'Version de script inconnue');
      if (script.approvedAt === null)
        throw new VigieError('SCRIPT_NOT_APPROVED', `${script.name} v${script.version} n’est pas encore approuvé par un administrateur`);
      const problem = scriptParamsError(script.params, input.params ?? {});
      if (problem) throw new VigieError('VALIDATION', problem);
      draftArgs = {
        language: script.language,
        scriptName: script.name,
        scriptVersion: script.version,
        params: (input.params ?? {}) as ScriptParamValues,
        timeoutSec: script.timeoutSec,
      };
    } else {
      const check = ARGS[input.action];
      draftArgs = input.args ?? {};
      if (!check.Check(draftArgs)) {
        const e = check.Errors(draftArgs).First();
        throw new VigieError('VALIDATION', `${input.action} : ${e?.path ?? ''} ${e?.message ?? 'arguments invalides'}`.trim());
      }
    }
    if (input.sessionId !== undefined) {
      const s = this.sql.prepare("SELECT device_id FROM remote_sessions WHERE id = ? AND state = 'open' AND user_id = ?").get(input.sessionId, user.id) as
        | { device_id: number }
        | undefined;
      if (!s || input.target.kind !== 'device' || s.device_id !== input.target.id)
        throw new VigieError('VALIDATION', 'Session à distance inconnue, close, ou pour un autre équipement');
    }
    const result = await this.db.writeTransaction(() => {
      const run = this.sql
        .prepare(
          'INSERT INTO command_runs (action, target_kind, target_id, script_version_id, args, concurrency, session_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          input.action,
          input.target.kind,
          input.target.id,
          script?.id ?? null,
          JSON.stringify(draftArgs),
          concurrency,
          input.sessionId ?? null,
          user.id,
          now,
        );
      const runId = Number(run.lastInsertRowid);
      const insert = this.sql.prepare(
        `INSERT INTO commands (id, run_id, client_id, device_id, agent_id, action, script_version_id, args, key_id, envelope, signature, nonce, state,
           created_at, not_before, expires_at, issued_by, session_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
      );
      const ids: string[] = [];
      for (const d of devices) {
        const draft = {
          action: input.action,
          ...(script ? { scriptSha256: script.sha256 } : {}),
          args: draftArgs,
          clientId: d.clientId,
          deviceId: d.deviceId,
          agentId: d.agentId,
          notBefore: now,
          expiresAt: now + lifetime,
          issuedBy: { userId: user.id, name: user.name },
        } as EnvelopeDraft;
        const s = signEnvelope(this.keys, draft, { now });
        insert.run(
          s.commandId,
          runId,
          d.clientId,
          d.deviceId,
          d.agentId,
          input.action,
          script?.id ?? null,
          JSON.stringify(draftArgs),
          s.keyId,
          s.envelope,
          s.signature,
          s.nonce,
          now,
          now,
          now + lifetime,
          user.id,
          input.sessionId ?? null,
        );
        appendAudit(
          this.sql,
          `user:${user.id}`,
          'command.create',
          `command:${s.commandId}`,
          {
            action: input.action,
            runId,
            ...(script ? { script: script.name, version: script.version, sha256: script.sha256, params: input.params ?? {} } : { args: draftArgs }),
            expiresAt: now + lifetime,
          },
          { clientId: d.clientId, deviceId: d.deviceId, result: 'queued' },
          now,
        );
        ids.push(s.commandId);
      }
      return { runId, ids };
    });
    refreshAuditHead(this.db);
    this.notify.queued([...new Set(devices.map((d) => d.agentId))]);
    for (const d of devices) this.notify.live({ type: 'command', clientId: null, data: { runId: result.runId, deviceId: d.deviceId, state: 'queued' } });
    return { runId: result.runId, commands: this.list({ runId: result.runId }) };
  }

  /**
   * Commands past their expiry never run: queued ones, and sent ones the agent never answered (it
   * would refuse them as expired; they no longer hold a slot of their run). Marked expired, audited.
   */
  async expire(now = Date.now()): Promise<number> {
    const n = await this.db.writeTransaction(() => {
      const rows = this.sql.prepare("SELECT id, client_id, device_id FROM commands WHERE state IN ('queued', 'sent') AND expires_at < ?").all(now) as {
        id: string;
        client_id: number;
        device_id: number;
      }[];
      for (const r of rows) {
        this.sql.prepare("UPDATE commands SET state = 'expired', finished_at = ? WHERE id = ?").run(now, r.id);
        appendAudit(
          this.sql,
          'system:commands',
          'command.expired',
          `command:${r.id}`,
          null,
          { clientId: r.client_id, deviceId: r.device_id, result: 'expired' },
          now,
        );
      }
      return rows.length;
    });
    if (n > 0) refreshAuditHead(this.db);
    return n;
  }

  /** A queued command is withdrawn before it reaches the agent. */
  async cancel(user: SessionUser, commandId: string, now = Date.now()): Promise<void> {
    await this.db.writeTransaction(() => {
      const r = this.sql.prepare('SELECT client_id, device_id, state FROM commands WHERE id = ?').get(commandId) as
        | { client_id: number; device_id: number; state: string }
        | undefined;
      if (!r) throw new VigieError('NOT_FOUND');
      this.permissions.assertCanAct(user, [r.client_id]);
      if (r.state !== 'queued') throw new VigieError('CONFLICT', 'Seule une commande encore en attente peut être annulée');
      this.sql.prepare("UPDATE commands SET state = 'cancelled', finished_at = ? WHERE id = ?").run(now, commandId);
      appendAudit(
        this.sql,
        `user:${user.id}`,
        'command.cancel',
        `command:${commandId}`,
        null,
        { clientId: r.client_id, deviceId: r.device_id, result: 'cancelled' },
        now,
      );
    });
    refreshAuditHead(this.db);
  }

  /** Command history, newest first; `clientId` restricts to one client (a client user's own). */
  list(f: {
    id?: string;
    clientId?: number;
    deviceId?: number;
    runId?: number;
    state?: string;
    action?: string;
    userId?: number;
    from?: number;
    to?: number;
    limit?: number;
  }) {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (cond: string, v: unknown) => {
      where.push(cond);
      args.push(v);
    };
    if (f.id !== undefined) add('c.id = ?', f.id);
    if (f.clientId !== undefined) add('c.client_id = ?', f.clientId);
    if (f.deviceId !== undefined) add('c.device_id = ?', f.deviceId);
    if (f.runId !== undefined) add('c.run_id = ?', f.runId);
    if (f.state !== undefined) add('c.state = ?', f.state);
    if (f.action !== undefined) add('c.action = ?', f.action);
    if (f.userId !== undefined) add('c.issued_by = ?', f.userId);
    if (f.from !== undefined) add('c.created_at >= ?', f.from);
    if (f.to !== undefined) add('c.created_at < ?', f.to);
    const rows = this.sql
      .prepare(
        `SELECT c.id, c.run_id, c.client_id, c.device_id, d.hostname, c.action, c.args, c.state, c.created_at, c.expires_at, c.sent_at, c.acked_at,
           c.finished_at, c.exit_code, c.duration_ms, c.timed_out, c.output_bytes, c.truncated, c.error_code, c.error_message, c.session_id,
           u.name AS issued_by_name, s.name AS script_name, v.version AS script_version, v.sha256 AS script_sha256
         FROM commands c JOIN devices d ON d.id = c.device_id LEFT JOIN users u ON u.id = c.issued_by
         LEFT JOIN script_versions v ON v.id = c.script_version_id LEFT JOIN scripts s ON s.id = v.script_id
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.created_at DESC, c.rowid DESC LIMIT ?`,
      )
      .all(...args, Math.min(f.limit ?? 200, 1000)) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: r.id as string,
      runId: r.run_id as number | null,
      clientId: r.client_id as number,
      deviceId: r.device_id as number,
      hostname: r.hostname as string,
      action: r.action as string,
      args: JSON.parse(r.args as string) as Record<string, unknown>,
      script: r.script_name ? { name: r.script_name as string, version: r.script_version as number, sha256: r.script_sha256 as string } : null,
      state: r.state as string,
      issuedBy: (r.issued_by_name as string | null) ?? 'système',
      createdAt: r.created_at as number,
      expiresAt: r.expires_at as number,
      sentAt: r.sent_at as number | null,
      acceptedAt: r.acked_at as number | null,
      finishedAt: r.finished_at as number | null,
      exitCode: r.exit_code as number | null,
      durationMs: r.duration_ms as number | null,
      timedOut: r.timed_out === 1,
      outputBytes: r.output_bytes as number,
      truncated: r.truncated === 1,
      error: r.error_code ? { code: r.error_code as string, message: r.error_message as string } : null,
      sessionId: r.session_id as number | null,
    }));
  }

  /** `list` for a route: read under the write lock (never inside another request's open transaction). */
  history(f: Parameters<CommandService['list']>[0]): Promise<ReturnType<CommandService['list']>> {
    return this.db.writeLock(() => this.list(f));
  }

  /** `get` for a route, under the write lock. */
  find(commandId: string): Promise<ReturnType<CommandService['get']>> {
    return this.db.writeLock(() => this.get(commandId));
  }

  /** The client a device belongs to (undefined: no such device): what a route checks the user may see. */
  clientOfDevice(deviceId: number): Promise<number | undefined> {
    return this.db.writeLock(
      () => (this.sql.prepare('SELECT client_id FROM devices WHERE id = ?').get(deviceId) as { client_id: number } | undefined)?.client_id,
    );
  }

  clientExists(clientId: number): Promise<boolean> {
    return this.db.writeLock(() => this.sql.prepare('SELECT 1 FROM clients WHERE id = ?').get(clientId) !== undefined);
  }

  /** One command with its kept output. */
  get(commandId: string) {
    const [view] = this.list({ id: commandId, limit: 1 });
    if (!view) return undefined;
    const { output } = this.sql.prepare('SELECT output FROM commands WHERE id = ?').get(commandId) as { output: string };
    return { ...view, output };
  }
}
