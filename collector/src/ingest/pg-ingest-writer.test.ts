/**
 * The PostgreSQL ingest writer against a real PostgreSQL (Debian's `postgresql`, started here):
 * a batch's watermark and samples in one transaction, and an acknowledged frame stored exactly once
 * when two collectors (two pools) race on the same agents' frames after a fail-over, or when a frame
 * committed whose ack was lost comes again.
 */
import { type Postgres, startPostgres } from '@vigie/testkit';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PgMetricStore } from '../store/postgres/pg-metric-store.js';
import { parsePostgresUrl } from '../store/postgres/pg-target.js';
import { PostgresDatabase } from '../store/postgres-database.js';
import type { FrameSink, PendingFrame } from './frame.js';
import { PgIngestWriter } from './pg-ingest-writer.js';
import { IngestPipeline } from './pipeline.js';

let postgres: Postgres;
let databases = 0;
const closers = new Set<() => Promise<void>>();

beforeAll(async () => {
  postgres = await startPostgres({ fast: true });
});
afterAll(async () => {
  await postgres?.stop();
});
afterEach(async () => {
  const all = [...closers].reverse();
  closers.clear();
  for (const close of all) await close();
});

const T0 = Date.UTC(2026, 11, 5, 10);

/** A fresh database with two agents (devices 1 and 2) on one site. */
async function freshDatabase(): Promise<string> {
  const url = await postgres.createDatabase(`ingest_${++databases}`);
  const db = await collectorStore(url);
  await db.kysely.insertInto('clients').values({ id: 1, name: 'c', created_at: 0 }).execute();
  await db.kysely.insertInto('sites').values({ id: 1, client_id: 1, name: 's', created_at: 0 }).execute();
  for (const n of [1, 2]) {
    await db.kysely
      .insertInto('devices')
      .values({ id: n, site_id: 1, client_id: 1, kind: 'agent', hostname: `h${n}`, created_at: 0 })
      .execute();
    await db.kysely
      .insertInto('agents')
      .values({ id: `a${n}`, device_id: n, secret_hash: 'x', created_at: 0, last_seq: 0 })
      .execute();
  }
  return url;
}

async function collectorStore(url: string): Promise<PostgresDatabase> {
  const db = new PostgresDatabase({ url });
  closers.add(() => db.close());
  await db.migrate();
  return db;
}

/** One collector: its own relational pool and its own metric store pool on the shared database. */
async function collector(url: string) {
  const db = new PostgresDatabase({ url });
  const metrics = await PgMetricStore.open(parsePostgresUrl(url), { poolSize: 2 });
  const close = async () => {
    closers.delete(close);
    await metrics.close();
    await db.close();
  };
  closers.add(close);
  return { db, metrics, writer: new PgIngestWriter(db, metrics), close };
}

const event = (agent: number, seq: number): PendingFrame => ({
  agentId: `a${agent}`,
  deviceId: agent,
  receivedAt: 0,
  values: 0,
  msg: { v: 1, type: 'event', seq, ts: 1, body: { kind: 'test', severity: 'info', message: `event ${seq}`, occurredAt: T0 } },
});
const metrics = (agent: number, seq: number): PendingFrame => ({
  agentId: `a${agent}`,
  deviceId: agent,
  receivedAt: 0,
  values: 2,
  msg: { v: 1, type: 'metrics', seq, ts: 1, body: { samples: [{ ts: T0 + seq * 1000, values: { 'cpu.pct': seq, 'mem.pct': seq / 2 } }] } },
});
/** An agent's frames: odd seqs events, even seqs two metric values. */
const frame = (agent: number, seq: number) => (seq % 2 === 1 ? event(agent, seq) : metrics(agent, seq));

const sink = (): FrameSink & { acks: number[]; failures: string[] } => {
  const acks: number[] = [];
  const failures: string[] = [];
  const s = {
    acks,
    failures,
    generation: 0,
    committed: (seq: number) => acks.push(seq),
    failed: (_seq: number, err: Error) => {
      s.generation++;
      failures.push(err.message);
    },
    storeRefused: () => {
      s.generation++;
    },
  };
  return s;
};

async function stored(db: PostgresDatabase, agent: number) {
  const events = await db.kysely.selectFrom('agent_events').select('seq').where('device_id', '=', agent).orderBy('id').execute();
  const samples = await sql<{
    ts: number;
    value: number;
  }>`SELECT ts, value FROM vigie_metrics.samples WHERE device_id = ${agent} ORDER BY ts, series_id`.execute(db.kysely);
  const a = await db.kysely.selectFrom('agents').select(['last_seq', 'frames_stored']).where('id', '=', `a${agent}`).executeTakeFirstOrThrow();
  return { eventSeqs: events.map((e) => e.seq), samples: samples.rows.map((r) => [Number(r.ts), Number(r.value)]), ...a };
}

const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const expectedSamples = (n: number) =>
  seqs(1, n).flatMap((s) =>
    s % 2 === 0
      ? [
          [T0 + s * 1000, s],
          [T0 + s * 1000, s / 2],
        ]
      : [],
  );

