import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../store/database.js';
import { SqliteMetricStore } from '../store/sqlite-metric-store.js';
import type { FrameSink, PendingFrame } from './frame.js';
import { IngestPipeline } from './pipeline.js';
import { SqliteIngestWriter } from './sqlite-ingest-writer.js';

let dir: string;
let db: Database;
let pipeline: IngestPipeline;
const deviceId = 1;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-writer-'));
  db = new Database({ path: join(dir, 'w.db'), synchronous: 'normal' });
  await db.migrate();
  db.sqlite.exec(`INSERT INTO clients (id, name, created_at) VALUES (1, 'c', 0);
    INSERT INTO sites (id, client_id, name, created_at) VALUES (1, 1, 's', 0);
    INSERT INTO devices (id, site_id, client_id, kind, hostname, created_at) VALUES (1, 1, 1, 'agent', 'h', 0);
    INSERT INTO agents (id, device_id, secret_hash, created_at) VALUES ('a1', 1, 'x', 0);`);
  pipeline = new IngestPipeline(new SqliteIngestWriter(db, await SqliteMetricStore.open(db)));
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A sender as the agent channel is one: a refusal bumps its generation (its queued frames are not committed). */
const sink = (): FrameSink & { acks: number[]; failures: number[]; refusals: string[] } => {
  const acks: number[] = [];
  const failures: number[] = [];
  const refusals: string[] = [];
  const s = {
    acks,
    failures,
    refusals,
    generation: 0,
    committed: (seq: number) => acks.push(seq),
    failed: (seq: number) => {
      s.generation++;
      failures.push(seq);
    },
    storeRefused: (t: string) => {
      s.generation++;
      refusals.push(t);
    },
  };
  return s;
};
const event = (seq: number, kind = 'test'): PendingFrame => ({
  agentId: 'a1',
  deviceId,
  receivedAt: 0,
  values: 0,
  msg: { v: 1, type: 'event', seq, ts: 1, body: { kind, severity: 'info', message: `event ${seq}`, occurredAt: 1 } },
});
const lastSeq = () => (db.sqlite.prepare("SELECT last_seq FROM agents WHERE id = 'a1'").get() as { last_seq: number }).last_seq;
const storedSeqs = () => (db.sqlite.prepare('SELECT seq FROM agent_events ORDER BY seq').all() as { seq: number }[]).map((r) => r.seq);

describe('SQLite ingest writer', () => {
  it('stores a frame replayed on a new connection once, even while the first copy is uncommitted', async () => {
    const oldConn = sink();
    const newConn = sink();
    pipeline.enqueue(event(1), oldConn);
    pipeline.enqueue(event(2), oldConn);
    pipeline.enqueue(event(1), newConn);
    pipeline.enqueue(event(2), newConn);
    pipeline.enqueue(event(3), newConn);
    await pipeline.drain();
    const rows = db.sqlite.prepare('SELECT seq FROM agent_events ORDER BY id').all() as { seq: number }[];
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(newConn.acks.at(-1)).toBe(3);
    expect((db.sqlite.prepare("SELECT last_seq FROM agents WHERE id = 'a1'").get() as { last_seq: number }).last_seq).toBe(3);
  });

  it('ignores frames at or below the committed seq in later batches too', async () => {
    const s = sink();
    pipeline.enqueue(event(1), s);
    await pipeline.drain();
    pipeline.enqueue(event(1), s);
    await pipeline.drain();
    expect((db.sqlite.prepare('SELECT count(*) n FROM agent_events').get() as { n: number }).n).toBe(1);
    expect(s.acks).toEqual([1, 1]);
  });

  it('commits none of a sender’s frames queued after one it could not store: acks are cumulative, it would be acknowledged', async () => {
    // A frame the store refuses (here a real trigger), in the first of two batches.
    db.sqlite.exec("CREATE TRIGGER refuse_boom BEFORE INSERT ON agent_events WHEN NEW.kind = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END");
    pipeline = new IngestPipeline(new SqliteIngestWriter(db, await SqliteMetricStore.open(db)), () => {}, 2);
    const s = sink();
    pipeline.enqueue(event(1), s);
    pipeline.enqueue(event(2, 'boom'), s);
    pipeline.enqueue(event(3), s); // second batch, queued before the refusal
    await pipeline.drain();
    expect(s.failures).toEqual([2]);
    expect(storedSeqs()).toEqual([1]);
    expect(lastSeq()).toBe(1);
    expect(s.acks).toEqual([1]);
  });

  it('on a store refusal (disk full), tells each sender once, commits nothing of theirs after it, and reports it as full', async () => {
    // SQLITE_FULL for real: the file may not grow past its current size.
    const pages = db.sqlite.pragma('page_count', { simple: true }) as number;
    db.sqlite.pragma(`max_page_count = ${pages}`);
    const refused: unknown[] = [];
    const health = {
      classify: (e: unknown) => ((e as { code?: string }).code === 'SQLITE_FULL' ? 'full' : 'other'),
      writeFailed: (e: unknown) => refused.push(e),
      frameRefused: () => {},
    };
    pipeline = new IngestPipeline(new SqliteIngestWriter(db, await SqliteMetricStore.open(db)), () => {}, 5000, health as never);
    const s = sink();
    const big = (seq: number): PendingFrame => ({
      ...event(seq),
      msg: { ...event(seq).msg, body: { kind: 'test', severity: 'info', message: 'x'.repeat(50_000), occurredAt: 1 } } as PendingFrame['msg'],
    });
    for (let i = 1; i <= 5; i++) pipeline.enqueue(big(i), s);
    await pipeline.drain();
    expect(s.refusals).toEqual(['full']);
    expect(refused).toHaveLength(1);
    expect(lastSeq()).toBe(0);
    expect(pipeline.stats.framesRefusedByStore).toBe(5);
  });
});
