import { canonicalJson, MAX_COMMAND_OUTPUT_BYTES, MAX_GRANT_LIFETIME_MS, type PolicyBody, type SignedCommandBody } from '@vigie/shared';
import { type Kysely, sql, type Transaction } from 'kysely';
import { appendAuditInTransaction } from '../audit/repository.js';
import type { PendingFrame } from '../ingest/frame.js';
import type { LiveEvent } from '../live/live-event.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';
import type { CommandNotifier } from './command-service.js';
import type { ScriptsRepository } from './scripts-repository.js';
import { type EnvelopeDraft, signEnvelope } from './signer.js';
import type { SigningKeys } from './signing-keys.js';

export interface AgentLink {
  holds(agentId: string): boolean;
  send(agentId: string, type: 'command', body: SignedCommandBody): boolean;
}

/** What a committed agent frame changed, told to dashboards and dispatchers after the commit. */
export interface RemoteEffect {
  live: LiveEvent[];
  /** Agents whose next queued commands may go now (a slot of their run freed). */
  queued: string[];
  /** Devices whose standing grants must be sent again (after their key rotated). */
  regrant: number[];
}

interface CommandRow {
  id: string;
  run_id: number | null;
  client_id: number;
  device_id: number;
  agent_id: string;
  action: string;
  state: string;
  key_id: string;
  envelope: string;
  signature: string;
  expires_at: number;
  script: string | null;
}

/** Re-signed when less than this is left, so an agent never holds a grant about to lapse. */
const GRANT_RENEW_MS = 7 * 86_400_000;

/** States a command's result may still be recorded from: once recorded (or refused, cancelled) it is final. */
const RESULT_OPEN = ['queued', 'sent', 'running', 'expired'] as const;

type BackupTargets = { targets?: { kind: string; script?: string; params?: Record<string, string | number | boolean> }[] };

/**
 * Between the command store and the agents: delivers queued commands to a connected agent in
 * queue order (exactly as signed, never re-signed), at most a run's concurrency at once; records what
 * the agent answers (accepted, refused with its reason, duplicate; output chunks; the result) in the
 * same transaction as the ingest of that frame, and audits every refusal and every end.
 *
 * Several collectors may share the store: every state change is a conditional UPDATE (from the
 * state it leaves), so a command is marked sent by one delivery only and its result recorded once;
 * on PostgreSQL a run's row is locked while its free slots are counted.
 */
export class CommandDelivery {
  /** Each agent's delivery in progress: this process delivers to one agent one batch after another, never interleaved. */
  private readonly delivering = new Map<string, Promise<void>>();

  constructor(
    private readonly db: RelationalStore,
    private readonly keys: SigningKeys,
    private readonly scripts: ScriptsRepository,
    private readonly link: AgentLink,
    private readonly policyFor: (deviceId: number) => PolicyBody | Promise<PolicyBody>,
    private readonly notify: CommandNotifier,
  ) {}

  private body(r: { id: string; key_id: string; envelope: string; signature: string; script: string | null }): SignedCommandBody {
    return { commandId: r.id, keyId: r.key_id, envelope: r.envelope, signature: r.signature, ...(r.script !== null ? { script: r.script } : {}) };
  }

  /**
   * Sends an agent what waits for it. `resend`: after a (re)connection, commands sent but never
   * answered go again (the agent recognises them by id and nonce and never runs one twice). Calls
   * for one agent run one after the other, so its commands leave in queue order.
   */
  deliver(agentId: string, opts: { resend: boolean }, now = Date.now()): Promise<void> {
    const before = this.delivering.get(agentId) ?? Promise.resolve();
    // The previous batch's failure was reported to its own caller; this one runs regardless.
    const next = before.then(
      () => this.deliverNow(agentId, opts, now),
      () => this.deliverNow(agentId, opts, now),
    );
    this.delivering.set(agentId, next);
    const settle = () => {
      if (this.delivering.get(agentId) === next) this.delivering.delete(agentId);
    };
    next.then(settle, settle);
    return next;
  }

  private async deliverNow(agentId: string, opts: { resend: boolean }, now: number): Promise<void> {
    if (!this.link.holds(agentId)) return;
    const toSend = await this.db.kysely.transaction().execute((tx) => this.claim(tx, agentId, opts, now));
    const unsent: string[] = [];
    for (const r of toSend) {
      if (!this.link.send(agentId, 'command', this.body(r))) {
        // The connection went meanwhile: back to the queue (its next connection gets it), not "sent".
        if (r.state === 'queued') unsent.push(r.id);
        continue;
      }
      this.notify.live({ type: 'command', clientId: null, data: { commandId: r.id, runId: r.run_id, deviceId: r.device_id, state: 'sent' } });
    }
    if (unsent.length > 0)
      await this.db.kysely
        .updateTable('commands')
        .set({ state: 'queued', sent_at: null })
        .where('id', 'in', unsent)
        .where('state', '=', 'sent')
        .where('sent_at', '=', now)
        .execute();
  }

