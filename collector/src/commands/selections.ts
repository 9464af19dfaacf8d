import { VigieError } from '@vigie/shared';
import { appendAuditInTransaction } from '../audit/repository.js';
import type { SessionUser } from '../auth/repository.js';
import type { RelationalStore } from '../store/relational-store.js';

export interface DeviceSelectionView {
  id: number;
  name: string;
  deviceIds: number[];
  createdAt: number;
}

/** Saved device selections (a run's target): named lists of devices, created by staff, audited. */
export class DeviceSelections {
  constructor(private readonly db: RelationalStore) {}

  /** By name, then id (two selections may share a name). */
  async list(): Promise<DeviceSelectionView[]> {
    const rows = await this.db.kysely
      .selectFrom('device_selections')
      .select(['id', 'name', 'device_ids', 'created_at'])
      .orderBy('name')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, deviceIds: JSON.parse(r.device_ids) as number[], createdAt: r.created_at }));
  }

  /**
   * Saves a selection of existing devices (each named once); an unknown device refuses the whole
   * selection. The caller refreshes the audit head after it.
   */
  async create(user: SessionUser, name: string, deviceIds: number[], now = Date.now()): Promise<number> {
    const ids = [...new Set(deviceIds)];
    return this.db.kysely.transaction().execute(async (tx) => {
      const found =
        ids.length === 0
          ? 0
          : Number(
              (
                await tx
                  .selectFrom('devices')
                  .select((eb) => eb.fn.countAll().as('n'))
                  .where('id', 'in', ids)
                  .executeTakeFirstOrThrow()
              ).n,
            );
      if (found !== ids.length) throw new VigieError('NOT_FOUND', 'Équipement inconnu dans la sélection');
      const r = await tx
        .insertInto('device_selections')
        .values({ name, device_ids: JSON.stringify(ids), created_by: user.id, created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'device-selection.create',
        `device-selection:${r.id}`,
        { name, devices: ids.length },
        { result: 'ok' },
        now,
      );
      return r.id;
    });
  }
}
