import { type EffectivePatchPolicy, isExcluded, type PatchSource, updateKey, VigieError } from '@vigie/shared';
import { sql, type Transaction } from 'kysely';
import { appendAuditInTransaction } from '../audit/repository.js';
import type { SessionUser } from '../auth/repository.js';
import { queueSignedCommand } from '../commands/queue-command.js';
import type { SigningKeys } from '../commands/signing-keys.js';
import { openMaintenanceWindow } from '../incidents/maintenance.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';
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
 * Engine-neutral: several collectors may run the schedule against one PostgreSQL at once.
 */
export class PatchInstalls {
  constructor(
    private readonly db: RelationalStore,
    private readonly keys: SigningKeys,
    private readonly policies: PatchPolicies,
    private readonly queued: (agentIds: string[]) => void,
    /** Called after a commit that appended audit entries (the SQLite store copies its head to a file). */
    private readonly audited: () => void = () => undefined,
  ) {}

  /** A technician approves pending updates of a device, at the version pending now; they are queued at once. */
  async approve(user: SessionUser, deviceId: number, packages: { name: string; arch?: string }[], now = Date.now()) {
    const dev = await this.db.kysely.selectFrom('devices').select('client_id').where('id', '=', deviceId).executeTakeFirst();
    if (!dev) throw new VigieError('NOT_FOUND');
    const policy = await this.policies.effective(deviceId);
    await this.db.kysely.transaction().execute((tx) => this.closeStaleApprovals(tx, deviceId, now));
    // Checked before anything is written: a refusal is audited in a transaction of its own (it must survive the refusal).
    const rows: { name: string; arch: string; candidate_version: string }[] = [];
    for (const p of packages) {
      const found = (
        await this.db.kysely
          .selectFrom('device_patches')
          .select(['name', 'arch', 'candidate_version'])
          .where('device_id', '=', deviceId)
          .where('name', '=', p.name)
          .where('resolved_at', 'is', null)
          .orderBy('id')
          .execute()
      ).find((r) => p.arch === undefined || r.arch === p.arch);
      if (!found) throw new VigieError('PATCH_NOT_PENDING', `${p.name} n’est pas en attente sur cet équipement`);
      rows.push(found);
    }
    const excluded = rows.find((r) => isExcluded(r.name, policy.excluded));
    if (excluded) {
      await this.db.kysely
        .transaction()
        .execute((tx) =>
          appendAuditInTransaction(
            tx,
            this.db.dialect,
            `user:${user.id}`,
            'patch.approve',
            `device:${deviceId}`,
            { name: excluded.name, arch: excluded.arch, version: excluded.candidate_version },
            { clientId: dev.client_id, deviceId, result: 'refused: excluded' },
            now,
          ),
        );
      this.audited();
      throw new VigieError('PATCH_EXCLUDED', `${excluded.name} est exclu par la politique de mises à jour de cet équipement`);
    }
    const approved = await this.db.kysely.transaction().execute(async (tx) => {
      const out: { name: string; arch: string; version: string }[] = [];
      for (const row of rows) {
        // One open approval per version (partial unique index): a second approval at the same time adds nothing.
        await tx
          .insertInto('patch_approvals')
          .values({
            device_id: deviceId,
            name: row.name,
            arch: row.arch,
            version: row.candidate_version,
            approved_by: user.id,
            approved_at: now,
            state: 'approved',
            updated_at: now,
          })
          .onConflict((oc) =>
            // The partial index's predicate as literals: both engines match the conflict target against it textually, not through parameters.
            oc.columns(['device_id', 'name', 'arch', 'version']).where(sql<boolean>`state IN ('approved', 'queued')`).doNothing(),
          )
          .execute();
        await appendAuditInTransaction(
          tx,
          this.db.dialect,
          `user:${user.id}`,
          'patch.approve',
          `device:${deviceId}`,
          { name: row.name, arch: row.arch, version: row.candidate_version },
          { clientId: dev.client_id, deviceId, result: 'ok' },
          now,
        );
        out.push({ name: row.name, arch: row.arch, version: row.candidate_version });
      }
      return out;
    });
    this.audited();
    const queued = await this.schedule(now, [deviceId]);
    return { approved, commands: queued };
  }

  /**
   * One pass of the schedule over the devices (all, or these): for each, the updates due now, in one
   * command. Returns the commands queued.
   */
  async schedule(now = Date.now(), only?: number[]): Promise<{ deviceId: number; commandId: string; packages: number }[]> {
    if (only && only.length === 0) return [];
    const devices: DeviceRow[] = await this.db.kysely
      .selectFrom('devices as d')
      .innerJoin('agents as a', (j) => j.onRef('a.device_id', '=', 'd.id').on('a.revoked_at', 'is', null))
      .innerJoin('device_patch_status as st', 'st.device_id', 'd.id')
      .select(['d.id', 'd.client_id', 'd.site_id', 'a.id as agent_id', (eb) => eb.ref('st.source').$castTo<PatchSource>().as('source')])
      .$if(only !== undefined, (q) => q.where('d.id', 'in', only ?? []))
      .orderBy('d.id')
      .orderBy('a.id')
      .execute();
    const out: { deviceId: number; commandId: string; packages: number }[] = [];
    const agents: string[] = [];
    for (const d of devices) {
      const policy = await this.policies.effective(d.id);
      const queued = await this.db.kysely.transaction().execute((tx) => this.scheduleDevice(tx, d, policy, now));
      if (queued) {
        out.push({ deviceId: d.id, ...queued });
        agents.push(d.agent_id);
      }
    }
    if (out.length > 0) {
      this.audited();
      this.queued(agents);
    }
    return out;
  }

