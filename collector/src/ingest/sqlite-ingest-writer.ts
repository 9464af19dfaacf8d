import { createHash } from 'node:crypto';
import { canonicalInventory, type Inventory, type SiteDevice, type SpoolReportBody } from '@vigie/shared';
import type { Transaction } from 'kysely';
import { PatchIngestTx } from '../patches/ingest-transactional.js';
import type { Database, SqliteHandle, Stmt } from '../store/database.js';
import type { DeviceSamples, MetricStore } from '../store/metric-store.js';
import type { DB } from '../store/schema.js';
import type { CommitEffects, IngestWriter, PendingFrame } from './frame.js';

/** Records what agents answer about signed commands, inside the same transaction (commands domain). */
export interface RemoteFrameSink {
  applyFrame(tx: Transaction<DB>, f: PendingFrame, now: number, effect: NonNullable<CommitEffects['remote']>): Promise<void>;
}

import { diffInventory } from './inventory-diff.js';

/** An agent's highest seq in the batch so far, and how many of its frames the batch stores. */
interface AgentBatchState {
  seq: number;
  deviceId: number;
  stored: number;
}

export function inventoryHash(inv: Inventory): string {
  return createHash('sha256').update(canonicalInventory(inv)).digest('hex');
}

/**
 * Commits a batch of agent frames in one SQLite transaction: samples, inventory snapshots with
 * their change history, check results, events, and each agent's highest committed seq — so an ack
 * is only ever sent for what is on disk, and a replayed frame is recognised by its seq.
 */
export class SqliteIngestWriter implements IngestWriter {
  private readonly s: Record<string, Stmt>;
  private readonly db: SqliteHandle;
  /** The patches domain, typed Kysely on the batch's transaction (the same code as the PostgreSQL writer's). */
  private readonly patches = new PatchIngestTx('sqlite');

