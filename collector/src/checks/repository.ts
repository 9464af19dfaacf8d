import type { Database } from '../store/database.js';

export type CheckRow = { check: string; target: string; status: string; code: string; message: string; values: string | null; observed_at: number };

/** Check states and history as the REST API reads them, under the store's write lock. */
export class ChecksRepository {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  async clientOfDevice(deviceId: number): Promise<number | undefined> {
    return this.db.writeLock(
      () => (this.sql.prepare('SELECT client_id FROM devices WHERE id = ?').get(deviceId) as { client_id: number } | undefined)?.client_id,
    );
  }

  async clientExists(clientId: number): Promise<boolean> {
    return this.db.writeLock(() => !!this.sql.prepare('SELECT 1 FROM clients WHERE id = ?').get(clientId));
  }

  /** A device's current check states and its latest results (of one check, or all). */
  async ofDevice(deviceId: number, history: number, check?: string): Promise<{ current: (CheckRow & { since: number })[]; history: CheckRow[] }> {
    return this.db.writeLock(() => ({
      current: this.sql
        .prepare('SELECT "check", target, status, code, message, "values", observed_at, since FROM check_state WHERE device_id = ? ORDER BY "check", target')
        .all(deviceId) as (CheckRow & { since: number })[],
      history: this.sql
        .prepare(
          `SELECT "check", target, status, code, message, "values", observed_at FROM check_results WHERE device_id = ? ${check ? 'AND "check" = ?' : ''} ORDER BY observed_at DESC, id DESC LIMIT ?`,
        )
        .all(...(check ? [deviceId, check, history] : [deviceId, history])) as CheckRow[],
    }));
  }

  /** Per check and finding, how many of a client's devices are in that state now; and its devices by worst state. */
  async clientSummary(clientId: number): Promise<{ findings: unknown[]; health: { worst: number | null; devices: number }[] }> {
    return this.db.writeLock(() => ({
      findings: this.sql
        .prepare(
          `SELECT cs."check" AS "check", cs.code AS code, cs.status AS status, count(DISTINCT cs.device_id) AS devices
           FROM check_state cs JOIN devices d ON d.id = cs.device_id WHERE d.client_id = ? GROUP BY cs."check", cs.code, cs.status ORDER BY cs."check", cs.code`,
        )
        .all(clientId),
      health: this.sql
        .prepare(
          `SELECT worst, count(*) AS devices FROM (
             SELECT d.id, max(CASE cs.status WHEN 'critical' THEN 3 WHEN 'warning' THEN 2 WHEN 'unknown' THEN 1 WHEN 'ok' THEN 0 END) AS worst
             FROM devices d LEFT JOIN check_state cs ON cs.device_id = d.id WHERE d.client_id = ? GROUP BY d.id)
           GROUP BY worst`,
        )
        .all(clientId) as { worst: number | null; devices: number }[],
    }));
  }
}