  /** Approvals whose command ended without a package result (refused by the agent, expired, cancelled) are closed with why. */
  private async closeStaleApprovals(tx: Transaction<DB>, deviceId: number, now: number): Promise<void> {
    await tx
      .updateTable('patch_approvals')
      .set((eb) => ({
        state: 'failed',
        updated_at: now,
        note: eb
          .selectFrom('commands as c')
          .select(sql<string>`'command ' || c.state || coalesce(': ' || c.error_code, '')`.as('note'))
          .whereRef('c.id', '=', 'patch_approvals.command_id'),
      }))
      .where('device_id', '=', deviceId)
      .where('state', '=', 'queued')
      .where('command_id', 'in', (eb) =>
        eb
          .selectFrom('commands as ended')
          .select('ended.id')
          .where('ended.device_id', '=', deviceId)
          .where('ended.state', 'in', ['refused', 'expired', 'cancelled', 'failed', 'succeeded']),
      )
      .execute();
  }

  private async scheduleDevice(
    tx: Transaction<DB>,
    d: DeviceRow,
    policy: EffectivePatchPolicy,
    now: number,
  ): Promise<{ commandId: string; packages: number } | undefined> {
    // Two collectors scheduling the same device at once: the second waits here for the first to
    // commit, then sees its command among those in flight (SQLite's BEGIN IMMEDIATE already serialises).
    if (this.db.dialect === 'postgres') await tx.selectFrom('device_patch_status').select('device_id').where('device_id', '=', d.id).forUpdate().execute();
    await this.closeStaleApprovals(tx, d.id, now);
    const pending: PendingRow[] = await tx
      .selectFrom('device_patches')
      .select(['name', 'arch', 'candidate_version', 'security', 'update_id'])
      .where('device_id', '=', d.id)
      .where('resolved_at', 'is', null)
      .orderBy('id')
      .execute();
    const byKey = new Map(pending.map((p) => [updateKey({ name: p.name, arch: p.arch || undefined }), p]));
    // Packages already in a command not finished: not asked twice.
    const busy = new Set<string>();
    const inFlight = await tx
      .selectFrom('commands')
      .select('args')
      .where('device_id', '=', d.id)
      .where('action', '=', 'patch-install')
      .where('state', 'in', ['queued', 'sent', 'running'])
      .execute();
    for (const c of inFlight) {
      for (const p of (JSON.parse(c.args) as { packages: { name: string; arch?: string }[] }).packages) busy.add(updateKey(p));
    }
    const chosen = new Map<string, { row: PendingRow; reason: InstallReason }>();
    // Approvals: for the version still pending; an approval of a version no longer offered lapses.
    const approvals = await tx
      .selectFrom('patch_approvals')
      .select(['id', 'name', 'arch', 'version'])
      .where('device_id', '=', d.id)
      .where('state', '=', 'approved')
      .orderBy('id')
      .execute();
    for (const a of approvals) {
      const key = updateKey({ name: a.name, arch: a.arch || undefined });
      const row = byKey.get(key);
      if (!row || row.candidate_version !== a.version || isExcluded(a.name, policy.excluded)) {
        const note = !row ? 'no longer pending' : row.candidate_version !== a.version ? `superseded by ${row.candidate_version}` : 'excluded by policy';
        await tx.updateTable('patch_approvals').set({ state: 'withdrawn', note, updated_at: now }).where('id', '=', a.id).execute();
        continue;
      }
      if (!busy.has(key)) chosen.set(key, { row, reason: 'approved' });
    }
    const window = await openMaintenanceWindow(tx, d, now);
    if (window && policy.securityInWindow) {
      for (const [key, row] of byKey) {
        if (!row.security || busy.has(key) || chosen.has(key) || isExcluded(row.name, policy.excluded)) continue;
        // A version that already failed here (after the agent's own retry) waits for a technician, not for the next tick.
        const failed = await tx
          .selectFrom('patch_install_results')
          .select('id')
          .where('device_id', '=', d.id)
          .where('name', '=', row.name)
          .where('arch', '=', row.arch)
          .where('version', '=', row.candidate_version)
          .where('state', '=', 'failed')
          .limit(1)
          .executeTakeFirst();
        if (failed) continue;
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
    const commandId = await queueSignedCommand(
      tx,
      this.db.dialect,
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
      await tx
        .updateTable('patch_approvals')
        .set({ state: 'queued', command_id: commandId, updated_at: now })
        .where('device_id', '=', d.id)
        .where('name', '=', row.name)
        .where('arch', '=', row.arch)
        .where('version', '=', row.candidate_version)
        .where('state', '=', 'approved')
        .execute();
    }
    return { commandId, packages: packages.length };
  }
}
