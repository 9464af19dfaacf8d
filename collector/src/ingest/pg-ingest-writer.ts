import type { AgentBody, PatchesBody } from '@vigie/shared';
import { CompiledQuery, sql, type Transaction } from 'kysely';
import type { DeviceSamples, MetricStore } from '../store/metric-store.js';
import { NO_PARTITION, PgMetricStore, type SampleWriteDone, type SampleWritePlan } from '../store/postgres/pg-metric-store.js';
import type { PostgresDatabase } from '../store/postgres-database.js';
import type { DB } from '../store/schema.js';
import type { CommitEffects, IngestWriter, PendingFrame } from './frame.js';
import { applyChecks, applyFlows, applyHello, applyInventory, applySpoolReport, siteDeviceId, upsertSiteDevice } from './pg-frame-effects.js';

/**
 * What other domains store for a frame, inside the PostgreSQL ingest transaction: the Kysely
 * Kysely domains (`PatchIngestTx`, the SQLite writer's too, and `RemoteFrameSink`) (the patches and
 * commands folders provide them once they are on Kysely). A frame of theirs with no such sink
 * wired is refused (the batch fails, the agent keeps the frame and sends it again), never skipped.
 */
export interface TransactionalFrameDomains {
  patches?: {
    apply(tx: Transaction<DB>, deviceId: number, body: PatchesBody, now: number): Promise<unknown>;
    applyInstallResult(tx: Transaction<DB>, deviceId: number, agentId: string, body: AgentBody<'command-result'>, now: number): Promise<void>;
  };
  remote?: {
    applyFrame(tx: Transaction<DB>, f: PendingFrame, now: number, effect: NonNullable<CommitEffects['remote']>): Promise<void>;
  };
}

/** An agent's seq as committed (locked at the start of the transaction), the highest in the batch so far, and its frames stored. */
interface AgentBatchState {
  seq: number;
  deviceId: number;
  stored: number;
}

/** PostgreSQL errors after which the whole transaction is simply tried again: deadlock, serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

/**
 * Commits a batch of agent frames in one PostgreSQL transaction: each agent's sequence watermark
 * checked and advanced, the metric samples (in the PostgreSQL metric store's tables when it lives
 * in the same database), inventory, checks, events, flows, site devices, spool reports, and the
 * other domains' effects (patches, commands). An ack is only ever sent for what is committed.
 *
 * Several collectors share the database, and after a fail-over an agent resends its unacknowledged
 * frames to another one while the first may still be committing them. The agents' rows are locked
 * (`SELECT … FOR UPDATE`, in id order so two batches never deadlock on them) before their seqs are
 * read: a second transaction carrying the same frames waits for the first, then reads the seq it
 * committed and stores nothing of them. A frame committed whose ack was lost (a crash between
 * commit and ack) is recognised the same way when it comes again.
 */
export class PgIngestWriter implements IngestWriter {
  /** The metric store joins the transaction only when its tables are in this database. */
  private readonly sharedMetrics: PgMetricStore | undefined;
  readonly stats = { transactions: 0, retries: 0, framesStored: 0, framesAlreadyStored: 0 };

  constructor(
    private readonly db: PostgresDatabase,
    private readonly metrics: MetricStore,
    private readonly domains: TransactionalFrameDomains = {},
  ) {
    this.sharedMetrics = metrics instanceof PgMetricStore && db.holds(metrics.target) ? metrics : undefined;
  }

