import type { AgentBody, PatchesBody } from '@vigie/shared';
import { appendAudit } from '../audit/repository.js';
import type { SqliteHandle, Stmt } from '../store/database.js';
import { planInstallResult, planPatchReport } from './report-plan.js';

/**
 * Stores a device's `patches` report and a patch-install command's results inside the SQLite
 * ingest writer's synchronous better-sqlite3 transaction. What to write is decided by
 * `report-plan.ts`, shared with `PatchIngestTx` (typed Kysely, either engine, for an async writer):
 * this class goes once the SQLite writer is async.
 */
export class PatchIngest {
  private readonly s: Record<string, Stmt>;

  constructor(private readonly db: SqliteHandle) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      status: p('SELECT collected_at FROM device_patch_status WHERE device_id = ?'),
      upsertStatus: p(
        `INSERT INTO device_patch_status (device_id, source, collected_at, received_at, reboot_pending, truncated, first_reported_at) VALUES (?,?,?,?,?,?,?)
         ON CONFLICT (device_id) DO UPDATE SET source = excluded.source, collected_at = excluded.collected_at, received_at = excluded.received_at,
           reboot_pending = excluded.reboot_pending, truncated = excluded.truncated`,
      ),
      open: p('SELECT id, name, arch FROM device_patches WHERE device_id = ? AND resolved_at IS NULL ORDER BY id'),
      insert: p(
        `INSERT INTO device_patches (device_id, name, arch, installed_version, candidate_version, security, reboot_required, title, origin, update_id, first_seen_at, last_seen_at)
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
      ),
      update: p(
        `UPDATE device_patches SET installed_version = ?, candidate_version = ?, security = ?, reboot_required = ?, title = ?, origin = ?, update_id = ?, last_seen_at = ?
         WHERE id = ?`,
      ),
      resolve: p('UPDATE device_patches SET resolved_at = ? WHERE id = ?'),
      openReboot: p('SELECT id FROM device_reboot_pending WHERE device_id = ? AND until IS NULL'),
      startReboot: p('INSERT INTO device_reboot_pending (device_id, since) VALUES (?, ?)'),
      endReboot: p('UPDATE device_reboot_pending SET until = ? WHERE id = ?'),
      command: p("SELECT client_id FROM commands WHERE id = ? AND device_id = ? AND action = 'patch-install'"),
      insertResult: p(
        'INSERT INTO patch_install_results (command_id, device_id, name, arch, version, state, attempts, error, finished_at) VALUES (?,?,?,?,?,?,?,?,?)',
      ),
      approvalDone: p(
        "UPDATE patch_approvals SET state = ?, note = ?, updated_at = ? WHERE command_id = ? AND device_id = ? AND name = ? AND arch = ? AND state = 'queued'",
      ),
      approvalsOf: p("UPDATE patch_approvals SET state = 'failed', note = ?, updated_at = ? WHERE command_id = ? AND device_id = ? AND state = 'queued'"),
    };
  }

  /**
   * A patch-install command's result, inside the ingest transaction: each package's outcome kept and
   * audited, its approval closed. Only a command of the sending device counts.
   */
  applyInstallResult(deviceId: number, agentId: string, r: AgentBody<'command-result'>, now: number): void {
    const cmd = this.s.command!.get(r.commandId, deviceId) as { client_id: number } | undefined;
    if (!cmd) return;
    const { outcomes, nothingTried } = planInstallResult(deviceId, agentId, cmd.client_id, r);
    for (const { result: p, audit: a } of outcomes) {
      this.s.insertResult!.run(r.commandId, deviceId, p.name, p.arch, p.version, p.state, p.attempts, p.error, now);
      this.s.approvalDone!.run(p.state, p.error, now, r.commandId, deviceId, p.name, p.arch);
      appendAudit(this.db, a.actor, a.action, a.target, a.details, a.extra, now);
    }
    if (nothingTried !== null) this.s.approvalsOf!.run(nothingTried, now, r.commandId, deviceId);
  }

  /** Returns false when the report was older than the stored one and ignored. */
  apply(deviceId: number, body: PatchesBody, now: number): boolean {
    const known = this.s.status!.get(deviceId) as { collected_at: number } | undefined;
    const plan = planPatchReport(
      known && { collectedAt: known.collected_at },
      this.s.open!.all(deviceId) as { id: number; name: string; arch: string }[],
      this.s.openReboot!.get(deviceId) as { id: number } | undefined,
      body,
      now,
    );
    if (!plan) return false;
    const st = plan.status;
    this.s.upsertStatus!.run(deviceId, st.source, st.collected_at, st.received_at, st.reboot_pending, st.truncated, st.first_reported_at);
    const fieldsOf = (f: (typeof plan.inserts)[number] | (typeof plan.updates)[number]['fields']) =>
      [f.installed_version, f.candidate_version, f.security, f.reboot_required, f.title, f.origin, f.update_id] as const;
    for (const u of plan.updates) this.s.update!.run(...fieldsOf(u.fields), u.fields.last_seen_at, u.id);
    for (const i of plan.inserts) this.s.insert!.run(deviceId, i.name, i.arch, ...fieldsOf(i), i.first_seen_at, i.last_seen_at);
    for (const id of plan.resolve.ids) this.s.resolve!.run(plan.resolve.at, id);
    if (plan.reboot && 'start' in plan.reboot) this.s.startReboot!.run(deviceId, plan.reboot.start);
    if (plan.reboot && 'end' in plan.reboot) this.s.endReboot!.run(plan.reboot.end, plan.reboot.id);
    return true;
  }
}
