import { DEFAULT_PATCH_POLICY, type EffectivePatchPolicy, type PatchPolicy } from '@vigie/shared';
import type { Kysely } from 'kysely';
import { appendAuditInTransaction } from '../audit/repository.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';

export type PatchScope = 'client' | 'site' | 'device';

/** Patch policies per client, site and device, merged (narrowest wins, exclusions add up) over the defaults. */
export class PatchPolicies {
  constructor(
    private readonly db: RelationalStore,
    /** Called after a commit that appended audit entries (the SQLite store copies its head to a file). */
    private readonly audited: () => void = () => undefined,
  ) {}

  get(scope: PatchScope, id: number): Promise<{ policy: PatchPolicy; version: number; updatedAt: number } | undefined> {
    return this.read(this.db.kysely, scope, id);
  }

  private async read(db: Kysely<DB>, scope: PatchScope, id: number) {
    const r = await db
      .selectFrom('patch_policies')
      .select(['body', 'version', 'updated_at'])
      .where('scope', '=', scope)
      .where('scope_id', '=', id)
      .executeTakeFirst();
    return r ? { policy: JSON.parse(r.body) as PatchPolicy, version: r.version, updatedAt: r.updated_at } : undefined;
  }

  /** Saves a level's policy, audited with what it was and what it becomes. */
  async put(scope: PatchScope, id: number, policy: PatchPolicy, user: { id: number }, clientId: number, now = Date.now()): Promise<number> {
    const version = await this.db.kysely.transaction().execute(async (tx) => {
      // Two saves at once on PostgreSQL: the second waits for the first (on the level's own row, which
      // exists even before its first policy) and numbers after it (SQLite's BEGIN IMMEDIATE already serialises).
      if (this.db.dialect === 'postgres') {
        const table = scope === 'client' ? 'clients' : scope === 'site' ? 'sites' : 'devices';
        await tx.selectFrom(table).select('id').where('id', '=', id).forUpdate().execute();
      }
      const before = await this.read(tx, scope, id);
      const v = (before?.version ?? 0) + 1;
      await tx
        .insertInto('patch_policies')
        .values({ scope, scope_id: id, body: JSON.stringify(policy), version: v, updated_at: now, updated_by: user.id })
        .onConflict((oc) =>
          oc.columns(['scope', 'scope_id']).doUpdateSet((eb) => ({
            body: eb.ref('excluded.body'),
            version: eb.ref('excluded.version'),
            updated_at: eb.ref('excluded.updated_at'),
            updated_by: eb.ref('excluded.updated_by'),
          })),
        )
        .execute();
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'patch.policy.update',
        `${scope}:${id}`,
        { before: before?.policy ?? null, after: policy, version: v },
        { clientId, ...(scope === 'device' ? { deviceId: id } : {}), result: 'ok' },
        now,
      );
      return v;
    });
    this.audited();
    return version;
  }

  /** The patch policy a device runs under (not the device policy of policies/). */
  async effective(deviceId: number): Promise<EffectivePatchPolicy> {
    const dev = await this.db.kysely.selectFrom('devices').select(['client_id', 'site_id']).where('id', '=', deviceId).executeTakeFirst();
    const out: EffectivePatchPolicy = { ...DEFAULT_PATCH_POLICY, excluded: [] };
    if (!dev) return out;
    const excluded = new Set<string>();
    const layers = [await this.get('client', dev.client_id), await this.get('site', dev.site_id), await this.get('device', deviceId)];
    for (const layer of layers) {
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
