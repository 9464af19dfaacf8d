import type { Database } from '../store/database.js';

/** A device's state for the dashboards: offline first, else the worst of its current checks. */
export type DeviceState = 'ok' | 'warning' | 'critical' | 'offline';

/**
 * SQL for a device's state (`d` = devices, `a` = its agent), given the instant before which a
 * device is offline. An unknown check (the probe could not tell) counts as a warning: someone
 * should look. Shared by the overview and the device list's state filter.
 */
export function deviceStateSql(offlineBefore: number): string {
  return `CASE
  WHEN a.revoked_at IS NOT NULL OR d.last_seen_at IS NULL OR d.last_seen_at < ${Math.floor(offlineBefore)} THEN 'offline'
  ELSE coalesce((SELECT CASE max(CASE cs.status WHEN 'critical' THEN 3 WHEN 'warning' THEN 2 WHEN 'unknown' THEN 2 ELSE 0 END)
      WHEN 3 THEN 'critical' WHEN 2 THEN 'warning' ELSE 'ok' END
    FROM check_state cs WHERE cs.device_id = d.id), 'ok')
END`;
}

export interface ClientOverview {
  id: number;
  name: string;
  devices: Record<DeviceState | 'total', number>;
  openIncidents: number;
  criticalIncidents: number;
  openTickets: number;
}

export interface SlaAtRisk {
  ticketId: number;
  clientId: number;
  clientName: string;
  title: string;
  deadlineAt: number;
  status: string;
  priority: string;
}

export class OverviewRepository {
  constructor(private readonly db: Database) {}

  /** Every client with its devices by state, its open incidents and tickets. */
  clients(offlineBefore: number): Promise<ClientOverview[]> {
    return this.db.writeLock(() => {
      const rows = this.db.sqlite
        .prepare(
          `SELECT c.id, c.name,
             count(ds.state) AS total,
             coalesce(sum(ds.state = 'ok'), 0) AS ok, coalesce(sum(ds.state = 'warning'), 0) AS warning,
             coalesce(sum(ds.state = 'critical'), 0) AS critical, coalesce(sum(ds.state = 'offline'), 0) AS offline,
             (SELECT count(*) FROM incidents i WHERE i.client_id = c.id AND i.status != 'resolved') AS openIncidents,
             (SELECT count(*) FROM incidents i WHERE i.client_id = c.id AND i.status != 'resolved' AND i.severity = 'critical') AS criticalIncidents,
             (SELECT count(*) FROM tickets t WHERE t.client_id = c.id AND t.status NOT IN ('resolved', 'closed')) AS openTickets
           FROM clients c
           LEFT JOIN (SELECT d.client_id, ${deviceStateSql(offlineBefore)} AS state FROM devices d LEFT JOIN agents a ON a.device_id = d.id) ds ON ds.client_id = c.id
           GROUP BY c.id ORDER BY c.name COLLATE NOCASE, c.id`,
        )
        .all() as (Omit<ClientOverview, 'devices'> & Record<DeviceState | 'total', number>)[];
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        devices: { total: r.total, ok: r.ok, warning: r.warning, critical: r.critical, offline: r.offline },
        openIncidents: r.openIncidents,
        criticalIncidents: r.criticalIncidents,
        openTickets: r.openTickets,
      }));
    });
  }

  /** Open tickets whose intervention has not begun and whose SLA deadline is before `until` (breached ones first). */
  slaAtRisk(until: number, limit: number): Promise<SlaAtRisk[]> {
    return this.db.writeLock(
      () =>
        this.db.sqlite
          .prepare(
            `SELECT t.id AS ticketId, t.client_id AS clientId, c.name AS clientName, t.title, t.sla_deadline_at AS deadlineAt, t.status, t.priority
             FROM tickets t JOIN clients c ON c.id = t.client_id
             WHERE t.sla_deadline_at IS NOT NULL AND t.intervention_started_at IS NULL AND t.status NOT IN ('resolved', 'closed') AND t.sla_deadline_at <= ?
             ORDER BY t.sla_deadline_at, t.id LIMIT ?`,
          )
          .all(until, limit) as SlaAtRisk[],
    );
  }
}
