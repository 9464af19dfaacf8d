import type { Database } from '../store/database.js';

/** Incidents with their client's and device's names and who acknowledged them, newest first. */
export function listIncidents(
  db: Database,
  f: { id?: number; clientId?: number | undefined; status?: string | undefined; deviceId?: number | undefined; limit: number },
) {
  const where = [
    f.id !== undefined ? 'i.id = ?' : null,
    f.clientId !== undefined ? 'i.client_id = ?' : null,
    f.status ? 'i.status = ?' : null,
    f.deviceId !== undefined ? 'i.device_id = ?' : null,
  ].filter(Boolean);
  const args = [
    ...(f.id !== undefined ? [f.id] : []),
    ...(f.clientId !== undefined ? [f.clientId] : []),
    ...(f.status ? [f.status] : []),
    ...(f.deviceId !== undefined ? [f.deviceId] : []),
    f.limit,
  ];
  return db.writeLock(() =>
    db.sqlite
      .prepare(
        `SELECT i.id, i.fingerprint, i.client_id, c.name AS client_name, i.site_id, i.device_id, d.hostname AS device_name, i.rule_id, i.target, i.severity,
           i.status, i.flapping, i.suppressed, i.message, i.opened_at, i.recovered_at, i.resolved_at, i.ticket_id, i.acknowledged_at, u.name AS acknowledged_by_name
         FROM incidents i JOIN clients c ON c.id = i.client_id LEFT JOIN devices d ON d.id = i.device_id LEFT JOIN users u ON u.id = i.acknowledged_by
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY i.id DESC LIMIT ?`,
      )
      .all(...args),
  );
}
