import type { DeviceCompliance, DevicePatch, PatchSource } from '@vigie/shared';
import type { RelationalStore } from '../store/relational-store.js';
import { overdueBefore, patchState } from './compliance.js';

interface PatchRow {
  name: string;
  arch: string;
  installed_version: string | null;
  candidate_version: string;
  security: 0 | 1;
  reboot_required: 0 | 1;
  title: string | null;
  origin: string | null;
  first_seen_at: number;
  last_seen_at: number;
  resolved_at: number | null;
}

const PATCH_COLUMNS = [
  'name',
  'arch',
  'installed_version',
  'candidate_version',
  'security',
  'reboot_required',
  'title',
  'origin',
  'first_seen_at',
  'last_seen_at',
  'resolved_at',
] as const;

const patchView = (r: PatchRow): DevicePatch => ({
  name: r.name,
  arch: r.arch || null,
  installedVersion: r.installed_version,
  candidateVersion: r.candidate_version,
  security: r.security === 1,
  rebootRequired: r.reboot_required === 1,
  title: r.title,
  origin: r.origin,
  firstSeenAt: r.first_seen_at,
  lastSeenAt: r.last_seen_at,
  resolvedAt: r.resolved_at,
});

/** `null` for an empty sum, as SQL's SUM gives it on both engines. */
const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

/**
 * The patch state of devices at a moment: what was pending then (first seen by then, not yet
 * resolved then), pending for more than `days`, and whether a restart was pending. The compliance
 * view asks for now, the monthly report for its month's end: one query for both. Engine-neutral.
 */
export class PatchRepository {
  constructor(private readonly db: RelationalStore) {}

  async complianceAt(at: number, days: number, filter: { clientId?: number; deviceId?: number } = {}): Promise<DeviceCompliance[]> {
    const before = overdueBefore(at, days);
    const rows = await this.db.kysely
      .selectFrom('devices as d')
      .innerJoin('clients as c', 'c.id', 'd.client_id')
      .innerJoin('sites as s', 's.id', 'd.site_id')
      .leftJoin('device_patch_status as st', 'st.device_id', 'd.id')
      .leftJoin('device_patches as p', (j) =>
        j
          .onRef('p.device_id', '=', 'd.id')
          .on('p.first_seen_at', '<=', at)
          .on((eb) => eb.or([eb('p.resolved_at', 'is', null), eb('p.resolved_at', '>', at)])),
      )
      .select((eb) => [
        'd.id as device_id',
        'd.hostname',
        'd.client_id',
        'c.name as client_name',
        'd.site_id',
        's.name as site_name',
        'd.platform',
        'st.source',
        'st.collected_at',
        'st.first_reported_at',
        'st.reboot_pending',
        // A number, not a boolean: PostgreSQL's EXISTS is a boolean, SQLite's an integer.
        eb
          .case()
          .when(
            eb.exists(
              eb
                .selectFrom('device_reboot_pending as r')
                .select('r.id')
                .whereRef('r.device_id', '=', 'd.id')
                .where('r.since', '<=', at)
                .where((w) => w.or([w('r.until', 'is', null), w('r.until', '>', at)])),
            ),
          )
          .then(1)
          .else(0)
          .end()
          .as('reboot_period'),
        eb.fn.count<number>('p.id').as('pending'),
        eb.fn.sum<number | null>('p.security').as('security'),
        eb.fn.sum<number | null>(eb.case().when('p.first_seen_at', '<', before).then(1).else(0).end()).as('overdue'),
        eb.fn.min('p.first_seen_at').as('oldest'),
      ])
      .where('d.kind', '=', 'agent')
      .where((eb) => eb.or([eb('d.created_at', '<=', at), eb('st.first_reported_at', '<=', at)]))
      .$if(filter.clientId !== undefined, (q) => q.where('d.client_id', '=', filter.clientId ?? -1))
      .$if(filter.deviceId !== undefined, (q) => q.where('d.id', '=', filter.deviceId ?? -1))
      // PostgreSQL wants every selected column grouped or functionally dependent: each table's key.
      .groupBy(['d.id', 'c.id', 's.id', 'st.device_id'])
      .orderBy('c.name')
      .orderBy('d.hostname')
      .orderBy('d.id')
      .execute();
    return rows.map((r) => {
      const reported = r.first_reported_at !== null && r.first_reported_at <= at;
      const pending = reported ? Number(r.pending) : 0;
      const overdue = reported ? (num(r.overdue) ?? 0) : 0;
      return {
        deviceId: r.device_id,
        hostname: r.hostname,
        clientId: r.client_id,
        clientName: r.client_name,
        siteId: r.site_id,
        siteName: r.site_name,
        platform: r.platform,
        source: reported ? (r.source as PatchSource | null) : null,
        collectedAt: reported && r.collected_at !== null && r.collected_at <= at ? r.collected_at : null,
        pending,
        security: reported ? (num(r.security) ?? 0) : 0,
        overdue,
        oldestPendingSince: reported ? num(r.oldest) : null,
        // A restart period covering `at`; else "no" where the platform can tell, null where it cannot.
        rebootPending: !reported ? null : Number(r.reboot_period) === 1 ? true : r.reboot_pending === null ? null : false,
        state: patchState({ reported, pending, overdue }),
      };
    });
  }

