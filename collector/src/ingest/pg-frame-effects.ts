import type { AgentBody, Inventory, SiteDevice, SpoolReportBody } from '@vigie/shared';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../store/schema.js';
import type { CommitEffects } from './frame.js';
import { diffInventory } from './inventory-diff.js';
import { inventoryHash } from './sqlite-ingest-writer.js';

/**
 * What one agent frame stores, inside the PostgreSQL ingest transaction (pg-ingest-writer.ts):
 * the same rows, in the same order, as the SQLite writer's statements (sqlite-ingest-writer.ts).
 * Where SQLite wrote `max(a, b)` PostgreSQL writes `greatest(a, b)`, and `IS NOT` becomes
 * `IS DISTINCT FROM`; this file only ever runs on PostgreSQL.
 */
type Tx = Transaction<DB>;

/**
 * An agent's spool report: its cumulative loss counters kept at their highest (a report may arrive
 * late), each loss run once as a `spool.dropped` event of the device (the latest run may grow while
 * the agent keeps losing frames: its event is updated).
 */
export async function applySpoolReport(tx: Tx, agentId: string, deviceId: number, body: SpoolReportBody, now: number): Promise<void> {
  const r = body.spool;
  const row = await tx
    .updateTable('agents')
    .set({
      spool_next_seq: sql<number>`greatest(coalesce(spool_next_seq, 0), ${body.nextSeq})`,
      spool_dropped_frames: sql<number>`greatest(spool_dropped_frames, ${r.droppedFrames})`,
      spool_unspooled_frames: sql<number>`greatest(spool_unspooled_frames, ${r.unspooledFrames ?? 0})`,
      spool_in_doubt_frames: r.inDoubtFrames ?? 0,
      spool_pending_frames: r.pendingFrames,
      spool_reported_at: now,
    })
    .where('id', '=', agentId)
    .returning('spool_last_drop_id as lastDropId')
    .executeTakeFirst();
  if (!row) return;
  const lastDropId = Number(row.lastDropId);
  let last = lastDropId;
  for (const d of r.drops ?? []) {
    if (d.id < lastDropId) continue;
    const message =
      d.reason === 'disk-full'
        ? `${d.frames} trame(s) perdue(s) : disque de l’agent plein (seq ${d.fromSeq}–${d.toSeq})`
        : `${d.frames} trame(s) perdue(s) : file d’attente de l’agent pleine pendant une coupure (seq ${d.fromSeq}–${d.toSeq})`;
    const data = JSON.stringify({ id: d.id, reason: d.reason, frames: d.frames, fromSeq: d.fromSeq, toSeq: d.toSeq });
    const existing = d.id === lastDropId ? await dropEvent(tx, deviceId, d.id) : undefined;
    if (existing !== undefined) await tx.updateTable('agent_events').set({ message, data }).where('id', '=', existing).execute();
    else if (d.id > lastDropId)
      await tx
        .insertInto('agent_events')
        .values({ device_id: deviceId, seq: 0, kind: 'spool.dropped', severity: 'warning', message, data, occurred_at: d.at, received_at: now })
        .execute();
    last = Math.max(last, d.id);
  }
  if (last > lastDropId)
    await tx
      .updateTable('agents')
      .set({ spool_last_drop_id: sql<number>`greatest(spool_last_drop_id, ${last})` })
      .where('id', '=', agentId)
      .execute();
}

/**
 * The newest `spool.dropped` event of a device for a loss run. SQLite finds it with json_extract;
 * here the data's JSON is read in TypeScript (a device has few such events: only the latest run's
 * is ever looked for, among the newest ones).
 */
async function dropEvent(tx: Tx, deviceId: number, dropId: number): Promise<number | undefined> {
  const rows = await tx
    .selectFrom('agent_events')
    .select(['id', 'data'])
    .where('device_id', '=', deviceId)
    .where('kind', '=', 'spool.dropped')
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
  return rows.find((r) => r.data !== null && (JSON.parse(r.data) as { id?: number }).id === dropId)?.id;
}

