import { sql } from 'kysely';
import { type DeviceState, deviceHealthSql, deviceStateSql } from '../overview/repository.js';
import type { RelationalStore } from '../store/relational-store.js';
import { deviceSearchText } from './search-text.js';

export interface DeviceFilter {
  clientId?: number | undefined;
  siteId?: number | undefined;
  q?: string | undefined;
  /** Only devices in this state (needs `offlineBefore`). */
  state?: DeviceState | undefined;
  /** Devices not heard from since this instant are offline; with it, each row carries its `state`. */
  offlineBefore?: number | undefined;
  limit: number;
  offset: number;
}

const deviceColumns = [
  'd.id',
  'd.hostname',
  'd.kind',
  'd.client_id',
  'c.name as client_name',
  'd.site_id',
  's.name as site_name',
  'd.platform',
  'd.arch',
  'd.os_name',
  'd.serial',
  'd.machine_uuid',
  'd.created_at',
  'd.last_seen_at',
  'a.id as agent_id',
  'a.agent_version',
  'a.revoked_at',
  'd.watcher_id',
  'w.last_seen_at as watcher_seen_at',
  'wa.id as watcher_agent_id',
  'wa.revoked_at as watcher_revoked_at',
] as const;

/** The last poll an agentless device answered, and the worst of its checks. */
const answeredAt = sql<
  number | null
>`(SELECT max(r.observed_at) FROM check_state r WHERE r.device_id = d.id AND r."check" = 'snmp-reachable' AND r.status = 'ok')`;
const health = sql<'ok' | 'warning' | 'critical'>`(${sql.raw(deviceHealthSql())})`;

export class DevicesRepository {
  constructor(private readonly db: RelationalStore) {}

  private base() {
    return this.db.kysely
      .selectFrom('devices as d')
      .innerJoin('clients as c', 'c.id', 'd.client_id')
      .innerJoin('sites as s', 's.id', 'd.site_id')
      .leftJoin('agents as a', 'a.device_id', 'd.id')
      .leftJoin('devices as w', 'w.id', 'd.watcher_id')
      .leftJoin('agents as wa', 'wa.device_id', 'd.watcher_id');
  }