  /** A device's report header, its pending updates (security first, oldest first) and those resolved in the last 90 days. */
  async devicePatches(deviceId: number, now: number) {
    const k = this.db.kysely;
    const status = await k
      .selectFrom('device_patch_status')
      .select(['source', 'collected_at', 'reboot_pending', 'truncated'])
      .where('device_id', '=', deviceId)
      .executeTakeFirst();
    const pending = await k
      .selectFrom('device_patches')
      .select(PATCH_COLUMNS)
      .where('device_id', '=', deviceId)
      .where('resolved_at', 'is', null)
      .orderBy('security', 'desc')
      .orderBy('first_seen_at')
      .orderBy('name')
      .orderBy('arch')
      .execute();
    const recent = await k
      .selectFrom('device_patches')
      .select(PATCH_COLUMNS)
      .where('device_id', '=', deviceId)
      .where('resolved_at', '>=', now - 90 * 86_400_000)
      .orderBy('resolved_at', 'desc')
      .orderBy('name')
      .orderBy('arch')
      .orderBy('id')
      .limit(500)
      .execute();
    return {
      deviceId,
      source: (status?.source as PatchSource | undefined) ?? null,
      collectedAt: status?.collected_at ?? null,
      rebootPending: status ? (status.reboot_pending === null ? null : status.reboot_pending === 1) : null,
      truncated: status?.truncated === 1,
      pending: pending.map(patchView),
      recent: recent.map(patchView),
    };
  }

  /** Updates that stopped being pending in a period (installed, or withdrawn), per device: the report's "applied" figure. */
  async resolvedBetween(clientId: number, from: number, to: number): Promise<{ deviceId: number; count: number; security: number }[]> {
    const rows = await this.db.kysely
      .selectFrom('device_patches as p')
      .innerJoin('devices as d', 'd.id', 'p.device_id')
      .select((eb) => ['p.device_id', eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('p.security').as('security')])
      .where('d.client_id', '=', clientId)
      .where('p.resolved_at', '>=', from)
      .where('p.resolved_at', '<', to)
      .groupBy('p.device_id')
      .orderBy('p.device_id')
      .execute();
    return rows.map((r) => ({ deviceId: r.device_id, count: Number(r.count), security: Number(r.security) }));
  }

  /** The client owning a client, site or device; undefined when there is no such object. */
  async clientOf(scope: 'client' | 'site' | 'device', id: number): Promise<number | undefined> {
    const k = this.db.kysely;
    const row =
      scope === 'client'
        ? await k.selectFrom('clients').select('id as c').where('id', '=', id).executeTakeFirst()
        : scope === 'site'
          ? await k.selectFrom('sites').select('client_id as c').where('id', '=', id).executeTakeFirst()
          : await k.selectFrom('devices').select('client_id as c').where('id', '=', id).executeTakeFirst();
    return row?.c;
  }

  // The routes' reads. Kysely's SQLite connection is the one the store's write lock holds, so a read
  // never lands inside a transaction another request has open (the store's rule for routes).

  complianceNow(at: number, days: number, filter: { clientId?: number } = {}): Promise<DeviceCompliance[]> {
    return this.complianceAt(at, days, filter);
  }

  devicePatchesNow(deviceId: number, now: number) {
    return this.devicePatches(deviceId, now);
  }

  /** A device's install results, package by package, and its approvals with who gave them. */
  async installHistory(deviceId: number) {
    const k = this.db.kysely;
    const results = await k
      .selectFrom('patch_install_results')
      .select(['command_id as commandId', 'name', 'arch', 'version', 'state', 'attempts', 'error', 'finished_at as finishedAt'])
      .where('device_id', '=', deviceId)
      .orderBy('finished_at', 'desc')
      .orderBy('id', 'desc')
      .limit(500)
      .execute();
    const approvals = await k
      .selectFrom('patch_approvals as a')
      .leftJoin('users as u', 'u.id', 'a.approved_by')
      .select(['a.name', 'a.arch', 'a.version', 'a.state', 'a.note', 'a.approved_at as approvedAt', 'u.name as approvedBy', 'a.command_id as commandId'])
      .where('a.device_id', '=', deviceId)
      .orderBy('a.approved_at', 'desc')
      .orderBy('a.id', 'desc')
      .limit(500)
      .execute();
    return { results, approvals };
  }
}
