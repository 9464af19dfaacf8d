import { type EffectivePatchPolicy, isExcluded, type PatchSource, updateKey, VigieError } from '@vigie/shared';
import { appendAudit, refreshAuditHead } from '../audit/repository.js';
import type { SessionUser } from '../auth/repository.js';
import { queueSignedCommand } from '../commands/queue-command.js';
import type { SigningKeys } from '../commands/signing-keys.js';
import { openMaintenanceWindow } from '../incidents/maintenance.js';
import type { Database } from '../store/database.js';
import type { PatchPolicies } from './policy.js';

/** A patch-install envelope waits this long for an offline machine (then expires, never runs). */
const INSTALL_LIFETIME_MS = 24 * 3_600_000;

interface DeviceRow {
  id: number;
  client_id: number;
  site_id: number;
  agent_id: string;
  source: PatchSource;
}
interface PendingRow {
  name: string;
  arch: string;
  candidate_version: string;
  security: 0 | 1;
  update_id: string | null;
}

export type InstallReason = 'security-in-window' | 'approved';

/**
 * What gets installed, when: pending security updates during a maintenance window (when the policy
 * says so), approved updates at once; never an excluded package, never one already on its way.
 * Each batch is one signed `patch-install` command naming the exact packages and versions.
 */
export class PatchInstalls {
  constructor(
    private readonly db: Database,
    private readonly keys: SigningKeys,
    private readonly policies: PatchPolicies,
    private readonly queued: (agentIds: string[]) => void,
  ) {}

  private get sql() {
    return this.db.sqlite;
  }

  /** A technician approves pending updates of a device, at the version pending now; they are queued at once. */
  async approve(user: SessionUser, deviceId: number, packages: { name: string; arch?: string }[], now = Date.now()) {
    const dev = this.sql.prepare('SELECT client_id FROM devices WHERE id = ?').get(deviceId) as { client_id: number } | undefined;
    if (!dev) throw new VigieError('NOT_FOUND');
    const policy = this.policies.effective(deviceId);
    await this.db.writeTransaction(() => this.closeStaleApprovals(deviceId, now));
    // Checked before anything is written: a refusal is audited in a transaction of its own (it must survive the refusal).
    const rows = packages.map((p) => {
      const found = (
        this.sql
          .prepare('SELECT name, arch, candidate_version FROM device_patches WHERE device_id = ? AND name = ? AND resolved_at IS NULL')
          .all(deviceId, p.name) as {
          name: string;
          arch: string;
          candidate_version: string;
        }[]
      ).find((r) => p.arch === undefined || r.arch === p.arch);
      if (!found) throw new VigieError('PATCH_NOT_PENDING', `${p.name} n’est pas en attente sur cet équipement`);
      return found;
    });
    const excluded = rows.find((r) => isExcluded(r.name, policy.excluded));
    if (excluded) {
      await this.db.writeTransaction(() =>
        appendAudit(
          this.sql,
          `user:${user.id}`,
          'patch.approve',
          `device:${deviceId}`,
          { name: excluded.name, arch: excluded.arch, version: excluded.candidate_version },
          { clientId: dev.client_id, deviceId, result: 'refused: excluded' },
          now,
        ),
      );
      refreshAuditHead(this.db);
      throw new VigieError('PATCH_EXCLUDED', `${excluded.name} est exclu par la politique de mises à jour de cet équipement`);
    }
    const approved = await this.db.writeTransaction(() =>
      rows.map((row) => {
        this.sql
          .prepare(
            `INSERT INTO patch_approvals (device_id, name, arch, version, approved_by, approved_at, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'approved', ?)
             ON CONFLICT (device_id, name, arch, version) WHERE state IN ('approved', 'queued') DO NOTHING`,
          )
          .run(deviceId, row.name, row.arch, row.candidate_version, user.id, now, now);
        appendAudit(
          this.sql,
          `user:${user.id}`,
          'patch.approve',
          `device:${deviceId}`,
          { name: row.name, arch: row.arch, version: row.candidate_version },
          { clientId: dev.client_id, deviceId, result: 'ok' },
          now,
        );
        return { name: row.name, arch: row.arch, version: row.candidate_version };
      }),
    );
    refreshAuditHead(this.db);
    const queued = await this.schedule(now, [deviceId]);
    return { approved, commands: queued };
  }

  /**
   * One pass of the schedule over the devices (all, or these): for each, the updates due now, in one
   * command. Returns the commands queued.
   */
  async schedule(now = Date.now(), only?: number[]): Promise<{ deviceId: number; commandId: string; packages: number }[]> {
    const devices = this.sql
      .prepare(
        `SELECT d.id, d.client_id, d.site_id, a.id AS agent_id, st.source FROM devices d
         JOIN agents a ON a.device_id = d.id AND a.revoked_at IS NULL
         JOIN device_patch_status st ON st.device_id = d.id
         ${only ? 'WHERE d.id IN (SELECT value FROM json_each(?))' : ''}`,
      )
      .all(...(only ? [JSON.stringify(only)] : [])) as DeviceRow[];
    const out: { deviceId: number; commandId: string; packages: number }[] = [];
    const agents: string[] = [];
    for (const d of devices) {
      const policy = this.policies.effective(d.id);
      const queued = await this.db.writeTransaction(() => this.scheduleDevice(d, policy, now));
      if (queued) {
        out.push({ deviceId: d.id, ...queued });
        agents.push(d.agent_id);
      }
    }
    if (out.length > 0) {
      refreshAuditHead(this.db);
      this.queued(agents);
    }
    return out;
  }

