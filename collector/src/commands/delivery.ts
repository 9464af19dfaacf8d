import { canonicalJson, MAX_COMMAND_OUTPUT_BYTES, MAX_GRANT_LIFETIME_MS, type PolicyBody, type SignedCommandBody } from '@vigie/shared';
import { appendAudit } from '../audit/repository.js';
import type { PendingFrame } from '../ingest/frame.js';
import type { Database } from '../store/database.js';
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
  live: { type: string; clientId: number | null; data: unknown }[];
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

/**
 * Between the command store and the agents: delivers queued commands to a connected agent in
 * order (exactly as signed, never re-signed), at most a run's concurrency at once; records what the
 * agent answers (accepted, refused with its reason, duplicate; output chunks; the result) in the
 * same transaction as the ingest of that frame, and audits every refusal and every end.
 */
export class CommandDelivery {
  constructor(
    private readonly db: Database,
    private readonly keys: SigningKeys,
    private readonly scripts: ScriptsRepository,
    private readonly link: AgentLink,
    private readonly policyFor: (deviceId: number) => Promise<PolicyBody>,
    private readonly notify: CommandNotifier,
  ) {}

  private get sql() {
    return this.db.sqlite;
  }

  private body(r: { id: string; key_id: string; envelope: string; signature: string; script: string | null }): SignedCommandBody {
    return { commandId: r.id, keyId: r.key_id, envelope: r.envelope, signature: r.signature, ...(r.script !== null ? { script: r.script } : {}) };
  }

  /**
   * Sends an agent what waits for it. `resend`: after a (re)connection, commands sent but never
   * answered go again (the agent recognises them by id and nonce and never runs one twice).
   */
  async deliver(agentId: string, opts: { resend: boolean }, now = Date.now()): Promise<void> {
    if (!this.link.holds(agentId)) return;
    const toSend = await this.db.writeTransaction(() => {
      const rows = this.sql
        .prepare(
          `SELECT c.id, c.run_id, c.client_id, c.device_id, c.agent_id, c.action, c.state, c.key_id, c.envelope, c.signature, c.expires_at, v.content AS script
           FROM commands c LEFT JOIN script_versions v ON v.id = c.script_version_id
           WHERE c.agent_id = ? AND c.state IN ('queued', 'sent') ORDER BY c.created_at, c.rowid`,
        )
        .all(agentId) as CommandRow[];
      const inFlight = new Map<number, number>();
      const busy = (runId: number) => {
        let n = inFlight.get(runId);
        if (n === undefined) {
          n = (this.sql.prepare("SELECT COUNT(*) AS n FROM commands WHERE run_id = ? AND state IN ('sent', 'running')").get(runId) as { n: number }).n;
          inFlight.set(runId, n);
        }
        return n;
      };
      const out: CommandRow[] = [];
      for (const r of rows) {
        if (r.state === 'sent') {
          if (opts.resend) out.push(r);
          continue;
        }
        if (r.expires_at < now) {
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
          continue;
        }
        if (r.run_id !== null) {
          const limit = (this.sql.prepare('SELECT concurrency FROM command_runs WHERE id = ?').get(r.run_id) as { concurrency: number }).concurrency;
          if (busy(r.run_id) >= limit) continue;
          inFlight.set(r.run_id, busy(r.run_id) + 1);
        }
        this.sql.prepare("UPDATE commands SET state = 'sent', sent_at = ? WHERE id = ?").run(now, r.id);
        out.push(r);
      }
      return out;
    });
    for (const r of toSend) {
      this.link.send(agentId, 'command', this.body(r));
      this.notify.live({ type: 'command', clientId: null, data: { commandId: r.id, runId: r.run_id, deviceId: r.device_id, state: 'sent' } });
    }
  }

  /** Standing grants of a device, sent before its policy so the probes find them. */
  sendGrants(agentId: string, deviceId: number): void {
    const rows = this.sql
      .prepare(
        `SELECT g.command_id AS id, g.key_id, g.envelope, g.signature, v.content AS script FROM policy_grants g
         JOIN script_versions v ON v.id = g.script_version_id WHERE g.device_id = ? AND g.expires_at > ?`,
      )
      .all(deviceId, Date.now()) as { id: string; key_id: string; envelope: string; signature: string; script: string }[];
    for (const r of rows) this.link.send(agentId, 'command', this.body(r));
  }

