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
import { sql } from 'kysely';
import { appendAuditInTransaction } from '../audit/repository.js';
import type { SessionUser } from '../auth/repository.js';
import type { TotpService } from '../auth/totp/totp-service.js';
import type { LiveEvent } from '../live/live-event.js';
import type { RelationalStore } from '../store/relational-store.js';
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
  live(event: LiveEvent): void;
  /** Audit entries were committed: the audit head (outside the database) is brought up to date. */
  audited(): void;
}

/**
 * Command runs: one action (a library script or a built-in action) on a device, a site, a client
 * or a saved selection. Each machine gets its own envelope, signed once and stored exactly as
 * signed, queued until its agent is connected and the run's concurrency allows, and expiring.
 */
export class CommandService {
  constructor(
    private readonly db: RelationalStore,
    private readonly keys: SigningKeys,
    private readonly scripts: ScriptsRepository,
    private readonly permissions: RemotePermissions,
    private readonly totp: TotpService,
    private readonly notify: CommandNotifier,
  ) {}

  async createRun(user: SessionUser, sessionIdHash: string | undefined, input: CreateRunInput, now = Date.now()) {
    if (user.role !== 'admin' && user.role !== 'technician') throw new VigieError('FORBIDDEN');
    const devices = await resolveTarget(this.db, input.target.kind, input.target.id);
    if (devices.length === 0) throw new VigieError('VALIDATION', 'Aucun équipement avec un agent actif dans cette cible');
    await this.permissions.assertCanAct(user, new Set(devices.map((d) => d.clientId)));
    if (NEEDS_STEP_UP.has(input.action)) await this.totp.assertSteppedUp(sessionIdHash, now);
    const lifetime = Math.min((input.expiresInMin ?? 24 * 60) * 60_000, MAX_COMMAND_LIFETIME_MS);
    const concurrency = input.concurrency ?? 5;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) throw new VigieError('VALIDATION', 'Simultanéité entre 1 et 1000');
    let draftArgs: Record<string, unknown>;
    let script: Awaited<ReturnType<ScriptsRepository['version']>>;
    if (input.action === 'script') {
      script = input.scriptVersionId ? await this.scripts.version(input.scriptVersionId) : undefined;
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
      const s = await this.db.kysely
        .selectFrom('remote_sessions')
        .select('device_id')
        .where('id', '=', input.sessionId)
        .where('state', '=', 'open')
        .where('user_id', '=', user.id)
        .executeTakeFirst();
      if (!s || input.target.kind !== 'device' || s.device_id !== input.target.id)
        throw new VigieError('VALIDATION', 'Session à distance inconnue, close, ou pour un autre équipement');
    }
    const result = await this.db.kysely.transaction().execute(async (tx) => {
      const run = await tx
        .insertInto('command_runs')
        .values({
          action: input.action,
          target_kind: input.target.kind,
          target_id: input.target.id,
          script_version_id: script?.id ?? null,
          args: JSON.stringify(draftArgs),
          concurrency,
          session_id: input.sessionId ?? null,
          created_by: user.id,
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const runId = run.id;
      const ids: string[] = [];
      // One by one, in device order: the queue order (queue_seq, filled on insert) follows it.
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
        await tx
          .insertInto('commands')
          .values({
            id: s.commandId,
            run_id: runId,
            client_id: d.clientId,
            device_id: d.deviceId,
            agent_id: d.agentId,
            action: input.action,
            script_version_id: script?.id ?? null,
            args: JSON.stringify(draftArgs),
            key_id: s.keyId,
            envelope: s.envelope,
            signature: s.signature,
            nonce: s.nonce,
            state: 'queued',
            created_at: now,
            not_before: now,
            expires_at: now + lifetime,
            issued_by: user.id,
            session_id: input.sessionId ?? null,
          })
          .execute();
        await appendAuditInTransaction(
          tx,
          this.db.dialect,
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
    this.notify.audited();
    this.notify.queued([...new Set(devices.map((d) => d.agentId))]);
    for (const d of devices) this.notify.live({ type: 'command', clientId: null, data: { runId: result.runId, deviceId: d.deviceId, state: 'queued' } });
    return { runId: result.runId, commands: await this.list({ runId: result.runId }) };
  }

  /**
   * Commands past their expiry never run: queued ones, and sent ones the agent never answered (it
   * would refuse them as expired; they no longer hold a slot of their run). Marked expired in one
   * conditional UPDATE … RETURNING (a command an agent answered meanwhile is left alone; two
   * collectors expiring at once expire and audit each command once), audited in the same transaction.
   */
  async expire(now = Date.now()): Promise<number> {
    const n = await this.db.kysely.transaction().execute(async (tx) => {
      const rows = await tx
        .updateTable('commands')
        .set({ state: 'expired', finished_at: now })
        .where('state', 'in', ['queued', 'sent'])
        .where('expires_at', '<', now)
        .returning(['id', 'client_id', 'device_id', 'queue_seq'])
        .execute();
      // RETURNING gives no order: audited in queue order.
      rows.sort((a, b) => (a.queue_seq ?? 0) - (b.queue_seq ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      for (const r of rows)
        await appendAuditInTransaction(
          tx,
          this.db.dialect,
          'system:commands',
          'command.expired',
          `command:${r.id}`,
          null,
          { clientId: r.client_id, deviceId: r.device_id, result: 'expired' },
          now,
        );
      return rows.length;
    });
    if (n > 0) this.notify.audited();
    return n;
  }

  /** A queued command is withdrawn before it reaches the agent (conditional: a delivery that took it first wins, and this says so). */
  async cancel(user: SessionUser, commandId: string, now = Date.now()): Promise<void> {
    await this.db.kysely.transaction().execute(async (tx) => {
      const r = await tx.selectFrom('commands').select(['client_id', 'device_id', 'state']).where('id', '=', commandId).executeTakeFirst();
      if (!r) throw new VigieError('NOT_FOUND');
      await this.permissions.assertCanAct(user, [r.client_id], tx);
      const tooLate = () => new VigieError('CONFLICT', 'Seule une commande encore en attente peut être annulée');
      if (r.state !== 'queued') throw tooLate();
      const u = await tx
        .updateTable('commands')
        .set({ state: 'cancelled', finished_at: now })
        .where('id', '=', commandId)
        .where('state', '=', 'queued')
        .executeTakeFirst();
      if (Number(u.numUpdatedRows) !== 1) throw tooLate();
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'command.cancel',
        `command:${commandId}`,
        null,
        { clientId: r.client_id, deviceId: r.device_id, result: 'cancelled' },
        now,
      );
    });
    this.notify.audited();
  }

  /** Command history, newest first (ties: latest queued first); `clientId` restricts to one client (a client user's own). */
  async list(f: {
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
    const rows = await this.db.kysely
      .selectFrom('commands as c')
      .innerJoin('devices as d', 'd.id', 'c.device_id')
      .leftJoin('users as u', 'u.id', 'c.issued_by')
      .leftJoin('script_versions as v', 'v.id', 'c.script_version_id')
      .leftJoin('scripts as s', 's.id', 'v.script_id')
      .select([
        'c.id',
        'c.run_id',
        'c.client_id',
        'c.device_id',
        'd.hostname',
        'c.action',
        'c.args',
        'c.state',
        'c.created_at',
        'c.expires_at',
        'c.sent_at',
        'c.acked_at',
        'c.finished_at',
        'c.exit_code',
        'c.duration_ms',
        'c.timed_out',
        'c.output_bytes',
        'c.truncated',
        'c.error_code',
        'c.error_message',
        'c.session_id',
        'u.name as issued_by_name',
        's.name as script_name',
        'v.version as script_version',
        'v.sha256 as script_sha256',
      ])
      .$if(f.id !== undefined, (q) => q.where('c.id', '=', f.id!))
      .$if(f.clientId !== undefined, (q) => q.where('c.client_id', '=', f.clientId!))
      .$if(f.deviceId !== undefined, (q) => q.where('c.device_id', '=', f.deviceId!))
      .$if(f.runId !== undefined, (q) => q.where('c.run_id', '=', f.runId!))
      .$if(f.state !== undefined, (q) => q.where('c.state', '=', f.state as never))
      .$if(f.action !== undefined, (q) => q.where('c.action', '=', f.action!))
      .$if(f.userId !== undefined, (q) => q.where('c.issued_by', '=', f.userId!))
      .$if(f.from !== undefined, (q) => q.where('c.created_at', '>=', f.from!))
      .$if(f.to !== undefined, (q) => q.where('c.created_at', '<', f.to!))
      .orderBy('c.created_at', 'desc')
      // NULLs would sort first on PostgreSQL, last on SQLite: coalesced (only a row of an older collector lacks it).
      .orderBy(sql`coalesce(c.queue_seq, 0)`, 'desc')
      .orderBy('c.id', 'desc')
      .limit(Math.min(f.limit ?? 200, 1000))
      .execute();
    return rows.map((r) => ({
      id: r.id,
      runId: r.run_id,
      clientId: r.client_id,
      deviceId: r.device_id,
      hostname: r.hostname,
      action: r.action,
      args: JSON.parse(r.args) as Record<string, unknown>,
      script: r.script_name ? { name: r.script_name, version: r.script_version as number, sha256: r.script_sha256 as string } : null,
      state: r.state as string,
      issuedBy: r.issued_by_name ?? 'système',
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      sentAt: r.sent_at,
      acceptedAt: r.acked_at,
      finishedAt: r.finished_at,
      exitCode: r.exit_code,
      durationMs: r.duration_ms,
      timedOut: r.timed_out === 1,
      outputBytes: r.output_bytes,
      truncated: r.truncated === 1,
      error: r.error_code ? { code: r.error_code, message: r.error_message as string } : null,
      sessionId: r.session_id,
    }));
  }

  /** `list` for a route. */
  history(f: Parameters<CommandService['list']>[0]): ReturnType<CommandService['list']> {
    return this.list(f);
  }

  /** `get` for a route. */
  find(commandId: string): ReturnType<CommandService['get']> {
    return this.get(commandId);
  }

  /** The client a device belongs to (undefined: no such device): what a route checks the user may see. */
  async clientOfDevice(deviceId: number): Promise<number | undefined> {
    return (await this.db.kysely.selectFrom('devices').select('client_id').where('id', '=', deviceId).executeTakeFirst())?.client_id;
  }

  async clientExists(clientId: number): Promise<boolean> {
    return (await this.db.kysely.selectFrom('clients').select('id').where('id', '=', clientId).executeTakeFirst()) !== undefined;
  }

  /** One command with its kept output. */
  async get(commandId: string) {
    const [view] = await this.list({ id: commandId, limit: 1 });
    if (!view) return undefined;
    const { output } = await this.db.kysely.selectFrom('commands').select('output').where('id', '=', commandId).executeTakeFirstOrThrow();
    return { ...view, output };
  }
}
