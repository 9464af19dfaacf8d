import { VigieError } from '@vigie/shared';
import { appendAuditInTransaction } from '../audit/repository.js';
import type { RelationalStore } from '../store/relational-store.js';

export interface RuleInput {
  name: string;
  type: string;
  severity: string;
  enabled?: boolean;
  params: Record<string, unknown>;
}

export interface WindowInput {
  scope: 'client' | 'site' | 'device';
  scopeId: number;
  startsAt: number;
  endsAt: number;
  reason: string;
}

/**
 * Incidents, rules and maintenance windows as the REST API reads and writes them, on either engine.
 * Each write and its audit entry are one transaction.
 */
const SCOPE_TABLE = { client: 'clients', site: 'sites', device: 'devices' } as const;

export class IncidentsRepository {
  constructor(private readonly db: RelationalStore) {}

  async incidents(f: { clientId?: number; status?: string; deviceId?: number; limit: number }): Promise<unknown[]> {
    let q = this.db.kysely.selectFrom('incidents').selectAll();
    if (f.clientId !== undefined) q = q.where('client_id', '=', f.clientId);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.deviceId !== undefined) q = q.where('device_id', '=', f.deviceId);
    return q.orderBy('id', 'desc').limit(f.limit).execute();
  }

  async rules(): Promise<Record<string, unknown>[]> {
    const rows = await this.db.kysely.selectFrom('rules').selectAll().orderBy('id').execute();
    return rows.map((r) => ({ ...r, params: JSON.parse(r.params) }));
  }

  async createRule(r: RuleInput, actor: string, now = Date.now()): Promise<number> {
    return this.db.kysely.transaction().execute(async (tx) => {
      const { id } = await tx
        .insertInto('rules')
        .values({ name: r.name, type: r.type, severity: r.severity, enabled: r.enabled === false ? 0 : 1, params: JSON.stringify(r.params), updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await appendAuditInTransaction(tx, this.db.dialect, actor, 'rule.create', `rule:${id}`, { name: r.name }, {}, now);
      return id;
    });
  }

  async updateRule(id: number, r: RuleInput, actor: string, now = Date.now()): Promise<void> {
    await this.db.kysely.transaction().execute(async (tx) => {
      const changed = await tx
        .updateTable('rules')
        .set({ name: r.name, type: r.type, severity: r.severity, enabled: r.enabled === false ? 0 : 1, params: JSON.stringify(r.params), updated_at: now })
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) === 0) throw new VigieError('NOT_FOUND');
      await appendAuditInTransaction(tx, this.db.dialect, actor, 'rule.update', `rule:${id}`, { name: r.name, enabled: r.enabled !== false }, {}, now);
    });
  }

  async windows(): Promise<unknown[]> {
    return this.db.kysely.selectFrom('maintenance_windows').selectAll().orderBy('starts_at', 'desc').orderBy('id', 'desc').limit(500).execute();
  }

  /** A maintenance window on an existing client, site or device. */
  async createWindow(w: WindowInput, userId: number, actor: string, now = Date.now()): Promise<number> {
    return this.db.kysely.transaction().execute(async (tx) => {
      if (!(await tx.selectFrom(SCOPE_TABLE[w.scope]).select('id').where('id', '=', w.scopeId).executeTakeFirst())) throw new VigieError('NOT_FOUND');
      const { id } = await tx
        .insertInto('maintenance_windows')
        .values({ scope: w.scope, scope_id: w.scopeId, starts_at: w.startsAt, ends_at: w.endsAt, reason: w.reason, created_by: userId, created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        actor,
        'maintenance.create',
        `${w.scope}:${w.scopeId}`,
        { startsAt: w.startsAt, endsAt: w.endsAt },
        {},
        now,
      );
      return id;
    });
  }

  async deleteWindow(id: number, actor: string): Promise<void> {
    await this.db.kysely.transaction().execute(async (tx) => {
      const r = await tx.deleteFrom('maintenance_windows').where('id', '=', id).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw new VigieError('NOT_FOUND');
      await appendAuditInTransaction(tx, this.db.dialect, actor, 'maintenance.delete', `maintenance:${id}`);
    });
  }
}