  /** Inside the delivery transaction: the agent's commands to send now, each queued one marked sent by this delivery only. */
  private async claim(tx: Transaction<DB>, agentId: string, opts: { resend: boolean }, now: number): Promise<CommandRow[]> {
    const rows = (await tx
      .selectFrom('commands as c')
      .leftJoin('script_versions as v', 'v.id', 'c.script_version_id')
      .select([
        'c.id',
        'c.run_id',
        'c.client_id',
        'c.device_id',
        'c.agent_id',
        'c.action',
        'c.state',
        'c.key_id',
        'c.envelope',
        'c.signature',
        'c.expires_at',
        'v.content as script',
      ])
      .where('c.agent_id', '=', agentId)
      .where('c.state', 'in', ['queued', 'sent'])
      .orderBy('c.queue_seq')
      .orderBy('c.created_at')
      .orderBy('c.id')
      .execute()) as CommandRow[];
    // The runs of what is queued, read (locked on PostgreSQL) in id order before any command row is
    // touched: two collectors filling the same runs' slots count one after the other, and always
    // lock in the same order (no deadlock between two agents whose commands of two runs interleave).
    const runIds = [...new Set(rows.filter((r) => r.state === 'queued' && r.run_id !== null).map((r) => r.run_id as number))];
    const runs =
      runIds.length === 0
        ? []
        : await tx
            .selectFrom('command_runs')
            .select(['id', 'concurrency'])
            .where('id', 'in', runIds)
            .orderBy('id')
            .$if(this.db.dialect === 'postgres', (q) => q.forUpdate())
            .execute();
    const inFlight = new Map<number, { n: number; limit: number }>();
    for (const run of runs) {
      const busy = await tx
        .selectFrom('commands')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('run_id', '=', run.id)
        .where('state', 'in', ['sent', 'running'])
        .executeTakeFirstOrThrow();
      inFlight.set(run.id, { n: Number(busy.n), limit: run.concurrency });
    }
    const out: CommandRow[] = [];
    for (const r of rows) {
      if (r.state === 'sent') {
        if (opts.resend) out.push(r);
        continue;
      }
      if (r.expires_at < now) {
        const expired = await tx
          .updateTable('commands')
          .set({ state: 'expired', finished_at: now })
          .where('id', '=', r.id)
          .where('state', '=', 'queued')
          .executeTakeFirst();
        if (Number(expired.numUpdatedRows) === 1)
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
        continue;
      }
      const run = r.run_id !== null ? inFlight.get(r.run_id) : undefined;
      if (run && run.n >= run.limit) continue;
      const sent = await tx
        .updateTable('commands')
        .set({ state: 'sent', sent_at: now })
        .where('id', '=', r.id)
        .where('state', '=', 'queued')
        .executeTakeFirst();
      if (Number(sent.numUpdatedRows) !== 1) continue; // another collector's delivery took it
      if (run) run.n++;
      out.push(r);
    }
    return out;
  }

  /** Standing grants of a device, sent before its policy so the probes find them. Returns how many were sent. */
  async sendGrants(agentId: string, deviceId: number, now = Date.now()): Promise<number> {
    const rows = await this.db.kysely
      .selectFrom('policy_grants as g')
      .innerJoin('script_versions as v', 'v.id', 'g.script_version_id')
      .select(['g.command_id as id', 'g.key_id', 'g.envelope', 'g.signature', 'v.content as script'])
      .where('g.device_id', '=', deviceId)
      .where('g.expires_at', '>', now)
      .orderBy('g.grant_key')
      .execute();
    for (const r of rows) this.link.send(agentId, 'command', this.body(r));
    return rows.length;
  }

