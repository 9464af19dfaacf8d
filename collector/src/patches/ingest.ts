import { type AgentBody, type PatchesBody, updateKey } from '@vigie/shared';
import { appendAudit } from '../audit/repository.js';
import type { SqliteHandle, Stmt } from '../store/database.js';

/**
 * Stores a device's `patches` report inside the ingest transaction: the report's header, each
 * pending update (a new one dated `collectedAt`, a known one keeping its first-seen date while its
 * versions follow the report), and every update no longer listed marked resolved. A report older
 * than the one stored (replayed after a reconnect) changes nothing; a truncated one resolves
 * nothing (what it cut is not known to be installed).
 */
export class PatchIngest {
  private readonly s: Record<string, Stmt>;

  constructor(db: SqliteHandle) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      status: p('SELECT collected_at FROM device_patch_status WHERE device_id = ?'),
      upsertStatus: p(
        `INSERT INTO device_patch_status (device_id, source, collected_at, received_at, reboot_pending, truncated, first_reported_at) VALUES (?,?,?,?,?,?,?)
         ON CONFLICT (device_id) DO UPDATE SET source = excluded.source, collected_at = excluded.collected_at, received_at = excluded.received_at,
           reboot_pending = excluded.reboot_pending, truncated = excluded.truncated`,
      ),
      open: p('SELECT id, name, arch FROM device_patches WHERE device_id = ? AND resolved_at IS NULL'),
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
      command: p("SELECT client_id, args FROM commands WHERE id = ? AND device_id = ? AND action = 'patch-install'"),
      insertResult: p(
        'INSERT INTO patch_install_results (command_id, device_id, name, arch, version, state, attempts, error, finished_at) VALUES (?,?,?,?,?,?,?,?,?)',
      ),
      approvalDone: p(
        "UPDATE patch_approvals SET state = ?, note = ?, updated_at = ? WHERE command_id = ? AND device_id = ? AND name = ? AND arch = ? AND state = 'queued'",
      ),
      approvalsOf: p("UPDATE patch_approvals SET state = 'failed', note = ?, updated_at = ? WHERE command_id = ? AND device_id = ? AND state = 'queued'"),
    };
    this.db = db;
  }

  private readonly db: SqliteHandle;

  /**
   * A patch-install command's result, inside the ingest transaction: each package's outcome kept and
   * audited, its approval closed. Only a command of the sending device counts.
   */
  applyInstallResult(deviceId: number, agentId: string, r: AgentBody<'command-result'>, now: number): void {
    const cmd = this.s.command!.get(r.commandId, deviceId) as { client_id: number; args: string } | undefined;
    if (!cmd) return;
    const where = { clientId: cmd.client_id, deviceId };
    for (const p of r.packages ?? []) {
      this.s.insertResult!.run(r.commandId, deviceId, p.name, p.arch ?? '', p.version, p.state, p.attempts, p.error ?? null, now);
      this.s.approvalDone!.run(p.state, p.error ?? null, now, r.commandId, deviceId, p.name, p.arch ?? '');
      appendAudit(
        this.db,
        `agent:${agentId}`,
        p.state === 'installed' ? 'patch.package.installed' : 'patch.package.failed',
        `device:${deviceId}`,
        { commandId: r.commandId, name: p.name, arch: p.arch ?? null, version: p.version, attempts: p.attempts, error: p.error ?? null },
        { ...where, result: p.state === 'installed' ? 'ok' : `failed after ${p.attempts} attempt(s)` },
        now,
      );
    }
    // Nothing was tried (no privilege, the agent could not start): the approvals end with the reason.
    if ((r.packages ?? []).length === 0 && !r.ok) this.s.approvalsOf!.run(r.error?.message ?? 'failed', now, r.commandId, deviceId);
  }

  /** Returns false when the report was older than the stored one and ignored. */
  apply(deviceId: number, body: PatchesBody, now: number): boolean {
    const at = body.collectedAt;
    const known = this.s.status!.get(deviceId) as { collected_at: number } | undefined;
    if (known && known.collected_at > at) return false;
    this.s.upsertStatus!.run(deviceId, body.source, at, now, body.rebootPending === null ? null : body.rebootPending ? 1 : 0, body.truncated ? 1 : 0, at);
    const open = new Map(
      (this.s.open!.all(deviceId) as { id: number; name: string; arch: string }[]).map((r) => [updateKey({ name: r.name, arch: r.arch || undefined }), r.id]),
    );
    const listed = new Set<string>();
    for (const u of body.updates) {
      const key = updateKey(u);
      // A tool that lists a package twice (two repositories) is stored once.
      if (listed.has(key)) continue;
      listed.add(key);
      const fields = [
        u.installedVersion,
        u.candidateVersion,
        u.security ? 1 : 0,
        u.rebootRequired ? 1 : 0,
        u.title ?? null,
        u.origin ?? null,
        u.id ?? null,
      ] as const;
      const id = open.get(key);
      if (id !== undefined) {
        this.s.update!.run(...fields, at, id);
        open.delete(key);
      } else {
        this.s.insert!.run(deviceId, u.name, u.arch ?? '', ...fields, at, at);
      }
    }
    if (!body.truncated) for (const id of open.values()) this.s.resolve!.run(at, id);
    const reboot = this.s.openReboot!.get(deviceId) as { id: number } | undefined;
    if (body.rebootPending === true && !reboot) this.s.startReboot!.run(deviceId, at);
    if (body.rebootPending === false && reboot) this.s.endReboot!.run(at, reboot.id);
    return true;
  }
}