describe('PostgreSQL ingest writer', () => {
  it('commits events, samples and the watermark together; a replay in a later batch stores nothing', async () => {
    const url = await freshDatabase();
    const { db, metrics: store, writer } = await collector(url);
    const effects = await writer.commit([frame(1, 1), frame(1, 2), frame(1, 3), frame(1, 4)], T0);
    expect([...effects.devicesSeen]).toEqual([1]);
    await writer.commit([frame(1, 3), frame(1, 4), frame(1, 5)], T0 + 1);
    const s = await stored(db, 1);
    expect(s.eventSeqs).toEqual([1, 3, 5]);
    expect(s.samples).toEqual(expectedSamples(4));
    expect({ last: s.last_seq, frames: s.frames_stored }).toEqual({ last: 5, frames: 5 });
    expect(writer.stats).toMatchObject({ framesStored: 5, framesAlreadyStored: 2 });
    // Cached and readable once committed.
    expect(await store.latest(1)).toEqual({ 'cpu.pct': { ts: T0 + 4000, value: 4 }, 'mem.pct': { ts: T0 + 4000, value: 2 } });
  });

  it('rolls the samples back with the watermark when a frame of the batch cannot be stored', async () => {
    const url = await freshDatabase();
    const { db, writer } = await collector(url);
    const patches: PendingFrame = {
      agentId: 'a1',
      deviceId: 1,
      receivedAt: 0,
      values: 0,
      msg: { v: 1, type: 'patches', seq: 3, ts: 1, body: { source: 'apt', collectedAt: T0, rebootPending: null, truncated: false, updates: [] } },
    } as PendingFrame;
    // No patches domain is wired to this writer: the batch fails as a whole.
    await expect(writer.commit([frame(1, 1), frame(1, 2), patches], T0)).rejects.toThrow(/no transactional patches sink/);
    expect(await stored(db, 1)).toEqual({ eventSeqs: [], samples: [], last_seq: 0, frames_stored: 0 });
    // The agent sends them again (without the frame this collector cannot store): stored once.
    await writer.commit([frame(1, 1), frame(1, 2)], T0);
    expect(await stored(db, 1)).toMatchObject({ eventSeqs: [1], samples: expectedSamples(2), last_seq: 2, frames_stored: 2 });
  });

  it('two collectors racing on the same agents’ frames after a fail-over store each value once, the watermark exact', async () => {
    const url = await freshDatabase();
    const a = await collector(url);
    const b = await collector(url);
    const N = 60;
    // Each agent sends frames to A; before any ack came back it fails over to B and sends again
    // everything from its last ack on, while A is still committing; a third copy goes to A on a
    // new connection. Every copy starts at the agent's last ack (an agent resends in order), so A
    // and B commit overlapping batches at the same time, the two agents in either order.
    for (let from = 1; from <= N; from += 12) {
      const batch = (agent: number, last: number) => seqs(from, Math.min(last, N)).map((s) => frame(agent, s));
      await Promise.all([
        a.writer.commit([...batch(1, from + 5), ...batch(2, from + 5)], T0),
        b.writer.commit([...batch(2, from + 11), ...batch(1, from + 11)], T0),
        a.writer.commit(batch(1, from + 8), T0),
      ]);
    }
    for (const agent of [1, 2]) {
      const s = await stored(a.db, agent);
      expect(s.eventSeqs).toEqual(seqs(1, N).filter((x) => x % 2 === 1));
      expect(s.samples).toEqual(expectedSamples(N));
      expect({ last: s.last_seq, frames: s.frames_stored }).toEqual({ last: N, frames: N });
    }
    // Every frame was stored by exactly one of them; the others saw its seq already committed.
    expect(a.writer.stats.framesStored + b.writer.stats.framesStored).toBe(2 * N);
  });

  it('a frame committed whose ack was lost (crash between commit and ack) comes again to another collector: nothing stored twice', async () => {
    const url = await freshDatabase();
    const a = await collector(url);
    const pipelineA = new IngestPipeline(a.writer);
    const lost = sink();
    for (const s of seqs(1, 8)) pipelineA.enqueue(frame(1, s), lost);
    await pipelineA.drain();
    // Collector A dies right after its commit: its pools go away, the agent never hears the acks.
    await a.close();
    const b = await collector(url);
    const pipelineB = new IngestPipeline(b.writer);
    const agent = sink();
    for (const s of seqs(1, 10)) pipelineB.enqueue(frame(1, s), agent);
    await pipelineB.drain();
    expect(agent.failures).toEqual([]);
    expect(agent.acks.at(-1)).toBe(10);
    const s = await stored(b.db, 1);
    expect(s.eventSeqs).toEqual([1, 3, 5, 7, 9]);
    expect(s.samples).toEqual(expectedSamples(10));
    expect({ last: s.last_seq, frames: s.frames_stored }).toEqual({ last: 10, frames: 10 });
    expect(b.writer.stats).toMatchObject({ framesStored: 2, framesAlreadyStored: 8 });
  });

  it('with metrics in another database (not the same transaction): samples written before the seqs, a resend stored once', async () => {
    const url = await freshDatabase();
    const db = await collectorStore(url);
    const elsewhere = await postgres.createDatabase(`metrics_${databases}`);
    const store = await PgMetricStore.open(parsePostgresUrl(elsewhere), { poolSize: 2 });
    closers.add(() => store.close());
    const writer = new PgIngestWriter(db, store);
    await writer.commit([frame(1, 1), frame(1, 2)], T0);
    await writer.commit([frame(1, 1), frame(1, 2), frame(1, 3), frame(1, 4)], T0);
    const events = await db.kysely.selectFrom('agent_events').select('seq').orderBy('id').execute();
    expect(events.map((e) => e.seq)).toEqual([1, 3]);
    expect(await db.kysely.selectFrom('agents').select(['last_seq', 'frames_stored']).where('id', '=', 'a1').executeTakeFirst()).toEqual({
      last_seq: 4,
      frames_stored: 4,
    });
    const samples = await store.pool.query('SELECT ts, value FROM vigie_metrics.samples WHERE device_id = 1 ORDER BY ts, series_id');
    expect(samples.rows.map((r: { ts: number; value: number }) => [r.ts, r.value])).toEqual(expectedSamples(4));
    expect(store.stats.rowsWritten).toBe(4); // the resent seq 2 was not written again
  });
});