  /**
   * Keeps each device's grants in step with its policy: one signed grant per (script, parameters)
   * the backup probe's `command` targets name, re-signed a week before it lapses or when the key
   * changed; grants no longer named are dropped. Returns the devices whose grants changed. Policies
   * are read first, outside the transaction; on PostgreSQL each device's row is locked while its
   * grants are compared and written, so two collectors refreshing it sign once.
   */
  async refreshGrants(deviceIds: number[], now = Date.now()): Promise<number[]> {
    const keyId = this.keys.current().keyId;
    // Read before the transaction (on SQLite a read through the store would wait for the connection
    // the transaction holds): called after a policy change committed, it sees that change.
    const policies = new Map<number, PolicyBody>();
    for (const deviceId of deviceIds) policies.set(deviceId, await this.policyFor(deviceId));
    return this.db.kysely.transaction().execute(async (tx) => {
      const changed: number[] = [];
      for (const deviceId of deviceIds) {
        const dev = await tx
          .selectFrom('devices as d')
          .innerJoin('agents as a', (j) => j.onRef('a.device_id', '=', 'd.id').on('a.revoked_at', 'is', null))
          .select(['d.client_id', 'a.id as agent_id'])
          .where('d.id', '=', deviceId)
          .orderBy('a.id')
          .$if(this.db.dialect === 'postgres', (q) => q.forUpdate('d'))
          .executeTakeFirst();
        if (!dev) continue;
        const targets = ((policies.get(deviceId)?.probes.backup as BackupTargets | undefined)?.targets ?? []).filter((t) => t.kind === 'command' && t.script);
        const wanted = new Map(targets.map((t) => [`${t.script}:${canonicalJson(t.params ?? {})}`, t]));
        const existing = await tx.selectFrom('policy_grants').select(['grant_key', 'key_id', 'expires_at']).where('device_id', '=', deviceId).execute();
        let touched = false;
        for (const e of existing) {
          if (!wanted.has(e.grant_key)) {
            await tx.deleteFrom('policy_grants').where('device_id', '=', deviceId).where('grant_key', '=', e.grant_key).execute();
            touched = true;
          }
        }
        for (const [grantKey, t] of wanted) {
          const e = existing.find((x) => x.grant_key === grantKey);
          if (e && e.key_id === keyId && e.expires_at - now > GRANT_RENEW_MS) continue;
          const v = await this.scripts.approvedBySha(t.script!, tx);
          if (!v) continue;
          const draft = {
            action: 'policy-script',
            scriptSha256: v.sha256,
            args: { language: v.language, scriptName: v.name, scriptVersion: v.version, params: t.params ?? {}, timeoutSec: v.timeoutSec },
            clientId: dev.client_id,
            deviceId,
            agentId: dev.agent_id,
            notBefore: now,
            expiresAt: now + MAX_GRANT_LIFETIME_MS,
            issuedBy: { userId: 0, name: 'politique' },
          } as EnvelopeDraft;
          const s = signEnvelope(this.keys, draft, { now });
          const grant = {
            command_id: s.commandId,
            script_version_id: v.id,
            key_id: s.keyId,
            envelope: s.envelope,
            signature: s.signature,
            expires_at: now + MAX_GRANT_LIFETIME_MS,
            state: 'signed',
            created_at: now,
          };
          await tx
            .insertInto('policy_grants')
            .values({ device_id: deviceId, grant_key: grantKey, ...grant })
            .onConflict((oc) => oc.columns(['device_id', 'grant_key']).doUpdateSet(grant))
            .execute();
          await appendAuditInTransaction(
            tx,
            this.db.dialect,
            'system:policy',
            'command.grant',
            `command:${s.commandId}`,
            { script: v.name, version: v.version, sha256: v.sha256, params: t.params ?? {} },
            { clientId: dev.client_id, deviceId, result: 'signed' },
            now,
          );
          touched = true;
        }
        if (touched) changed.push(deviceId);
      }
      return changed;
    });
  }

