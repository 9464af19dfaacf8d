import type { RelationalStore } from '../store/relational-store.js';

/** Incidents with their client's and device's names and who acknowledged them, newest first. */
export function listIncidents(
  db: RelationalStore,
  f: { id?: number; clientId?: number | undefined; status?: string | undefined; deviceId?: number | undefined; limit: number },
) {
  let q = db.kysely
    .selectFrom('incidents as i')
    .innerJoin('clients as c', 'c.id', 'i.client_id')
    .leftJoin('devices as d', 'd.id', 'i.device_id')
    .leftJoin('users as u', 'u.id', 'i.acknowledged_by')
    .select([
      'i.id',
      'i.fingerprint',
      'i.client_id',
      'c.name as client_name',
      'i.site_id',
      'i.device_id',
      'd.hostname as device_name',
      'i.rule_id',
      'i.target',
      'i.severity',
      'i.status',
      'i.flapping',
      'i.suppressed',
      'i.message',
      'i.opened_at',
      'i.recovered_at',
      'i.resolved_at',
      'i.ticket_id',
      'i.acknowledged_at',
      'u.name as acknowledged_by_name',
    ]);
  if (f.id !== undefined) q = q.where('i.id', '=', f.id);
  if (f.clientId !== undefined) q = q.where('i.client_id', '=', f.clientId);
  if (f.status) q = q.where('i.status', '=', f.status);
  if (f.deviceId !== undefined) q = q.where('i.device_id', '=', f.deviceId);
  return q.orderBy('i.id', 'desc').limit(f.limit).execute();
}
