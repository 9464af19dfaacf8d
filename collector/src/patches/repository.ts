import type { DeviceCompliance, DevicePatch, PatchSource } from '@vigie/shared';
import type { Database } from '../store/database.js';
import { overdueBefore, patchState } from './compliance.js';

interface ComplianceRow {
  device_id: number;
  hostname: string;
  client_id: number;
  client_name: string;
  site_id: number;
  site_name: string;
  platform: string | null;
  source: PatchSource | null;
  collected_at: number | null;
  first_reported_at: number | null;
  reboot_pending: 0 | 1 | null;
  reboot_period: 0 | 1;
  pending: number;
  security: number | null;
  overdue: number | null;
  oldest: number | null;
}

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

/**
 * The patch state of devices at a moment: what was pending then (first seen by then, not yet
 * resolved then), pending for more than `days`, and whether a restart was pending. The compliance
 * view asks for now, the monthly report for its month's end: one query for both.
 */
export class PatchRepository {
  constructor(private readonly db: Database) {}

  complianceAt(at: number, days: number, filter: { clientId?: number; deviceId?: number } = {}): DeviceCompliance[] {
    const where = ["d.kind = 'agent'", '(d.created_at <= @at OR st.first_reported_at <= @at)'];
    if (filter.clientId !== undefined) where.push('d.client_id = @clientId');
    if (filter.deviceId !== undefined) where.push('d.id = @deviceId');
    const rows = this.db.sqlite
      .prepare(
        `SELECT d.id AS device_id, d.hostname, d.client_id, c.name AS client_name, d.site_id, s.name AS site_name, d.platform,
                st.source, st.collected_at, st.first_reported_at, st.reboot_pending,
                EXISTS (SELECT 1 FROM device_reboot_pending r WHERE r.device_id = d.id AND r.since <= @at AND (r.until IS NULL OR r.until > @at)) AS reboot_period,
                COUNT(p.id) AS pending, SUM(p.security) AS security, SUM(p.first_seen_at < @overdueBefore) AS overdue, MIN(p.first_seen_at) AS oldest
         FROM devices d
         JOIN clients c ON c.id = d.client_id
         JOIN sites s ON s.id = d.site_id
         LEFT JOIN device_patch_status st ON st.device_id = d.id
         LEFT JOIN device_patches p ON p.device_id = d.id AND p.first_seen_at <= @at AND (p.resolved_at IS NULL OR p.resolved_at > @at)
         WHERE ${where.join(' AND ')}
         GROUP BY d.id
         ORDER BY c.name, d.hostname, d.id`,
      )
      .all({ at, overdueBefore: overdueBefore(at, days), clientId: filter.clientId ?? null, deviceId: filter.deviceId ?? null }) as ComplianceRow[];
    return rows.map((r) => {
      const reported = r.first_reported_at !== null && r.first_reported_at <= at;
      const pending = reported ? r.pending : 0;
      const overdue = reported ? (r.overdue ?? 0) : 0;
      return {
        deviceId: r.device_id,
        hostname: r.hostname,
        clientId: r.client_id,
        clientName: r.client_name,
        siteId: r.site_id,
        siteName: r.site_name,
        platform: r.platform,
        source: reported ? r.source : null,
        collectedAt: reported && r.collected_at !== null && r.collected_at <= at ? r.collected_at : null,
        pending,
        security: reported ? (r.security ?? 0) : 0,
        overdue,
        oldestPendingSince: reported ? r.oldest : null,
        // A restart period covering `at`; else "no" where the platform can tell, null where it cannot.
        rebootPending: !reported ? null : r.reboot_period === 1 ? true : r.reboot_pending === null ? null : false,
        state: patchState({ reported, pending, overdue }),
      };
    });
  }

