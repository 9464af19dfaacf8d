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

const sink = (): FrameSink & { acks: number[] } => {
  const acks: number[] = [];
  return { acks, committed: (s) => acks.push(s), failed: () => {} };
};
const event = (seq: number): PendingFrame => ({
  agentId: 'a1',
  deviceId,
  receivedAt: 0,
  values: 0,
  msg: { v: 1, type: 'event', seq, ts: 1, body: { kind: 'test', severity: 'info', message: `event ${seq}`, occurredAt: 1 } },
});

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
});
