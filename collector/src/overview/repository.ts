import type { Database } from '../store/database.js';

/** A device's state for the dashboards: offline first, else the worst of its current checks. */
export type DeviceState = 'ok' | 'warning' | 'critical' | 'offline';

/** An agentless device's last answered poll counts this long (its watcher polls every minute by default). */
export const POLL_FRESH_MS = 3_600_000;

/** SQL for the worst of a device's current checks (`d` = devices): an unknown check counts as a warning, someone should look. */
export function deviceHealthSql(): string {
  return `coalesce((SELECT CASE max(CASE cs.status WHEN 'critical' THEN 3 WHEN 'warning' THEN 2 WHEN 'unknown' THEN 2 ELSE 0 END)
      WHEN 3 THEN 'critical' WHEN 2 THEN 'warning' ELSE 'ok' END
    FROM check_state cs WHERE cs.device_id = d.id), 'ok')`;
}

/**
 * SQL for a device's state (`d` = devices, `a` = its agent), given the instant before which a device
 * is offline: offline first, else the worst of its current checks. A device without an agent is as
 * its watcher's polls say (issue 18): online while its watcher is and the last poll it answered is
 * recent — a printer answering SNMP is never "offline", and its critical toner shows. Shared by the
 * overview and the device list's state filter.
 */
export function deviceStateSql(offlineBefore: number): string {
  const before = Math.floor(offlineBefore);
  return `CASE
  WHEN d.kind = 'agentless' THEN CASE
    WHEN coalesce((SELECT w.last_seen_at FROM devices w WHERE w.id = d.watcher_id), 0) < ${before}
      OR NOT EXISTS (SELECT 1 FROM agents wa WHERE wa.device_id = d.watcher_id AND wa.revoked_at IS NULL)
      OR NOT EXISTS (SELECT 1 FROM check_state r WHERE r.device_id = d.id AND r."check" = 'snmp-reachable' AND r.status = 'ok' AND r.observed_at >= ${before - POLL_FRESH_MS})
    THEN 'offline' ELSE ${deviceHealthSql()} END
  WHEN a.revoked_at IS NOT NULL OR d.last_seen_at IS NULL OR d.last_seen_at < ${before} THEN 'offline'
  ELSE ${deviceHealthSql()}
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