  /** Approvals whose command ended without a package result (refused by the agent, expired, cancelled) are closed with why. */
  private closeStaleApprovals(deviceId: number, now: number): void {
    this.sql
      .prepare(
        `UPDATE patch_approvals SET state = 'failed', updated_at = ?,
           note = (SELECT 'command ' || c.state || COALESCE(': ' || c.error_code, '') FROM commands c WHERE c.id = patch_approvals.command_id)
         WHERE device_id = ? AND state = 'queued'
           AND command_id IN (SELECT id FROM commands WHERE device_id = ? AND state IN ('refused', 'expired', 'cancelled', 'failed', 'succeeded'))`,
      )
      .run(now, deviceId, deviceId);
  }

  private scheduleDevice(d: DeviceRow, policy: EffectivePatchPolicy, now: number): { commandId: string; packages: number } | undefined {
    this.closeStaleApprovals(d.id, now);
    const pending = this.sql
      .prepare('SELECT name, arch, candidate_version, security, update_id FROM device_patches WHERE device_id = ? AND resolved_at IS NULL')
      .all(d.id) as PendingRow[];
    const byKey = new Map(pending.map((p) => [updateKey({ name: p.name, arch: p.arch || undefined }), p]));
    // Packages already in a command not finished: not asked twice.
    const busy = new Set<string>();
    for (const c of this.sql
      .prepare("SELECT args FROM commands WHERE device_id = ? AND action = 'patch-install' AND state IN ('queued', 'sent', 'running')")
      .all(d.id) as { args: string }[]) {
      for (const p of (JSON.parse(c.args) as { packages: { name: string; arch?: string }[] }).packages) busy.add(updateKey(p));
    }
    const chosen = new Map<string, { row: PendingRow; reason: InstallReason }>();
    // Approvals: for the version still pending; an approval of a version no longer offered lapses.
    const approvals = this.sql.prepare("SELECT id, name, arch, version FROM patch_approvals WHERE device_id = ? AND state = 'approved'").all(d.id) as {
      id: number;
      name: string;
      arch: string;
      version: string;
    }[];
    for (const a of approvals) {
      const key = updateKey({ name: a.name, arch: a.arch || undefined });
      const row = byKey.get(key);
      if (!row || row.candidate_version !== a.version || isExcluded(a.name, policy.excluded)) {
        const note = !row ? 'no longer pending' : row.candidate_version !== a.version ? `superseded by ${row.candidate_version}` : 'excluded by policy';
        this.sql.prepare("UPDATE patch_approvals SET state = 'withdrawn', note = ?, updated_at = ? WHERE id = ?").run(note, now, a.id);
        continue;
      }
      if (!busy.has(key)) chosen.set(key, { row, reason: 'approved' });
    }
    const window = openMaintenanceWindow(this.sql, d, now);
    if (window && policy.securityInWindow) {
      // A version that already failed here (after the agent's own retry) waits for a technician, not for the next tick.
      const failed = this.sql.prepare(
        "SELECT 1 FROM patch_install_results WHERE device_id = ? AND name = ? AND arch = ? AND version = ? AND state = 'failed' LIMIT 1",
      );
      for (const [key, row] of byKey) {
        if (!row.security || busy.has(key) || chosen.has(key) || isExcluded(row.name, policy.excluded)) continue;
        if (failed.get(d.id, row.name, row.arch, row.candidate_version)) continue;
        chosen.set(key, { row, reason: 'security-in-window' });
      }
    }
    if (chosen.size === 0) return undefined;
    const packages = [...chosen.values()].map(({ row }) => ({
      name: row.name,
      ...(row.arch ? { arch: row.arch } : {}),
      version: row.candidate_version,
      ...(row.update_id ? { id: row.update_id } : {}),
    }));
    const reasons = [...new Set([...chosen.values()].map((c) => c.reason))];
    const reboot = policy.reboot === 'window' && window ? 'if-required' : 'never';
    const commandId = queueSignedCommand(
      this.sql,
      this.keys,
      {
        device: { clientId: d.client_id, deviceId: d.id, agentId: d.agent_id },
        action: 'patch-install',
        args: { source: d.source, packages, reboot, rebootDelayMin: policy.rebootDelayMin },
        // A window's installs must not run after it closed.
        lifetimeMs: window && reasons.every((r) => r === 'security-in-window') ? Math.max(60_000, window.ends_at - now) : INSTALL_LIFETIME_MS,
        issuedBy: { userId: null, name: 'politique de mises à jour' },
        actor: 'system:patches',
        details: { reasons, maintenanceWindow: window?.id ?? null },
      },
      now,
    );
    for (const { row, reason } of chosen.values()) {
      if (reason !== 'approved') continue;
      this.sql
        .prepare(
          "UPDATE patch_approvals SET state = 'queued', command_id = ?, updated_at = ? WHERE device_id = ? AND name = ? AND arch = ? AND version = ? AND state = 'approved'",
        )
        .run(commandId, now, d.id, row.name, row.arch, row.candidate_version);
    }
    return { commandId, packages: packages.length };
  }
}