/** The hello's facts, written only when they changed (a reconnecting fleet rewrites nothing). */
export async function applyHello(
  tx: Tx,
  agentId: string,
  deviceId: number,
  hello: { hostname: string; platform: string; arch: string; agentVersion: string },
): Promise<void> {
  await tx
    .updateTable('agents')
    .set({ agent_version: hello.agentVersion })
    .where('id', '=', agentId)
    .where('agent_version', 'is distinct from', hello.agentVersion)
    .execute();
  await tx
    .updateTable('devices')
    .set({ hostname: hello.hostname, platform: hello.platform, arch: hello.arch })
    .where('id', '=', deviceId)
    .where((eb) =>
      eb.or([
        eb('hostname', 'is distinct from', hello.hostname),
        eb('platform', 'is distinct from', hello.platform),
        eb('arch', 'is distinct from', hello.arch),
      ]),
    )
    .execute();
}

/**
 * Site role: the agentless device a site agent reports for, in the agent's own site (so an agent
 * can never write to another site's or client's devices). Created on first mention.
 */
export async function siteDeviceId(tx: Tx, reporterId: number, key: string, now: number): Promise<number> {
  const site = await tx.selectFrom('devices').select(['site_id', 'client_id']).where('id', '=', reporterId).executeTakeFirstOrThrow();
  const row = await tx.selectFrom('devices').select('id').where('site_id', '=', site.site_id).where('external_key', '=', key).executeTakeFirst();
  if (row) return row.id;
  const created = await tx
    .insertInto('devices')
    .values({
      site_id: site.site_id,
      client_id: site.client_id,
      kind: 'agentless',
      hostname: key.slice(key.indexOf(':') + 1),
      platform: null,
      serial: null,
      os_name: null,
      external_key: key,
      site_data: JSON.stringify({ reporterDeviceId: reporterId }),
      created_at: now,
      last_seen_at: null,
      watcher_id: reporterId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return created.id;
}

export async function upsertSiteDevice(tx: Tx, reporterId: number, d: SiteDevice, now: number): Promise<void> {
  const id = await siteDeviceId(tx, reporterId, d.key, now);
  await tx
    .updateTable('devices')
    .set({
      hostname: d.name,
      platform: d.kind,
      serial: d.serials[0]?.serial ?? null,
      os_name: d.description?.slice(0, 256) ?? null,
      site_data: JSON.stringify({ ...d, reporterDeviceId: reporterId }),
      watcher_id: reporterId,
      // Seen only when it answered, and never back in time.
      ...(d.reachable ? { last_seen_at: sql<number>`greatest(${d.observedAt}, coalesce(last_seen_at, 0))` } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function applyFlows(tx: Tx, reporterId: number, body: AgentBody<'flows'>, now: number): Promise<void> {
  const site = await tx.selectFrom('devices').select('site_id').where('id', '=', reporterId).executeTakeFirstOrThrow();
  for (const b of body.buckets) {
    const t = b.summary.total;
    // flow_buckets is not declared in the typed schema on this branch (the flows folder declares it).
    await sql`INSERT INTO flow_buckets (site_id, reporter_device_id, exporter, start, "end", bytes, packets, flows, summary, received_at)
      VALUES (${site.site_id}, ${reporterId}, ${b.exporter}, ${b.summary.start}, ${b.summary.end}, ${t.bytes}, ${t.packets}, ${t.flows}, ${JSON.stringify(b)}, ${now})`.execute(
      tx,
    );
  }
}

/** Check results: history, current state (never moved back in time), prune of targets a full run no longer reports. */
export async function applyChecks(tx: Tx, reporterId: number, body: AgentBody<'checks'>, now: number, effects: CommitEffects): Promise<void> {
  const targets = new Map<string, string[]>();
  const deviceId = body.device ? await siteDeviceId(tx, reporterId, body.device, now) : reporterId;
  for (const r of body.results) {
    const values = r.values ? JSON.stringify(r.values) : null;
    const before = await tx
      .selectFrom('check_state')
      .select('status')
      .where('device_id', '=', deviceId)
      .where('check', '=', r.check)
      .where('target', '=', r.target)
      .executeTakeFirst();
    if (before?.status !== r.status) effects.healthChanged.add(deviceId);
    await tx
      .insertInto('check_results')
      .values({ device_id: deviceId, check: r.check, target: r.target, status: r.status, code: r.code, message: r.message, values, observed_at: r.observedAt })
      .execute();
    if (body.device && r.check === 'snmp-reachable' && r.status === 'ok')
      await tx
        .updateTable('devices')
        .set({ last_seen_at: sql<number>`greatest(${r.observedAt}, coalesce(last_seen_at, 0))`, watcher_id: reporterId })
        .where('id', '=', deviceId)
        .where('kind', '=', 'agentless')
        .execute();
    await tx
      .insertInto('check_state')
      .values({
        device_id: deviceId,
        check: r.check,
        target: r.target,
        status: r.status,
        code: r.code,
        message: r.message,
        values,
        observed_at: r.observedAt,
        since: r.observedAt,
      })
      .onConflict((oc) =>
        oc
          .columns(['device_id', 'check', 'target'])
          .doUpdateSet((eb) => ({
            since: sql<number>`CASE WHEN check_state.status = excluded.status THEN check_state.since ELSE excluded.observed_at END`,
            status: eb.ref('excluded.status'),
            code: eb.ref('excluded.code'),
            message: eb.ref('excluded.message'),
            values: eb.ref('excluded.values'),
            observed_at: eb.ref('excluded.observed_at'),
          }))
          .where(sql<boolean>`excluded.observed_at >= check_state.observed_at`),
      )
      .execute();
    targets.set(r.check, [...(targets.get(r.check) ?? []), r.target]);
  }
  // A probe run reports all its targets: a target it no longer reports (removed from the policy)
  // leaves the current state, its history stays. A run that failed prunes nothing.
  for (const [check, list] of targets) {
    if (body.results.some((r) => r.check === check && r.code === 'PROBE_ERROR')) continue;
    await tx.deleteFrom('check_state').where('device_id', '=', deviceId).where('check', '=', check).where('target', 'not in', list).execute();
  }
}

/** Stores a snapshot and its changes when the inventory differs; returns the change count, or -1 if unchanged. */
export async function applyInventory(tx: Tx, deviceId: number, inv: Inventory, now: number): Promise<number> {
  const hash = inventoryHash(inv);
  const current = await tx.selectFrom('devices').select('inventory_hash').where('id', '=', deviceId).executeTakeFirst();
  if (current?.inventory_hash === hash) return -1;
  const prev = await tx.selectFrom('inventory_snapshots').select('data').where('device_id', '=', deviceId).orderBy('id', 'desc').limit(1).executeTakeFirst();
  const snap = await tx
    .insertInto('inventory_snapshots')
    .values({ device_id: deviceId, collected_at: inv.collectedAt, received_at: now, hash, data: JSON.stringify(inv) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const changes = prev
    ? diffInventory(JSON.parse(prev.data) as Inventory, inv).map((c) => ({
        section: c.section,
        change: c.change,
        item_key: c.key,
        before: json(c.before),
        after: json(c.after),
      }))
    : [{ section: 'device', change: 'added' as const, item_key: 'first inventory', before: null, after: null }];
  for (const c of changes)
    await tx
      .insertInto('inventory_changes')
      .values({ device_id: deviceId, snapshot_id: snap.id, changed_at: now, ...c })
      .execute();
  const osName = [inv.os.distro, inv.os.release].filter(Boolean).join(' ') || null;
  await tx
    .updateTable('devices')
    .set({
      inventory_hash: hash,
      hostname: inv.os.hostname,
      serial: inv.system.serial ?? null,
      machine_uuid: inv.system.uuid ?? null,
      os_name: osName,
      platform: inv.os.platform,
      arch: inv.os.arch ?? null,
    })
    .where('id', '=', deviceId)
    .execute();
  return changes.length;
}

function json(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}