  async commit(frames: PendingFrame[], now: number): Promise<CommitEffects> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commitOnce(frames, now);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= ATTEMPTS || !(code && (RETRYABLE.has(code) || code === NO_PARTITION))) throw err;
        this.stats.retries++;
        // Another collector's retention pass dropped a partition this process had cached.
        if (code === NO_PARTITION) await this.sharedMetrics?.reloadPartitions();
      }
    }
  }

  private async commitOnce(frames: PendingFrame[], now: number): Promise<CommitEffects> {
    // Samples of frames that turn out to be already stored are planned too: their partitions are
    // created (DDL, outside the transaction) for nothing, which is harmless.
    const candidate = this.sharedMetrics?.planWrite(metricFrames(frames).map((f) => ({ deviceId: f.deviceId, samples: f.msg.body.samples })));
    if (candidate) await this.sharedMetrics!.ensurePartitions(candidate);
    if (!this.sharedMetrics) await this.writeExternalMetrics(frames, now);
    let written: { plan: SampleWritePlan; done: SampleWriteDone } | undefined;
    const { effects, stored, already } = await this.db.kysely.transaction().execute(async (tx) => {
      const out = await this.apply(tx, frames, now);
      if (this.sharedMetrics && out.samples.length > 0) {
        const plan = this.sharedMetrics.planWrite(out.samples);
        if (plan) {
          const run = async (text: string, values: unknown[]) => ({ rows: (await tx.executeQuery(CompiledQuery.raw(text, values))).rows });
          written = { plan, done: await this.sharedMetrics.writeWithin(run, plan) };
        }
      }
      return out;
    });
    if (written) this.sharedMetrics!.committed(written.plan, written.done);
    this.stats.transactions++;
    this.stats.framesStored += stored;
    this.stats.framesAlreadyStored += already;
    return effects;
  }

  /**
   * A metric store outside this database (InfluxDB, or PostgreSQL elsewhere) cannot join the
   * transaction: the samples of the frames not yet committed are written and confirmed first, then
   * the transaction records the seqs (as the SQLite writer does, sqlite-ingest-writer.ts). A resend
   * writes the same points again, which both stores keep once.
   */
  private async writeExternalMetrics(frames: PendingFrame[], now: number): Promise<void> {
    const pending = metricFrames(frames);
    if (pending.length === 0) return;
    const samples = await this.db.kysely.transaction().execute(async (tx) => {
      const committed = await this.committedSeqs(tx, pending, false);
      const out: DeviceSamples[] = [];
      for (const f of pending) {
        if (f.msg.seq <= (committed.get(f.agentId) ?? 0)) continue;
        out.push({ deviceId: f.msg.body.device ? await siteDeviceId(tx, f.deviceId, f.msg.body.device, now) : f.deviceId, samples: f.msg.body.samples });
      }
      return out;
    });
    if (samples.length > 0) await this.metrics.write(samples);
  }

  /** The committed seq of each agent of the frames; `lock`: their rows locked until the transaction ends, in id order. */
  private async committedSeqs(tx: Transaction<DB>, frames: PendingFrame[], lock: boolean): Promise<Map<string, number>> {
    const ids = [...new Set(frames.map((f) => f.agentId))].sort();
    if (ids.length === 0) return new Map();
    const q = tx.selectFrom('agents').select(['id', 'last_seq']).where('id', 'in', ids).orderBy('id');
    const rows = await (lock ? q.forUpdate() : q).execute();
    return new Map(rows.map((r) => [r.id, Number(r.last_seq)]));
  }

  private async apply(tx: Transaction<DB>, frames: PendingFrame[], now: number) {
    const effects: CommitEffects = { inventoryChanged: [], devicesSeen: new Set(), healthChanged: new Set() };
    // Spool reports update the agents' rows too: every agent of the batch is locked first, in one order.
    const committed = await this.committedSeqs(tx, frames, true);
    const seqs = new Map<string, AgentBatchState>();
    const samples: DeviceSamples[] = [];
    let already = 0;
    for (const f of frames) {
      if (f.msg.type === 'spool-report') {
        await applySpoolReport(tx, f.agentId, f.deviceId, f.msg.body, now);
        if (f.hello) await applyHello(tx, f.agentId, f.deviceId, f.hello);
        continue;
      }
      // Whether the frame is past its agent's committed seq (tracked across the batch).
      let state = seqs.get(f.agentId);
      if (!state) {
        const c = committed.get(f.agentId) ?? 0;
        state = { seq: c, deviceId: f.deviceId, stored: 0 };
        seqs.set(f.agentId, state);
      }
      if (f.msg.seq <= state.seq) {
        already++;
        continue;
      }
      state.seq = f.msg.seq;
      state.stored++;
      await this.applyFrame(tx, f, now, effects, samples);
    }
    if (seqs.size > 0) {
      // Two statements for the whole batch (one per agent and one per device were two round trips an agent).
      // The agents' rows are locked: the seqs read at the start are still the committed ones, and each `seq` is at least its own.
      const ids: string[] = [];
      const lastSeqs: number[] = [];
      const counts: number[] = [];
      const devices = new Set<number>();
      for (const [agentId, { seq, deviceId, stored }] of seqs) {
        ids.push(agentId);
        lastSeqs.push(seq);
        counts.push(stored);
        devices.add(deviceId);
      }
      await sql`UPDATE agents AS a SET last_seq = v.seq, frames_stored = a.frames_stored + v.stored, last_seen_at = ${now}
        FROM unnest(${ids}::text[], ${lastSeqs}::bigint[], ${counts}::integer[]) AS v(id, seq, stored) WHERE a.id = v.id`.execute(tx);
      await sql`UPDATE devices SET last_seen_at = ${now} WHERE id = ANY(${[...devices]}::integer[])`.execute(tx);
      for (const d of devices) effects.devicesSeen.add(d);
    }
    let stored = 0;
    for (const s of seqs.values()) stored += s.stored;
    return { effects, samples, stored, already };
  }

  private async applyFrame(tx: Transaction<DB>, f: PendingFrame, now: number, effects: CommitEffects, samples: DeviceSamples[]): Promise<void> {
    const m = f.msg;
    switch (m.type) {
      case 'metrics':
        // An external store's samples were written before this transaction (writeExternalMetrics).
        if (this.sharedMetrics)
          samples.push({ deviceId: m.body.device ? await siteDeviceId(tx, f.deviceId, m.body.device, now) : f.deviceId, samples: m.body.samples });
        return;
      case 'site-devices':
        for (const d of m.body.devices) await upsertSiteDevice(tx, f.deviceId, d, now);
        return;
      case 'flows':
        return applyFlows(tx, f.deviceId, m.body, now);
      case 'inventory': {
        const n = await applyInventory(tx, f.deviceId, m.body, now);
        if (n >= 0) effects.inventoryChanged.push({ deviceId: f.deviceId, changes: n });
        return;
      }
      case 'checks':
        return applyChecks(tx, f.deviceId, m.body, now, effects);
      case 'patches':
        await this.domain('patches', m.type).apply(tx, f.deviceId, m.body, now);
        return;
      case 'event':
        await tx
          .insertInto('agent_events')
          .values({
            device_id: f.deviceId,
            seq: m.seq,
            kind: m.body.kind,
            severity: m.body.severity,
            message: m.body.message,
            data: m.body.data ? JSON.stringify(m.body.data) : null,
            occurred_at: m.body.occurredAt,
            received_at: now,
          })
          .execute();
        return;
      case 'command-ack':
      case 'command-output':
        return this.domain('remote', m.type).applyFrame(tx, f, now, remoteEffect(effects));
      case 'command-result':
        await this.domain('remote', m.type).applyFrame(tx, f, now, remoteEffect(effects));
        // patch-install: each package's outcome (after the commands domain recorded the command's).
        await this.domain('patches', m.type).applyInstallResult(tx, f.deviceId, f.agentId, m.body, now);
        await tx
          .insertInto('command_results')
          .values({
            device_id: f.deviceId,
            command_id: m.body.commandId,
            ok: m.body.ok ? 1 : 0,
            output: m.body.output ?? null,
            error: m.body.error ? JSON.stringify(m.body.error) : null,
            received_at: now,
          })
          .execute();
        return;
    }
  }

  private domain<K extends keyof TransactionalFrameDomains>(name: K, frame: string): NonNullable<TransactionalFrameDomains[K]> {
    const d = this.domains[name];
    if (!d) throw new Error(`PostgreSQL ingest: no transactional ${name} sink to store a ${frame} frame (the ${name} domain is not on Kysely yet)`);
    return d;
  }
}

function metricFrames(frames: PendingFrame[]): (PendingFrame & { msg: { type: 'metrics'; seq: number; body: AgentBody<'metrics'> } })[] {
  return frames.filter((f): f is PendingFrame & { msg: { type: 'metrics'; seq: number; body: AgentBody<'metrics'> } } => f.msg.type === 'metrics');
}

function remoteEffect(effects: CommitEffects): NonNullable<CommitEffects['remote']> {
  if (!effects.remote) effects.remote = { live: [], queued: [], regrant: [] };
  return effects.remote;
}
