import { DEFAULT_PATCH_POLICY, type EffectivePatchPolicy, type PatchPolicy } from '@vigie/shared';
import { appendAudit, refreshAuditHead } from '../audit/repository.js';
import type { Database } from '../store/database.js';

export type PatchScope = 'client' | 'site' | 'device';

/** Patch policies per client, site and device, merged (narrowest wins, exclusions add up) over the defaults. */
export class PatchPolicies {
  constructor(private readonly db: Database) {}

  get(scope: PatchScope, id: number): { policy: PatchPolicy; version: number; updatedAt: number } | undefined {
    const r = this.db.sqlite.prepare('SELECT body, version, updated_at FROM patch_policies WHERE scope = ? AND scope_id = ?').get(scope, id) as
      | { body: string; version: number; updated_at: number }
      | undefined;
    return r ? { policy: JSON.parse(r.body) as PatchPolicy, version: r.version, updatedAt: r.updated_at } : undefined;
  }

  /** Saves a level's policy, audited with what it was and what it becomes. */
  async put(scope: PatchScope, id: number, policy: PatchPolicy, user: { id: number }, clientId: number, now = Date.now()): Promise<number> {
    const version = await this.db.writeTransaction(() => {
      const before = this.get(scope, id);
      const v = (before?.version ?? 0) + 1;
      this.db.sqlite
        .prepare(
          `INSERT INTO patch_policies (scope, scope_id, body, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (scope, scope_id) DO UPDATE SET body = excluded.body, version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .run(scope, id, JSON.stringify(policy), v, now, user.id);
      appendAudit(
        this.db.sqlite,
        `user:${user.id}`,
        'patch.policy.update',
        `${scope}:${id}`,
        { before: before?.policy ?? null, after: policy, version: v },
        { clientId, ...(scope === 'device' ? { deviceId: id } : {}), result: 'ok' },
        now,
      );
      return v;
    });
    refreshAuditHead(this.db);
    return version;
  }

  effective(deviceId: number): EffectivePatchPolicy {
    const dev = this.db.sqlite.prepare('SELECT client_id, site_id FROM devices WHERE id = ?').get(deviceId) as
      | { client_id: number; site_id: number }
      | undefined;
    const out: EffectivePatchPolicy = { ...DEFAULT_PATCH_POLICY, excluded: [] };
    if (!dev) return out;
    const excluded = new Set<string>();
    for (const layer of [this.get('client', dev.client_id), this.get('site', dev.site_id), this.get('device', deviceId)]) {
      if (!layer) continue;
      const p = layer.policy;
      if (p.securityInWindow !== undefined) out.securityInWindow = p.securityInWindow;
      if (p.reboot !== undefined) out.reboot = p.reboot;
      if (p.rebootDelayMin !== undefined) out.rebootDelayMin = p.rebootDelayMin;
      for (const e of p.excluded ?? []) excluded.add(e);
    }
    out.excluded = [...excluded].sort();
    return out;
  }
}