  /**
   * Keeps each device's grants in step with its policy: one signed grant per (script, parameters)
   * the backup probe's `command` targets name, re-signed a week before it lapses or when the key
   * changed; grants no longer named are dropped. Returns the devices whose grants changed.
   */
  async refreshGrants(deviceIds: number[], now = Date.now()): Promise<number[]> {
    const keyId = this.keys.current().keyId;
    // Read before the transaction (the policy read is async): called after a policy change committed, it sees that change.
    const policies = new Map<number, PolicyBody>();
    for (const deviceId of deviceIds) policies.set(deviceId, await this.policyFor(deviceId));
    return this.db.writeTransaction(() => {
      const changed: number[] = [];
      for (const deviceId of deviceIds) {
        const dev = this.sql
          .prepare('SELECT d.client_id, a.id AS agent_id FROM devices d JOIN agents a ON a.device_id = d.id AND a.revoked_at IS NULL WHERE d.id = ?')
          .get(deviceId) as { client_id: number; agent_id: string } | undefined;
        if (!dev) continue;
        const targets = (
          (policies.get(deviceId)!.probes.backup as { targets?: { kind: string; script?: string; params?: Record<string, string | number | boolean> }[] })
            ?.targets ?? []
        ).filter((t) => t.kind === 'command' && t.script);
        const wanted = new Map(targets.map((t) => [`${t.script}:${canonicalJson(t.params ?? {})}`, t]));
        const existing = this.sql.prepare('SELECT grant_key, key_id, expires_at FROM policy_grants WHERE device_id = ?').all(deviceId) as {
          grant_key: string;
          key_id: string;
          expires_at: number;
        }[];
        let touched = false;
        for (const e of existing) {
          if (!wanted.has(e.grant_key)) {
            this.sql.prepare('DELETE FROM policy_grants WHERE device_id = ? AND grant_key = ?').run(deviceId, e.grant_key);
            touched = true;
          }
        }
        for (const [grantKey, t] of wanted) {
          const e = existing.find((x) => x.grant_key === grantKey);
          if (e && e.key_id === keyId && e.expires_at - now > GRANT_RENEW_MS) continue;
          const v = this.scripts.approvedBySha(t.script!);
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
          this.sql
            .prepare(
              `INSERT INTO policy_grants (device_id, grant_key, command_id, script_version_id, key_id, envelope, signature, expires_at, state, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'signed', ?)
               ON CONFLICT (device_id, grant_key) DO UPDATE SET command_id = excluded.command_id, script_version_id = excluded.script_version_id,
                 key_id = excluded.key_id, envelope = excluded.envelope, signature = excluded.signature, expires_at = excluded.expires_at, state = 'signed', created_at = excluded.created_at`,
            )
            .run(deviceId, grantKey, s.commandId, v.id, s.keyId, s.envelope, s.signature, now + MAX_GRANT_LIFETIME_MS, now);
          appendAudit(
            this.sql,
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
   * Inside the ingest transaction: what the agent said about a command. Only commands of the
   * sending device can be touched; every refusal and every end is audited.
   */
  applyFrame(f: PendingFrame, now: number, effect: RemoteEffect): void {
    const m = f.msg;
    if (m.type !== 'command-ack' && m.type !== 'command-output' && m.type !== 'command-result') return;
    const row = this.sql
      .prepare('SELECT id, run_id, client_id, device_id, agent_id, action, state FROM commands WHERE id = ? AND device_id = ?')
      .get(m.body.commandId, f.deviceId) as Pick<CommandRow, 'id' | 'run_id' | 'client_id' | 'device_id' | 'agent_id' | 'action' | 'state'> | undefined;
    const clientId = row?.client_id ?? (this.sql.prepare('SELECT client_id FROM devices WHERE id = ?').get(f.deviceId) as { client_id: number }).client_id;
    const target = `command:${m.body.commandId}`;
    const where = { clientId, deviceId: f.deviceId };
    if (m.type === 'command-ack') {
      if (m.body.state === 'duplicate') return;
      if (!row) {
        // A standing grant (or a command this collector does not know: still audited if refused).
        const g = this.sql.prepare('SELECT grant_key FROM policy_grants WHERE command_id = ? AND device_id = ?').get(m.body.commandId, f.deviceId);
        if (g) this.sql.prepare('UPDATE policy_grants SET state = ? WHERE command_id = ?').run(m.body.state, m.body.commandId);
        if (m.body.state === 'refused')
          appendAudit(
            this.sql,
            `agent:${f.agentId}`,
            'command.refused',
            target,
            { code: m.body.code, message: m.body.message, grant: g !== undefined, ceiling: m.body.ceiling ?? null },
            { ...where, result: `refused: ${m.body.code}` },
            now,
          );
        return;
      }
      if (m.body.state === 'accepted') {
        this.sql.prepare("UPDATE commands SET state = 'running', acked_at = ? WHERE id = ? AND state IN ('queued', 'sent')").run(m.body.at, row.id);
        effect.live.push({ type: 'command', clientId: null, data: { commandId: row.id, runId: row.run_id, deviceId: row.device_id, state: 'running' } });
        if (row.action === 'key-rotate') appendAudit(this.sql, `agent:${f.agentId}`, 'key.rotate.accepted', target, null, { ...where, result: 'ok' }, now);
        return;
      }
      this.sql
        .prepare("UPDATE commands SET state = 'refused', acked_at = ?, finished_at = ?, error_code = ?, error_message = ? WHERE id = ?")
        .run(m.body.at, now, m.body.code ?? null, m.body.message ?? null, row.id);
      appendAudit(
        this.sql,
        `agent:${f.agentId}`,
        'command.refused',
        target,
        { action: row.action, code: m.body.code, message: m.body.message, ceiling: m.body.ceiling ?? null },
        { ...where, result: `refused: ${m.body.code}` },
        now,
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
      this.sql
        .prepare('UPDATE commands SET output = output || ? WHERE id = ? AND length(CAST(output AS BLOB)) < ?')
        .run(m.body.data, row.id, MAX_COMMAND_OUTPUT_BYTES);
      effect.live.push({
        type: 'command-output',
        clientId: null,
        data: { commandId: row.id, deviceId: row.device_id, stream: m.body.stream, index: m.body.index, data: m.body.data },
      });
      return;
    }
    const r = m.body;
    const state = r.ok ? 'succeeded' : 'failed';
    this.sql
      .prepare(
        `UPDATE commands SET state = ?, finished_at = ?, exit_code = ?, duration_ms = ?, timed_out = ?, output_bytes = ?, truncated = ?, error_code = ?, error_message = ?
         WHERE id = ?`,
      )
      .run(
        state,
        now,
        r.exitCode ?? null,
        r.durationMs ?? null,
        r.timedOut ? 1 : 0,
        r.outputBytes ?? 0,
        r.truncated ? 1 : 0,
        r.error?.code ?? null,
        r.error?.message ?? null,
        row.id,
      );
    const result = r.ok ? 'ok' : r.timedOut ? 'failed: timeout' : r.error ? `failed: ${r.error.code}` : `failed: exit ${r.exitCode}`;
    appendAudit(
      this.sql,
      `agent:${f.agentId}`,
      'command.finished',
      target,
      { action: row.action, exitCode: r.exitCode ?? null, durationMs: r.durationMs ?? null, truncated: r.truncated ?? false },
      { ...where, result },
      now,
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
    if (row.run_id !== null) effect.queued.push(row.agent_id, ...this.waitingAgentsOf(row.run_id));
    if (row.action === 'key-rotate' && r.ok) effect.regrant.push(row.device_id);
  }

  /** Agents with commands of this run still queued (one slot freed: the next may go). */
  private waitingAgentsOf(runId: number): string[] {
    return (this.sql.prepare("SELECT DISTINCT agent_id FROM commands WHERE run_id = ? AND state = 'queued'").raw(true).all(runId) as [string][]).map(
      (r) => r[0],
    );
  }
}