  /**
   * Inside the ingest transaction `tx`: what the agent said about a command. Only commands of the
   * sending device can be touched; every refusal and every end is audited, in `tx`. Each change is
   * conditional on the state it leaves: the same answer applied twice (two collectors, a replay)
   * is recorded, audited and announced once.
   */
  async applyFrame(tx: Transaction<DB>, f: PendingFrame, now: number, effect: RemoteEffect): Promise<void> {
    const m = f.msg;
    if (m.type !== 'command-ack' && m.type !== 'command-output' && m.type !== 'command-result') return;
    const row = await tx
      .selectFrom('commands')
      .select(['id', 'run_id', 'client_id', 'device_id', 'agent_id', 'action', 'state'])
      .where('id', '=', m.body.commandId)
      .where('device_id', '=', f.deviceId)
      .executeTakeFirst();
    const clientId = row?.client_id ?? (await tx.selectFrom('devices').select('client_id').where('id', '=', f.deviceId).executeTakeFirstOrThrow()).client_id;
    const target = `command:${m.body.commandId}`;
    const where = { clientId, deviceId: f.deviceId };
    const audit = (action: string, details: Record<string, unknown> | null, result: string) =>
      appendAuditInTransaction(tx, this.db.dialect, `agent:${f.agentId}`, action, target, details, { ...where, result }, now);
    if (m.type === 'command-ack') {
      if (m.body.state === 'duplicate') return;
      if (!row) {
        // A standing grant (or a command this collector does not know: still audited if refused).
        const g = await tx
          .selectFrom('policy_grants')
          .select('grant_key')
          .where('command_id', '=', m.body.commandId)
          .where('device_id', '=', f.deviceId)
          .executeTakeFirst();
        if (g) await tx.updateTable('policy_grants').set({ state: m.body.state }).where('command_id', '=', m.body.commandId).execute();
        if (m.body.state === 'refused')
          await audit(
            'command.refused',
            { code: m.body.code, message: m.body.message, grant: g !== undefined, ceiling: m.body.ceiling ?? null },
            `refused: ${m.body.code}`,
          );
        return;
      }
      if (m.body.state === 'accepted') {
        const r = await tx
          .updateTable('commands')
          .set({ state: 'running', acked_at: m.body.at })
          .where('id', '=', row.id)
          .where('state', 'in', ['queued', 'sent'])
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) return;
        effect.live.push({ type: 'command', clientId: null, data: { commandId: row.id, runId: row.run_id, deviceId: row.device_id, state: 'running' } });
        if (row.action === 'key-rotate') await audit('key.rotate.accepted', null, 'ok');
        return;
      }
      const r = await tx
        .updateTable('commands')
        .set({ state: 'refused', acked_at: m.body.at, finished_at: now, error_code: m.body.code ?? null, error_message: m.body.message ?? null })
        .where('id', '=', row.id)
        .where('state', 'in', RESULT_OPEN)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return;
      await audit(
        'command.refused',
        { action: row.action, code: m.body.code, message: m.body.message, ceiling: m.body.ceiling ?? null },
        `refused: ${m.body.code}`,
      );
      effect.live.push({
        type: 'command',
        clientId: null,
        data: { commandId: row.id, runId: row.run_id, deviceId: row.device_id, state: 'refused', error: { code: m.body.code, message: m.body.message } },
      });
      if (row.run_id !== null) effect.queued.push(row.agent_id);
      return;
    }
    if (!row) return;
    if (m.type === 'command-output') {
      // Kept up to the cap, counted in bytes (octet_length: the same on both engines).
      await tx
        .updateTable('commands')
        .set({ output: sql<string>`output || ${m.body.data}` })
        .where('id', '=', row.id)
        .where(sql<number>`octet_length(output)`, '<', MAX_COMMAND_OUTPUT_BYTES)
        .execute();
      effect.live.push({
        type: 'command-output',
        clientId: null,
        data: { commandId: row.id, deviceId: row.device_id, stream: m.body.stream, index: m.body.index, data: m.body.data },
      });
      return;
    }
    const r = m.body;
    const state = r.ok ? 'succeeded' : 'failed';
    const recorded = await tx
      .updateTable('commands')
      .set({
        state,
        finished_at: now,
        exit_code: r.exitCode ?? null,
        duration_ms: r.durationMs ?? null,
        timed_out: r.timedOut ? 1 : 0,
        output_bytes: r.outputBytes ?? 0,
        truncated: r.truncated ? 1 : 0,
        error_code: r.error?.code ?? null,
        error_message: r.error?.message ?? null,
      })
      .where('id', '=', row.id)
      .where('state', 'in', RESULT_OPEN)
      .executeTakeFirst();
    if (Number(recorded.numUpdatedRows) !== 1) return; // already recorded (a replay, another collector)
    const result = r.ok ? 'ok' : r.timedOut ? 'failed: timeout' : r.error ? `failed: ${r.error.code}` : `failed: exit ${r.exitCode}`;
    await audit(
      'command.finished',
      { action: row.action, exitCode: r.exitCode ?? null, durationMs: r.durationMs ?? null, truncated: r.truncated ?? false },
      result,
    );
    effect.live.push({
      type: 'command',
      clientId: null,
      data: {
        commandId: row.id,
        runId: row.run_id,
        deviceId: row.device_id,
        state,
        exitCode: r.exitCode ?? null,
        durationMs: r.durationMs ?? null,
        error: r.error ?? null,
      },
    });
    if (row.run_id !== null) effect.queued.push(row.agent_id, ...(await this.waitingAgentsOf(tx, row.run_id)));
    if (row.action === 'key-rotate' && r.ok) effect.regrant.push(row.device_id);
  }

  /** Agents with commands of this run still queued (one slot freed: the next may go). */
  private async waitingAgentsOf(q: Kysely<DB>, runId: number): Promise<string[]> {
    const rows = await q
      .selectFrom('commands')
      .select('agent_id')
      .distinct()
      .where('run_id', '=', runId)
      .where('state', '=', 'queued')
      .orderBy('agent_id')
      .execute();
    return rows.map((r) => r.agent_id);
  }
}
