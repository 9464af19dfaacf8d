import { VigieError } from '@vigie/shared';
import { appendAudit, refreshAuditHead } from '../audit/repository.js';
import type { SessionUser } from '../auth/repository.js';
import type { Database } from '../store/database.js';

export interface DeviceSelectionView {
  id: number;
  name: string;
  deviceIds: number[];
  createdAt: number;
}

/** Saved device selections (a run's target): named lists of devices, created by staff, audited. */
export class DeviceSelections {
  constructor(private readonly db: Database) {}

  list(): Promise<DeviceSelectionView[]> {
    return this.db.writeLock(() =>
      (
        this.db.sqlite.prepare('SELECT id, name, device_ids, created_at FROM device_selections ORDER BY name').all() as {
          id: number;
          name: string;
          device_ids: string;
          created_at: number;
        }[]
      ).map((r) => ({ id: r.id, name: r.name, deviceIds: JSON.parse(r.device_ids) as number[], createdAt: r.created_at })),
    );
  }

  /** Saves a selection of existing devices (each named once); an unknown device refuses the whole selection. */
  async create(user: SessionUser, name: string, deviceIds: number[], now = Date.now()): Promise<number> {
    const ids = [...new Set(deviceIds)];
    const id = await this.db.writeTransaction(() => {
      const sql = this.db.sqlite;
      const found = (sql.prepare('SELECT COUNT(*) AS n FROM devices WHERE id IN (SELECT value FROM json_each(?))').get(JSON.stringify(ids)) as { n: number }).n;
      if (found !== ids.length) throw new VigieError('NOT_FOUND', 'Équipement inconnu dans la sélection');
      const r = sql
        .prepare('INSERT INTO device_selections (name, device_ids, created_by, created_at) VALUES (?, ?, ?, ?)')
        .run(name, JSON.stringify(ids), user.id, now);
      appendAudit(
        sql,
        `user:${user.id}`,
        'device-selection.create',
        `device-selection:${r.lastInsertRowid}`,
        { name, devices: ids.length },
        { result: 'ok' },
        now,
      );
      return Number(r.lastInsertRowid);
    });
    refreshAuditHead(this.db);
    return id;
  }
}
