import { describeCheck } from '@vigie/shared';
import type { AttentionItem } from '@vigie/shared/api';
import type { Database } from '../store/database.js';

const RANK: Record<string, number> = { critical: 0, warning: 1, unknown: 2 };

interface IncidentRow {
  id: number;
  severity: 'warning' | 'critical';
  opened_at: number;
  client_id: number;
  client_name: string;
  device_id: number | null;
  device_name: string | null;
  target: string;
  message: string;
  ticket_id: number | null;
  acknowledged_at: number | null;
  check_status: string | null;
  check_code: string | null;
  check_values: string | null;
}

interface CheckRow {
  device_id: number;
  hostname: string;
  client_id: number;
  client_name: string;
  check: string;
  target: string;
  status: string;
  code: string;
  message: string;
  values: string | null;
  since: number;
}

const parse = (v: string | null) => (v ? (JSON.parse(v) as Record<string, unknown>) : null);

/**
 * What needs someone, across every client: open incidents (a check rule's incident said in the
 * reader's language from its check), then failing checks no open incident covers. Critical first,
 * then warning, then unknown; the oldest first within each.
 */
export function needsAttention(db: Database, limit: number): Promise<AttentionItem[]> {
  return db.writeLock(() => {
    const incidents = db.sqlite
      .prepare(
        `SELECT i.id, i.severity, i.opened_at, i.client_id, c.name AS client_name, i.device_id, d.hostname AS device_name, i.target, i.message, i.ticket_id,
           i.acknowledged_at, cs.status AS check_status, cs.code AS check_code, cs."values" AS check_values
         FROM incidents i JOIN clients c ON c.id = i.client_id LEFT JOIN devices d ON d.id = i.device_id
         LEFT JOIN check_state cs ON cs.device_id = i.device_id AND cs."check" || ':' || cs.target = i.target
         WHERE i.status != 'resolved' AND i.suppressed IS NULL
         ORDER BY CASE i.severity WHEN 'critical' THEN 0 ELSE 1 END, i.opened_at LIMIT ?`,
      )
      .all(limit) as IncidentRow[];
    const covered = new Set(incidents.filter((i) => i.device_id !== null).map((i) => `${i.device_id}\u0000${i.target}`));
    const checks = db.sqlite
      .prepare(
        `SELECT cs.device_id, d.hostname, d.client_id, c.name AS client_name, cs."check", cs.target, cs.status, cs.code, cs.message, cs."values", cs.since
         FROM check_state cs JOIN devices d ON d.id = cs.device_id JOIN clients c ON c.id = d.client_id
         WHERE cs.status IN ('critical', 'warning', 'unknown')
         ORDER BY CASE cs.status WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, cs.since LIMIT ?`,
      )
      .all(limit) as CheckRow[];
    const items: AttentionItem[] = incidents.map((i) => {
      // A check rule's incident is about `check:target` (a check name has no colon); other rules' targets are series or devices.
      const sep = i.target.indexOf(':');
      const check = i.check_code !== null && sep > 0 ? i.target.slice(0, sep) : null;
      const target = check === null ? null : i.target.slice(sep + 1);
      const described = (lang: 'fr' | 'en') =>
        check !== null && i.check_code !== null
          ? describeCheck({ check, target: target ?? '', code: i.check_code, status: i.check_status ?? '', values: parse(i.check_values) }, lang)
          : undefined;
      return {
        kind: 'incident',
        severity: i.severity,
        since: i.opened_at,
        clientId: i.client_id,
        clientName: i.client_name,
        deviceId: i.device_id,
        deviceName: i.device_name,
        check,
        target,
        text: { fr: described('fr') ?? i.message, en: described('en') ?? i.message },
        incidentId: i.id,
        ticketId: i.ticket_id,
        acknowledged: i.acknowledged_at !== null,
      };
    });
    for (const c of checks) {
      if (covered.has(`${c.device_id}\u0000${c.check}:${c.target}`)) continue;
      const r = { check: c.check, target: c.target, code: c.code, status: c.status, values: parse(c.values) };
      items.push({
        kind: 'check',
        severity: c.status as AttentionItem['severity'],
        since: c.since,
        clientId: c.client_id,
        clientName: c.client_name,
        deviceId: c.device_id,
        deviceName: c.hostname,
        check: c.check,
        target: c.target,
        text: { fr: describeCheck(r, 'fr') ?? c.message, en: describeCheck(r, 'en') ?? c.message },
        incidentId: null,
        ticketId: null,
        acknowledged: false,
      });
    }
    return items.sort((a, b) => (RANK[a.severity] ?? 3) - (RANK[b.severity] ?? 3) || a.since - b.since).slice(0, limit);
  });
}
