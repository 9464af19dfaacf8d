import { describeCheck } from '@vigie/shared';
import type { AttentionItem } from '@vigie/shared/api';
import { sql } from 'kysely';
import type { RelationalStore } from '../store/relational-store.js';

const RANK: Record<string, number> = { critical: 0, warning: 1, unknown: 2 };

const parse = (v: string | null) => (v ? (JSON.parse(v) as Record<string, unknown>) : null);

/**
 * What needs someone, across every client: open incidents (a check rule's incident said in the
 * reader's language from its check), then failing checks no open incident covers. Critical first,
 * then warning, then unknown; the oldest first within each.
 */
export async function needsAttention(db: RelationalStore, limit: number): Promise<AttentionItem[]> {
  const incidents = await db.kysely
    .selectFrom('incidents as i')
    .innerJoin('clients as c', 'c.id', 'i.client_id')
    .leftJoin('devices as d', 'd.id', 'i.device_id')
    .leftJoin('check_state as cs', (join) =>
      join.onRef('cs.device_id', '=', 'i.device_id').on(sql<string>`${sql.ref('cs.check')} || ':' || ${sql.ref('cs.target')}`, '=', sql.ref('i.target')),
    )
    .select([
      'i.id',
      'i.severity',
      'i.opened_at',
      'i.client_id',
      'c.name as client_name',
      'i.device_id',
      'd.hostname as device_name',
      'i.target',
      'i.message',
      'i.ticket_id',
      'i.acknowledged_at',
      'cs.status as check_status',
      'cs.code as check_code',
      'cs.values as check_values',
    ])
    .where('i.status', '!=', 'resolved')
    .where('i.suppressed', 'is', null)
    .orderBy((eb) => eb.case('i.severity').when('critical').then(eb.lit(0)).else(eb.lit(1)).end())
    .orderBy('i.opened_at')
    .orderBy('i.id') // ties broken the same way on every engine
    .limit(limit)
    .execute();
  const covered = new Set(incidents.filter((i) => i.device_id !== null).map((i) => `${i.device_id}\u0000${i.target}`));
  const checks = await db.kysely
    .selectFrom('check_state as cs')
    .innerJoin('devices as d', 'd.id', 'cs.device_id')
    .innerJoin('clients as c', 'c.id', 'd.client_id')
    .select([
      'cs.device_id',
      'd.hostname',
      'd.client_id',
      'c.name as client_name',
      'cs.check',
      'cs.target',
      'cs.status',
      'cs.code',
      'cs.message',
      'cs.values',
      'cs.since',
    ])
    .where('cs.status', 'in', ['critical', 'warning', 'unknown'])
    .orderBy((eb) => eb.case('cs.status').when('critical').then(eb.lit(0)).when('warning').then(eb.lit(1)).else(eb.lit(2)).end())
    .orderBy('cs.since')
    .orderBy('cs.device_id') // ties broken the same way on every engine
    .orderBy('cs.check')
    .orderBy('cs.target')
    .limit(limit)
    .execute();
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
}