  /** A device's report header, its pending updates (security first, oldest first) and those resolved in the last 90 days. */
  devicePatches(deviceId: number, now: number) {
    const status = this.db.sqlite
      .prepare('SELECT source, collected_at, reboot_pending, truncated FROM device_patch_status WHERE device_id = ?')
      .get(deviceId) as { source: PatchSource; collected_at: number; reboot_pending: 0 | 1 | null; truncated: 0 | 1 } | undefined;
    const cols = 'name, arch, installed_version, candidate_version, security, reboot_required, title, origin, first_seen_at, last_seen_at, resolved_at';
    const pending = this.db.sqlite
      .prepare(`SELECT ${cols} FROM device_patches WHERE device_id = ? AND resolved_at IS NULL ORDER BY security DESC, first_seen_at, name, arch`)
      .all(deviceId) as PatchRow[];
    const recent = this.db.sqlite
      .prepare(`SELECT ${cols} FROM device_patches WHERE device_id = ? AND resolved_at >= ? ORDER BY resolved_at DESC, name LIMIT 500`)
      .all(deviceId, now - 90 * 86_400_000) as PatchRow[];
    return {
      deviceId,
      source: status?.source ?? null,
      collectedAt: status?.collected_at ?? null,
      rebootPending: status ? (status.reboot_pending === null ? null : status.reboot_pending === 1) : null,
      truncated: status?.truncated === 1,
      pending: pending.map(patchView),
      recent: recent.map(patchView),
    };
  }

  /** Updates that stopped being pending in a period (installed, or withdrawn), per device: the report's "applied" figure. */
  resolvedBetween(clientId: number, from: number, to: number): { deviceId: number; count: number; security: number }[] {
    return (
      this.db.sqlite
        .prepare(
          `SELECT p.device_id, COUNT(*) AS count, SUM(p.security) AS security FROM device_patches p JOIN devices d ON d.id = p.device_id
           WHERE d.client_id = ? AND p.resolved_at >= ? AND p.resolved_at < ? GROUP BY p.device_id`,
        )
        .all(clientId, from, to) as { device_id: number; count: number; security: number }[]
    ).map((r) => ({ deviceId: r.device_id, count: r.count, security: r.security }));
  }

  // What the routes read: under the write lock, so a read never lands inside a transaction another
  // request has open on the shared connection (the store's rule for routes).

  /** The client owning a client, site or device; undefined when there is no such object. */
  clientOf(scope: 'client' | 'site' | 'device', id: number): Promise<number | undefined> {
    const query = {
      client: 'SELECT id AS c FROM clients WHERE id = ?',
      site: 'SELECT client_id AS c FROM sites WHERE id = ?',
      device: 'SELECT client_id AS c FROM devices WHERE id = ?',
    }[scope];
    return this.db.writeLock(() => (this.db.sqlite.prepare(query).get(id) as { c: number } | undefined)?.c);
  }

  complianceNow(at: number, days: number, filter: { clientId?: number } = {}): Promise<DeviceCompliance[]> {
    return this.db.writeLock(() => this.complianceAt(at, days, filter));
  }

  devicePatchesNow(deviceId: number, now: number) {
    return this.db.writeLock(() => this.devicePatches(deviceId, now));
  }

  /** A device's install results, package by package, and its approvals with who gave them. */
  installHistory(deviceId: number) {
    return this.db.writeLock(() => ({
      results: this.db.sqlite
        .prepare(
          'SELECT command_id AS commandId, name, arch, version, state, attempts, error, finished_at AS finishedAt FROM patch_install_results WHERE device_id = ? ORDER BY finished_at DESC, id DESC LIMIT 500',
        )
        .all(deviceId),
      approvals: this.db.sqlite
        .prepare(
          `SELECT a.name, a.arch, a.version, a.state, a.note, a.approved_at AS approvedAt, u.name AS approvedBy, a.command_id AS commandId
           FROM patch_approvals a LEFT JOIN users u ON u.id = a.approved_by WHERE a.device_id = ? ORDER BY a.approved_at DESC, a.id DESC LIMIT 500`,
        )
        .all(deviceId),
    }));
  }
}
