import { VigieError } from '@vigie/shared';
import type { Kysely } from 'kysely';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';

export type TargetKind = 'device' | 'site' | 'client' | 'selection';

export interface TargetDevice {
  deviceId: number;
  clientId: number;
  agentId: string;
  hostname: string;
}

/**
 * The machines a run goes to: every device of the target that has a live (not revoked) agent, in
 * device id order. A selection's device ids are read in TypeScript (JSON kept as TEXT, no engine's
 * JSON functions). `q`: the caller's transaction, if any.
 */
export async function resolveTarget(db: RelationalStore, kind: TargetKind, id: number, q: Kysely<DB> = db.kysely): Promise<TargetDevice[]> {
  const base = q
    .selectFrom('devices as d')
    .innerJoin('agents as a', (j) => j.onRef('a.device_id', '=', 'd.id').on('a.revoked_at', 'is', null))
    .select(['d.id as deviceId', 'd.client_id as clientId', 'a.id as agentId', 'd.hostname as hostname'])
    .orderBy('d.id')
    .orderBy('a.id');
  switch (kind) {
    case 'device':
      return base.where('d.id', '=', id).execute();
    case 'site':
      return base.where('d.site_id', '=', id).execute();
    case 'client':
      return base.where('d.client_id', '=', id).execute();
    case 'selection': {
      const row = await q.selectFrom('device_selections').select('device_ids').where('id', '=', id).executeTakeFirst();
      if (!row) throw new VigieError('NOT_FOUND', 'Sélection inconnue');
      const ids = JSON.parse(row.device_ids) as number[];
      return ids.length === 0 ? [] : base.where('d.id', 'in', ids).execute();
    }
  }
}