  async list(f: DeviceFilter) {
    let q = this.base();
    if (f.clientId !== undefined) q = q.where('d.client_id', '=', f.clientId);
    if (f.siteId !== undefined) q = q.where('d.site_id', '=', f.siteId);
    if (f.q) {
      const like = `%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      const pattern = sql<string>`${like} escape '\\'`;
      // SQLite's LIKE ignores ASCII case; PostgreSQL's does not, its ILIKE does (and its trigram
      // indexes on device_search serve ILIKE as they serve LIKE).
      const op = this.db.dialect === 'postgres' ? 'ilike' : 'like';
      // Name, serial and OS on the device; addresses and software names from its latest inventory.
      q = q.where((eb) =>
        eb.or([
          eb('d.hostname', op, pattern),
          eb('d.serial', op, pattern),
          eb('d.os_name', op, pattern),
          eb(
            'd.id',
            'in',
            eb
              .selectFrom('device_search')
              .select('device_search.device_id')
              .where((se) => se.or([se('device_search.ips', op, pattern), se('device_search.software', op, pattern)])),
          ),
        ]),
      );
    }
    const stateExpr = f.offlineBefore === undefined ? undefined : sql<DeviceState>`(${sql.raw(deviceStateSql(f.offlineBefore))})`;
    if (f.state && stateExpr) q = q.where(stateExpr, '=', f.state);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const rows = await q
      .select(deviceColumns)
      .select([answeredAt.as('answered_at'), health.as('health')])
      .select(stateExpr ? stateExpr.as('state') : sql<DeviceState | null>`NULL`.as('state'))
      .orderBy('c.name')
      .orderBy('d.hostname')
      .orderBy('d.id')
      .limit(f.limit)
      .offset(f.offset)
      .execute();
    return { rows, total: Number(total?.n ?? 0) };
  }

  /** Re-reads the searchable text (addresses, software) of these devices from their latest inventory. */
  async refreshSearch(deviceIds: number[]): Promise<void> {
    if (deviceIds.length === 0) return;
    // One transaction (one wait for the disk) for the whole batch, not one per device.
    await this.db.kysely.transaction().execute(async (tx) => {
      const latest = await tx
        .selectFrom('inventory_snapshots')
        .select(['device_id', 'data'])
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('inventory_snapshots')
            .select((se) => se.fn.max('id').as('id'))
            .where('device_id', 'in', deviceIds)
            .groupBy('device_id'),
        )
        .execute();
      for (const row of latest) {
        const text = deviceSearchText(row.data);
        await tx
          .insertInto('device_search')
          .values({ device_id: row.device_id, ...text })
          .onConflict((oc) => oc.column('device_id').doUpdateSet(text))
          .execute();
      }
    });
  }

  async get(id: number) {
    return this.base()
      .select(deviceColumns)
      .select([answeredAt.as('answered_at'), health.as('health')])
      .where('d.id', '=', id)
      .executeTakeFirst();
  }

  async latestInventory(deviceId: number) {
    return this.db.kysely
      .selectFrom('inventory_snapshots')
      .select(['id', 'collected_at', 'received_at', 'hash', 'data'])
      .where('device_id', '=', deviceId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async inventoryHistory(deviceId: number, limit: number, before?: number) {
    let q = this.db.kysely
      .selectFrom('inventory_changes')
      .select(['id', 'snapshot_id', 'changed_at', 'section', 'change', 'item_key', 'before', 'after'])
      .where('device_id', '=', deviceId);
    if (before !== undefined) q = q.where('id', '<', before);
    return q.orderBy('id', 'desc').limit(limit).execute();
  }

  async snapshots(deviceId: number, limit: number) {
    return this.db.kysely
      .selectFrom('inventory_snapshots')
      .select(['id', 'collected_at', 'received_at', 'hash'])
      .where('device_id', '=', deviceId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  async checkState(deviceId: number) {
    return this.db.kysely.selectFrom('check_state').selectAll().where('device_id', '=', deviceId).orderBy('check').orderBy('target').execute();
  }

  /**
   * Drops check results, agent events and command results older than `keepMs` (400 days by default:
   * the reports of the current and previous year are archived as issued, and current states are
   * kept apart). Device by device, through the (device, time) indexes, in short transactions.
   */
  async purgeHistory(now: number, keepMs = 400 * 86_400_000): Promise<number> {
    const before = now - keepMs;
    const ids = (await this.db.kysely.selectFrom('devices').select('id').execute()).map((r) => r.id);
    let removed = 0;
    for (let i = 0; i < ids.length; i += 200) {
      const chunk = ids.slice(i, i + 200);
      removed += await this.db.kysely.transaction().execute(async (tx) => {
        let n = 0;
        for (const id of chunk) {
          const deleted = [
            await tx.deleteFrom('check_results').where('device_id', '=', id).where('observed_at', '<', before).executeTakeFirst(),
            await tx.deleteFrom('agent_events').where('device_id', '=', id).where('occurred_at', '<', before).executeTakeFirst(),
            await tx.deleteFrom('command_results').where('device_id', '=', id).where('received_at', '<', before).executeTakeFirst(),
          ];
          for (const d of deleted) n += Number(d.numDeletedRows);
        }
        return n;
      });
    }
    return removed;
  }

  /** An agentless device's identity as its site agent reported it (without which agent, for clients). */
  async siteData(deviceId: number): Promise<Record<string, unknown> | null> {
    const row = await this.db.kysely.selectFrom('devices').select('site_data').where('id', '=', deviceId).executeTakeFirst();
    return row?.site_data ? (JSON.parse(row.site_data) as Record<string, unknown>) : null;
  }

  /** Supplied items (billing) whose serial matches this device's, with delivery date and warranty end. */
  async suppliedItems(deviceId: number) {
    return this.db.kysely
      .selectFrom('devices as d')
      .innerJoin('supplied_items as s', (join) =>
        join.onRef('s.client_id', '=', 'd.client_id').on((eb) => eb('s.serial_key', '=', eb.fn<string>('upper', [eb.fn<string>('trim', ['d.serial'])]))),
      )
      .leftJoin('supply_orders as o', 'o.id', 's.order_id')
      .select([
        's.id',
        's.description',
        's.serial',
        's.delivered_on as deliveredOn',
        's.warranty_months as warrantyMonths',
        's.warranty_end as warrantyEnd',
        's.retired_on as retiredOn',
        's.order_id as orderId',
        'o.supplier',
      ])
      .where('d.id', '=', deviceId)
      .where('d.serial', 'is not', null)
      .where((eb) => eb(eb.fn<string>('trim', ['d.serial']), '!=', ''))
      .orderBy('s.delivered_on', 'desc')
      .orderBy('s.id', 'desc')
      .execute();
  }

  /**
   * What the device's agent produced and what became of it (issue 14): frames stored here, and the
   * losses and backlog its spool last reported. Null for a device without an agent.
   */
  async delivery(deviceId: number) {
    const row = await this.db.kysely
      .selectFrom('agents')
      .select([
        'frames_stored',
        'last_seq',
        'spool_next_seq',
        'spool_dropped_frames',
        'spool_unspooled_frames',
        'spool_in_doubt_frames',
        'spool_pending_frames',
        'spool_reported_at',
      ])
      .where('device_id', '=', deviceId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return null;
    return {
      framesProduced: row.spool_next_seq === null ? null : row.spool_next_seq - 1,
      framesStored: row.frames_stored,
      lastSeq: row.last_seq,
      droppedFrames: row.spool_dropped_frames,
      unspooledFrames: row.spool_unspooled_frames,
      inDoubtFrames: row.spool_in_doubt_frames,
      pendingFrames: row.spool_pending_frames,
      reportedAt: row.spool_reported_at,
    };
  }

  async recentEvents(deviceId: number, limit: number) {
    return this.db.kysely
      .selectFrom('agent_events')
      .select(['id', 'kind', 'severity', 'message', 'data', 'occurred_at', 'received_at'])
      .where('device_id', '=', deviceId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }
}
