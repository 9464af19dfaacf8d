import { VigieError } from '@vigie/shared';
import type { Database } from '../store/database.js';

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

const SCOPE_TABLE = { client: 'clients', site: 'sites', device: 'devices' } as const;

/**
 * Incidents, rules and maintenance windows as the REST API reads and writes them. Reads run under
 * the store's write lock and writes in its transactions, never in the middle of another request's
 * transaction on the shared connection (where a write would be rolled back with it).
 */
export class IncidentsRepository {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  async incidents(f: { clientId?: number; status?: string; deviceId?: number; limit: number }): Promise<unknown[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.clientId !== undefined) where.push('client_id = ?') && args.push(f.clientId);
    if (f.status) where.push('status = ?') && args.push(f.status);
    if (f.deviceId !== undefined) where.push('device_id = ?') && args.push(f.deviceId);
    return this.db.writeLock(() =>
      this.sql.prepare(`SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`).all(...args, f.limit),
    );
  }

  async rules(): Promise<Record<string, unknown>[]> {
    return this.db.writeLock(() =>
      (this.sql.prepare('SELECT * FROM rules ORDER BY id').all() as { params: string }[]).map((r) => ({ ...r, params: JSON.parse(r.params) })),
    );
  }

  async createRule(r: RuleInput, now = Date.now()): Promise<number> {
    return this.db.writeTransaction(() =>
      Number(
        this.sql
          .prepare('INSERT INTO rules (name, type, severity, enabled, params, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(r.name, r.type, r.severity, r.enabled === false ? 0 : 1, JSON.stringify(r.params), now).lastInsertRowid,
      ),
    );
  }

  async updateRule(id: number, r: RuleInput, now = Date.now()): Promise<void> {
    await this.db.writeTransaction(() => {
      const changed = this.sql
        .prepare('UPDATE rules SET name = ?, type = ?, severity = ?, enabled = ?, params = ?, updated_at = ? WHERE id = ?')
        .run(r.name, r.type, r.severity, r.enabled === false ? 0 : 1, JSON.stringify(r.params), now, id).changes;
      if (changed === 0) throw new VigieError('NOT_FOUND');
    });
  }

  async windows(): Promise<unknown[]> {
    return this.db.writeLock(() => this.sql.prepare('SELECT * FROM maintenance_windows ORDER BY starts_at DESC LIMIT 500').all());
  }

  /** A maintenance window on an existing client, site or device. */
  async createWindow(w: WindowInput, userId: number, now = Date.now()): Promise<number> {
    return this.db.writeTransaction(() => {
      if (!this.sql.prepare(`SELECT 1 FROM ${SCOPE_TABLE[w.scope]} WHERE id = ?`).get(w.scopeId)) throw new VigieError('NOT_FOUND');
      return Number(
        this.sql
          .prepare('INSERT INTO maintenance_windows (scope, scope_id, starts_at, ends_at, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(w.scope, w.scopeId, w.startsAt, w.endsAt, w.reason, userId, now).lastInsertRowid,
      );
    });
  }

  async deleteWindow(id: number): Promise<void> {
    await this.db.writeTransaction(() => {
      if (this.sql.prepare('DELETE FROM maintenance_windows WHERE id = ?').run(id).changes === 0) throw new VigieError('NOT_FOUND');
    });
  }
}