  constructor(
    private readonly database: Database,
    private readonly metrics: MetricStore,
    private readonly remote?: RemoteFrameSink,
  ) {
    this.db = database.sqlite;
    const p = (sql: string) => this.db.prepare(sql);
    this.s = {
      agentSeen: p('UPDATE agents SET last_seq = max(last_seq, ?), frames_stored = frames_stored + ?, last_seen_at = ? WHERE id = ?'),
      spoolReport: p(
        `UPDATE agents SET spool_next_seq = max(coalesce(spool_next_seq, 0), ?), spool_dropped_frames = max(spool_dropped_frames, ?),
           spool_unspooled_frames = max(spool_unspooled_frames, ?), spool_in_doubt_frames = ?, spool_pending_frames = ?, spool_reported_at = ?
         WHERE id = ? RETURNING spool_last_drop_id AS lastDropId`,
      ),
      // Written only when they changed: a reconnecting fleet rewrites nothing.
      agentVersion: p('UPDATE agents SET agent_version = ? WHERE id = ? AND agent_version IS NOT ?'),
      deviceFromHello: p('UPDATE devices SET hostname = ?, platform = ?, arch = ? WHERE id = ? AND (hostname IS NOT ? OR platform IS NOT ? OR arch IS NOT ?)'),
      spoolLastDrop: p('UPDATE agents SET spool_last_drop_id = max(spool_last_drop_id, ?) WHERE id = ?'),
      dropEvent: p("SELECT id FROM agent_events WHERE device_id = ? AND kind = 'spool.dropped' AND json_extract(data, '$.id') = ? ORDER BY id DESC LIMIT 1"),
      updateEvent: p('UPDATE agent_events SET message = ?, data = ? WHERE id = ?'),
      agentLastSeq: p('SELECT last_seq FROM agents WHERE id = ?'),
      deviceSeen: p('UPDATE devices SET last_seen_at = ? WHERE id = ?'),
      lastSnapshot: p('SELECT data FROM inventory_snapshots WHERE device_id = ? ORDER BY id DESC LIMIT 1'),
      deviceHash: p('SELECT inventory_hash FROM devices WHERE id = ?'),
      insertSnapshot: p('INSERT INTO inventory_snapshots (device_id, collected_at, received_at, hash, data) VALUES (?,?,?,?,?)'),
      insertChange: p('INSERT INTO inventory_changes (device_id, snapshot_id, changed_at, section, change, item_key, before, after) VALUES (?,?,?,?,?,?,?,?)'),
      deviceFromInventory: p(
        'UPDATE devices SET inventory_hash = ?, hostname = ?, serial = ?, machine_uuid = ?, os_name = ?, platform = ?, arch = ? WHERE id = ?',
      ),
      insertCheck: p('INSERT INTO check_results (device_id, "check", target, status, code, message, "values", observed_at) VALUES (?,?,?,?,?,?,?,?)'),
      upsertCheckState: p(
        `INSERT INTO check_state (device_id, "check", target, status, code, message, "values", observed_at, since) VALUES (?,?,?,?,?,?,?,?,?)
         ON CONFLICT (device_id, "check", target) DO UPDATE SET
           since = CASE WHEN check_state.status = excluded.status THEN check_state.since ELSE excluded.observed_at END,
           status = excluded.status, code = excluded.code, message = excluded.message, "values" = excluded."values", observed_at = excluded.observed_at
         WHERE excluded.observed_at >= check_state.observed_at`,
      ),
      pruneCheckState: p('DELETE FROM check_state WHERE device_id = ? AND "check" = ? AND target NOT IN (SELECT value FROM json_each(?))'),
      insertEvent: p('INSERT INTO agent_events (device_id, seq, kind, severity, message, data, occurred_at, received_at) VALUES (?,?,?,?,?,?,?,?)'),
      insertCommandResult: p('INSERT INTO command_results (device_id, command_id, ok, output, error, received_at) VALUES (?,?,?,?,?,?)'),
      siteOf: p('SELECT site_id, client_id FROM devices WHERE id = ?'),
      checkStatus: p('SELECT status FROM check_state WHERE device_id = ? AND "check" = ? AND target = ?'),
      insertFlowBucket: p(
        'INSERT INTO flow_buckets (site_id, reporter_device_id, exporter, start, "end", bytes, packets, flows, summary, received_at) VALUES (?,?,?,?,?,?,?,?,?,?)',
      ),
      siteDevice: p('SELECT id FROM devices WHERE site_id = ? AND external_key = ?'),
      insertSiteDevice: p(
        `INSERT INTO devices (site_id, client_id, kind, hostname, platform, serial, os_name, external_key, site_data, created_at, last_seen_at, watcher_id)
         VALUES (?, ?, 'agentless', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateSiteDevice: p(
        'UPDATE devices SET hostname = ?, platform = ?, serial = ?, os_name = ?, site_data = ?, last_seen_at = CASE WHEN ? IS NULL THEN last_seen_at ELSE max(?, COALESCE(last_seen_at, 0)) END, watcher_id = ? WHERE id = ?',
      ),
      // A poll the device answered (its snmp-reachable check OK): seen then, by this watcher.
      agentlessAnswered: p("UPDATE devices SET last_seen_at = max(?, COALESCE(last_seen_at, 0)), watcher_id = ? WHERE id = ? AND kind = 'agentless'"),
    };
  }

  commit(frames: PendingFrame[], now: number): Promise<CommitEffects> {
    if (!this.metrics.sharesTransaction) return this.commitWithExternalMetrics(frames, now);
    return this.applyInTransaction(frames, now);
  }

  /**
   * The batch in one write transaction opened by Kysely on the shared connection (BEGIN IMMEDIATE):
   * the statements prepared here run inside it, and the commands domain (Kysely, engine-neutral)
   * writes in it through `tx`.
   */
  private async applyInTransaction(frames: PendingFrame[], now: number): Promise<CommitEffects> {
    // A controlled transaction, so a failed COMMIT reaches the caller as it is: SQLite ends the
    // transaction itself on some errors (SQLITE_FULL at commit…), and a ROLLBACK then would fail
    // ("no transaction is active") and hide the cause the store's health classifies.
    const tx = await this.database.kysely.startTransaction().execute();
    try {
      const effects = await this.apply(tx, frames, now);
      await tx.commit().execute();
      return effects;
    } catch (err) {
      try {
        await tx.rollback().execute(); // releases the connection, even when it fails
      } catch (rollbackError) {
        // Expected when SQLite already ended the transaction: the cause is `err`. Anything else is worse.
        if (this.db.inTransaction) throw rollbackError;
      }
      throw err;
    }
  }

  /**
   * An external metric store (InfluxDB) cannot join the SQLite transaction: its samples are written
   * and confirmed first, then the relational commit records each agent's seq, and only then is the
   * frame acknowledged. In this order a failure anywhere leaves the frame unacknowledged with its seq
   * uncommitted, so the agent sends it again; the other way round, a failed Influx write after the
   * seq was committed would make the resend look like a duplicate and its samples would never be
   * stored. The resend writes the same points again, which Influx stores once: a point is identified
   * by its measurement, tags and time, and writing it again replaces it with the same value.
   */
  private async commitWithExternalMetrics(frames: PendingFrame[], now: number): Promise<CommitEffects> {
    const samples = await this.database.writeTransaction(() => {
      const seqs = new Map<string, AgentBatchState>();
      const out: DeviceSamples[] = [];
      for (const f of frames) {
        // Spool reports (seq 0) are outside the agent's sequence: not a frame to check or count.
        if (f.msg.type === 'spool-report' || !this.fresh(seqs, f) || f.msg.type !== 'metrics') continue;
        // A site agent's first mention of an agentless device creates it here, before its samples are written.
        out.push({ deviceId: f.msg.body.device ? this.siteDeviceId(f.deviceId, f.msg.body.device, now) : f.deviceId, samples: f.msg.body.samples });
      }
      return out;
    });
    if (samples.length > 0) await this.metrics.write(samples);
    return this.applyInTransaction(frames, now);
  }

  /**
   * Whether a frame is past its agent's committed seq (tracked across the batch in `seqs`). Checked
   * inside the transaction: a frame replayed on a new connection while the old connection's copy
   * was still waiting to commit is stored only once. A fresh frame is counted as stored.
   */
  private fresh(seqs: Map<string, AgentBatchState>, f: PendingFrame): boolean {
    let state = seqs.get(f.agentId);
    if (!state) {
      const row = this.s.agentLastSeq!.get(f.agentId) as { last_seq: number } | undefined;
      state = { seq: Number(row?.last_seq ?? 0), deviceId: f.deviceId, stored: 0 };
      seqs.set(f.agentId, state);
    }
    if (f.msg.seq <= state.seq) return false;
    state.seq = f.msg.seq;
    state.stored++;
    return true;
  }

  private async apply(tx: Transaction<DB>, frames: PendingFrame[], now: number): Promise<CommitEffects> {
    const effects: CommitEffects = { inventoryChanged: [], devicesSeen: new Set(), healthChanged: new Set() };
    const seqs = new Map<string, AgentBatchState>();
    const samples: DeviceSamples[] = [];
    for (const f of frames) {
      if (f.msg.type === 'spool-report') {
        this.applySpoolReport(f.agentId, f.deviceId, f.msg.body, now);
        if (f.hello) {
          this.s.agentVersion!.run(f.hello.agentVersion, f.agentId, f.hello.agentVersion);
          this.s.deviceFromHello!.run(f.hello.hostname, f.hello.platform, f.hello.arch, f.deviceId, f.hello.hostname, f.hello.platform, f.hello.arch);
        }
        continue;
      }
      if (!this.fresh(seqs, f)) continue;
      const m = f.msg;
      switch (m.type) {
        case 'metrics':
          samples.push({ deviceId: m.body.device ? this.siteDeviceId(f.deviceId, m.body.device, now) : f.deviceId, samples: m.body.samples });
          break;
        case 'site-devices':
          for (const d of m.body.devices) this.upsertSiteDevice(f.deviceId, d, now);
          break;
        case 'flows': {
          const site = this.s.siteOf!.get(f.deviceId) as { site_id: number };
          for (const b of m.body.buckets) {
            const t = b.summary.total;
            this.s.insertFlowBucket!.run(
              site.site_id,
              f.deviceId,
              b.exporter,
              b.summary.start,
              b.summary.end,
              t.bytes,
              t.packets,
              t.flows,
              JSON.stringify(b),
              now,
            );
          }
          break;
        }
        case 'inventory': {
          const n = this.applyInventory(f.deviceId, m.body, now);
          if (n >= 0) effects.inventoryChanged.push({ deviceId: f.deviceId, changes: n });
          break;
        }
        case 'checks': {
          const targets = new Map<string, string[]>();
          const deviceId = m.body.device ? this.siteDeviceId(f.deviceId, m.body.device, now) : f.deviceId;
          for (const r of m.body.results) {
            const values = r.values ? JSON.stringify(r.values) : null;
            const before = this.s.checkStatus!.get(deviceId, r.check, r.target) as { status: string } | undefined;
            if (before?.status !== r.status) effects.healthChanged.add(deviceId);
            this.s.insertCheck!.run(deviceId, r.check, r.target, r.status, r.code, r.message, values, r.observedAt);
            if (m.body.device && r.check === 'snmp-reachable' && r.status === 'ok') this.s.agentlessAnswered!.run(r.observedAt, f.deviceId, deviceId);
            this.s.upsertCheckState!.run(deviceId, r.check, r.target, r.status, r.code, r.message, values, r.observedAt, r.observedAt);
            targets.set(r.check, [...(targets.get(r.check) ?? []), r.target]);
          }
          // A probe run reports all its targets: a target it no longer reports (removed from the
          // policy) leaves the current state, its history stays. A run that failed prunes nothing.
          for (const [check, list] of targets) {
            if (!m.body.results.some((r) => r.check === check && r.code === 'PROBE_ERROR')) this.s.pruneCheckState!.run(deviceId, check, JSON.stringify(list));
          }
          break;
        }
        case 'patches':
          await this.patches.apply(tx, f.deviceId, m.body, now);
          break;
        case 'event':
          this.s.insertEvent!.run(
            f.deviceId,
            m.seq,
            m.body.kind,
            m.body.severity,
            m.body.message,
            m.body.data ? JSON.stringify(m.body.data) : null,
            m.body.occurredAt,
            now,
          );
          break;
        case 'command-ack':
        case 'command-output':
          await this.remote?.applyFrame(tx, f, now, remoteEffect(effects));
          break;
        case 'command-result':
          await this.remote?.applyFrame(tx, f, now, remoteEffect(effects));
          // patch-install: each package's outcome (after the commands domain recorded the command's).
          await this.patches.applyInstallResult(tx, f.deviceId, f.agentId, m.body, now);
          this.s.insertCommandResult!.run(
            f.deviceId,
            m.body.commandId,
            m.body.ok ? 1 : 0,
            m.body.output ?? null,
            m.body.error ? JSON.stringify(m.body.error) : null,
            now,
          );
          break;
      }
    }
    // An external store's samples were written before this transaction (commitWithExternalMetrics).
    if (samples.length > 0 && this.metrics.sharesTransaction && this.metrics.write(samples) !== undefined)
      throw new Error(`metric store ${this.metrics.kind} claims to share the transaction but writes asynchronously`);
    for (const [agentId, { seq, deviceId, stored }] of seqs) {
      this.s.agentSeen!.run(seq, stored, now, agentId);
      this.s.deviceSeen!.run(now, deviceId);
      effects.devicesSeen.add(deviceId);
    }
    return effects;
  }

  /**
   * An agent's spool report: its cumulative loss counters (kept at their highest: a report may
   * arrive late), and each loss run once as a `spool.dropped` event of the device (the latest run
   * may grow while the agent keeps losing frames: its event is updated).
   */
  private applySpoolReport(agentId: string, deviceId: number, body: SpoolReportBody, now: number): void {
    const r = body.spool;
    const row = this.s.spoolReport!.get(body.nextSeq, r.droppedFrames, r.unspooledFrames ?? 0, r.inDoubtFrames ?? 0, r.pendingFrames, now, agentId) as
      | { lastDropId: number }
      | undefined;
    if (!row) return;
    let last = row.lastDropId;
    for (const d of r.drops ?? []) {
      if (d.id < row.lastDropId) continue;
      const message =
        d.reason === 'disk-full'
          ? `${d.frames} trame(s) perdue(s) : disque de l’agent plein (seq ${d.fromSeq}–${d.toSeq})`
          : `${d.frames} trame(s) perdue(s) : file d’attente de l’agent pleine pendant une coupure (seq ${d.fromSeq}–${d.toSeq})`;
      const data = JSON.stringify({ id: d.id, reason: d.reason, frames: d.frames, fromSeq: d.fromSeq, toSeq: d.toSeq });
      const existing = d.id === row.lastDropId ? (this.s.dropEvent!.get(deviceId, d.id) as { id: number } | undefined) : undefined;
      if (existing) this.s.updateEvent!.run(message, data, existing.id);
      else if (d.id > row.lastDropId) this.s.insertEvent!.run(deviceId, 0, 'spool.dropped', 'warning', message, data, d.at, now);
      last = Math.max(last, d.id);
    }
    if (last > row.lastDropId) this.s.spoolLastDrop!.run(last, agentId);
  }

  /**
   * Site role: the agentless device a site agent reports for, in the agent's own site (so an agent
   * can never write to another site's or client's devices). Created on first mention.
   */
  private siteDeviceId(reporterId: number, key: string, now: number): number {
    const site = this.s.siteOf!.get(reporterId) as { site_id: number; client_id: number };
    const row = this.s.siteDevice!.get(site.site_id, key) as { id: number } | undefined;
    if (row) return row.id;
    const address = key.slice(key.indexOf(':') + 1);
    const r = this.s.insertSiteDevice!.run(
      site.site_id,
      site.client_id,
      address,
      null,
      null,
      null,
      key,
      JSON.stringify({ reporterDeviceId: reporterId }),
      now,
      null,
      reporterId,
    );
    return Number(r.lastInsertRowid);
  }

  private upsertSiteDevice(reporterId: number, d: SiteDevice, now: number): void {
    const id = this.siteDeviceId(reporterId, d.key, now);
    const data = JSON.stringify({ ...d, reporterDeviceId: reporterId });
    const serial = d.serials[0]?.serial ?? null;
    this.s.updateSiteDevice!.run(
      d.name,
      d.kind,
      serial,
      d.description?.slice(0, 256) ?? null,
      data,
      d.reachable ? d.observedAt : null,
      d.reachable ? d.observedAt : null,
      reporterId,
      id,
    );
  }

  /** Stores a snapshot and its changes when the inventory differs; returns the change count, or -1 if unchanged. */
  private applyInventory(deviceId: number, inv: Inventory, now: number): number {
    const hash = inventoryHash(inv);
    const current = this.s.deviceHash!.get(deviceId) as { inventory_hash: string | null } | undefined;
    if (current?.inventory_hash === hash) return -1;
    const prevRow = this.s.lastSnapshot!.get(deviceId) as { data: string } | undefined;
    const snap = this.s.insertSnapshot!.run(deviceId, inv.collectedAt, now, hash, JSON.stringify(inv));
    const snapshotId = Number(snap.lastInsertRowid);
    let count = 0;
    if (prevRow) {
      for (const c of diffInventory(JSON.parse(prevRow.data) as Inventory, inv)) {
        this.s.insertChange!.run(deviceId, snapshotId, now, c.section, c.change, c.key, json(c.before), json(c.after));
        count++;
      }
    } else {
      this.s.insertChange!.run(deviceId, snapshotId, now, 'device', 'added', 'first inventory', null, null);
      count = 1;
    }
    const osName = [inv.os.distro, inv.os.release].filter(Boolean).join(' ') || null;
    this.s.deviceFromInventory!.run(
      hash,
      inv.os.hostname,
      inv.system.serial ?? null,
      inv.system.uuid ?? null,
      osName,
      inv.os.platform,
      inv.os.arch ?? null,
      deviceId,
    );
    return count;
  }
}

function remoteEffect(effects: CommitEffects): NonNullable<CommitEffects['remote']> {
  if (!effects.remote) effects.remote = { live: [], queued: [], regrant: [] };
  return effects.remote;
}

function json(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}
