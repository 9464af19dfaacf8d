import { VigieError } from '@vigie/shared';
import type { Database } from '../store/database.js';

export type TargetKind = 'device' | 'site' | 'client' | 'selection';

export interface TargetDevice {
  deviceId: number;
  clientId: number;
  agentId: string;
  hostname: string;
}

/** The machines a run goes to: every device of the target that has a live (not revoked) agent. */
export function resolveTarget(db: Database, kind: TargetKind, id: number): TargetDevice[] {
  const base = `SELECT d.id AS deviceId, d.client_id AS clientId, a.id AS agentId, d.hostname AS hostname
    FROM devices d JOIN agents a ON a.device_id = d.id AND a.revoked_at IS NULL`;
  const sql = db.sqlite;
  switch (kind) {
    case 'device':
      return sql.prepare(`${base} WHERE d.id = ?`).all(id) as TargetDevice[];
    case 'site':
      return sql.prepare(`${base} WHERE d.site_id = ? ORDER BY d.id`).all(id) as TargetDevice[];
    case 'client':
      return sql.prepare(`${base} WHERE d.client_id = ? ORDER BY d.id`).all(id) as TargetDevice[];
    case 'selection': {
      const row = sql.prepare('SELECT device_ids FROM device_selections WHERE id = ?').get(id) as { device_ids: string } | undefined;
      if (!row) throw new VigieError('NOT_FOUND', 'Sélection inconnue');
      return sql.prepare(`${base} WHERE d.id IN (SELECT value FROM json_each(?)) ORDER BY d.id`).all(row.device_ids) as TargetDevice[];
    }
  }
}
