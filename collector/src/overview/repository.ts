import { sql } from 'kysely';
import type { RelationalStore } from '../store/relational-store.js';

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

/** SQLite's `COLLATE NOCASE`: ASCII letters folded, then the UTF-8 bytes compared; the same order on every engine. */
function compareNoCase(a: string, b: string): number {
  const fold = (s: string) => Buffer.from(s.replace(/[A-Z]/g, (c) => c.toLowerCase()));
  return Buffer.compare(fold(a), fold(b));
}

export class OverviewRepository {
  constructor(private readonly db: RelationalStore) {}

  /** Every client with its devices by state, its open incidents and tickets (by name ignoring ASCII case, then id). */
  async clients(offlineBefore: number): Promise<ClientOverview[]> {
    const k = this.db.kysely;
    const deviceStates = k
      .selectFrom('devices as d')
      .leftJoin('agents as a', 'a.device_id', 'd.id')
      .select(['d.client_id', sql<DeviceState>`(${sql.raw(deviceStateSql(offlineBefore))})`.as('state')]);
    const rows = await k
      .selectFrom('clients as c')
      .leftJoin(deviceStates.as('ds'), 'ds.client_id', 'c.id')
      .select((eb) => {
        const inState = (state: DeviceState) => eb.fn.count<number>(eb.case().when('ds.state', '=', state).then(eb.lit(1)).end()).as(state);
        const openIncidents = () =>
          eb
            .selectFrom('incidents as i')
            .select((se) => se.fn.countAll<number>().as('n'))
            .whereRef('i.client_id', '=', 'c.id')
            .where('i.status', '!=', 'resolved');
        return [
          'c.id',
          'c.name',
          eb.fn.count<number>('ds.state').as('total'),
          inState('ok'),
          inState('warning'),
          inState('critical'),
          inState('offline'),
          openIncidents().$asScalar().as('openIncidents'),
          openIncidents().where('i.severity', '=', 'critical').$asScalar().as('criticalIncidents'),
          eb
            .selectFrom('tickets as t')
            .select((se) => se.fn.countAll<number>().as('n'))
            .whereRef('t.client_id', '=', 'c.id')
            .where('t.status', 'not in', ['resolved', 'closed'])
            .$asScalar()
            .as('openTickets'),
        ];
      })
      .groupBy(['c.id', 'c.name'])
      .execute();
    return rows
      .sort((a, b) => compareNoCase(a.name, b.name) || a.id - b.id)
      .map((r) => ({
        id: r.id,
        name: r.name,
        devices: { total: r.total, ok: r.ok, warning: r.warning, critical: r.critical, offline: r.offline },
        openIncidents: r.openIncidents ?? 0,
        criticalIncidents: r.criticalIncidents ?? 0,
        openTickets: r.openTickets ?? 0,
      }));
  }

  /** Open tickets whose intervention has not begun and whose SLA deadline is before `until` (breached ones first). */
  async slaAtRisk(until: number, limit: number): Promise<SlaAtRisk[]> {
    const rows = await this.db.kysely
      .selectFrom('tickets as t')
      .innerJoin('clients as c', 'c.id', 't.client_id')
      .select(['t.id as ticketId', 't.client_id as clientId', 'c.name as clientName', 't.title', 't.sla_deadline_at as deadlineAt', 't.status', 't.priority'])
      .where('t.sla_deadline_at', 'is not', null)
      .where('t.intervention_started_at', 'is', null)
      .where('t.status', 'not in', ['resolved', 'closed'])
      .where('t.sla_deadline_at', '<=', until)
      .orderBy('t.sla_deadline_at')
      .orderBy('t.id')
      .limit(limit)
      .execute();
    return rows.flatMap((r) => (r.deadlineAt === null ? [] : [{ ...r, deadlineAt: r.deadlineAt }]));
  }
}
