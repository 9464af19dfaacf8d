import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestWriter } from '../src/ingest/frame.js';
import { enrollAgent, type Harness, login, startHarness, TestAgent } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

const agentRow = async (agentId: string) =>
  (await h.collector.db.kysely
    .selectFrom('agents')
    .select(['last_seq', 'frames_stored', 'spool_next_seq', 'spool_dropped_frames', 'spool_unspooled_frames', 'spool_in_doubt_frames', 'spool_last_drop_id'])
    .where('id', '=', agentId)
    .executeTakeFirstOrThrow()) as Record<string, number>;
const bigFrame = (ts: number) => ({ samples: [{ ts, values: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`fs.used_pct{mount=/d${i}}`, i])) }] });

describe('agent accounting at the collector', () => {
  it('acknowledges a new connection only once what the previous one sent is committed', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-barrier');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    await a.next((m) => m.type === 'ack');
    // The store is slow to commit (a long fsync, another writer): the frames are received, queued,
    // not committed. The collector's own writer is held at its door; reads still answer, so the
    // agent's credential is checked and it can say hello meanwhile.
    const writer = (h.collector.channel.pipeline as unknown as { writer: IngestWriter }).writer;
    const commit = writer.commit.bind(writer);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    writer.commit = async (frames, now) => {
      await gate;
      return commit(frames, now);
    };
    const received = h.collector.channel.stats.framesReceived;
    for (let i = 0; i < 60; i++) a.send('metrics', bigFrame(1_790_000_000_000 + i));
    await expect.poll(() => h.collector.channel.stats.framesReceived - received).toBe(60);
    // The agent reconnects meanwhile (its first connection looked dead to it).
    const b = await TestAgent.connect(h.wsUrl, cred);
    await b.hello({ nextSeq: 61 });
    await new Promise((r) => setTimeout(r, 300));
    expect(b.received.filter((m) => m.type === 'ack')).toEqual([]); // an ack now would say 0 and make it resend (or give up on) 60 frames
    release();
    writer.commit = commit;
    expect((await b.next((m) => m.type === 'ack', 20_000)).body.seq).toBe(60);
    expect(await agentRow(cred.agentId)).toMatchObject({ last_seq: 60, frames_stored: 60 });
    b.close();
  });

  it('stores the spool report of hello and spool-report: cumulative counters, one event per loss run', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-losses');
    const a = await TestAgent.connect(h.wsUrl, cred);
    const drop1 = { id: 1, reason: 'spool-full' as const, frames: 12, fromSeq: 3, toSeq: 14, at: 1_790_000_000_000 };
    await a.hello({
      nextSeq: 40,
      spool: { pendingFrames: 20, pendingBytes: 9000, droppedFrames: 12, unspooledFrames: 0, inDoubtFrames: 2, ackedSeq: 0, drops: [drop1] },
    });
    await a.next((m) => m.type === 'ack');
    expect(await agentRow(cred.agentId)).toMatchObject({ spool_next_seq: 40, spool_dropped_frames: 12, spool_in_doubt_frames: 2, spool_last_drop_id: 1 });
    // While connected: the last run grew and a disk-full run came; reports never lower a counter.
    const drop1b = { ...drop1, frames: 15, toSeq: 17 };
    const drop2 = { id: 2, reason: 'disk-full' as const, frames: 3, fromSeq: 30, toSeq: 32, at: 1_790_000_060_000 };
    a.send(
      'spool-report',
      { nextSeq: 45, spool: { pendingFrames: 1, pendingBytes: 400, droppedFrames: 15, unspooledFrames: 3, inDoubtFrames: 0, drops: [drop1b, drop2] } },
      0,
    );
    a.send('spool-report', { nextSeq: 44, spool: { pendingFrames: 1, pendingBytes: 400, droppedFrames: 14, unspooledFrames: 3, drops: [drop1] } }, 0); // late, older
    const tech = await login(h.url, 'tech@vigie.test');
    const events = async () =>
      ((await tech.get(`/api/v1/devices/${cred.deviceId}`)).body.events as any[])
        .filter((e) => e.kind === 'spool.dropped')
        .sort((x, y) => x.data.id - y.data.id);
    await expect.poll(async () => (await events()).length).toBe(2);
    expect((await events()).map((e) => e.data)).toEqual([
      { id: 1, reason: 'spool-full', frames: 15, fromSeq: 3, toSeq: 17 },
      { id: 2, reason: 'disk-full', frames: 3, fromSeq: 30, toSeq: 32 },
    ]);
    expect((await events())[1].message).toContain('disque de l’agent plein');
    expect(await agentRow(cred.agentId)).toMatchObject({ spool_next_seq: 45, spool_dropped_frames: 15, spool_unspooled_frames: 3, spool_last_drop_id: 2 });
    expect((await tech.get(`/api/v1/devices/${cred.deviceId}`)).body.delivery).toMatchObject({
      framesProduced: 44,
      framesStored: 0,
      droppedFrames: 15,
      unspooledFrames: 3,
      inDoubtFrames: 0,
    });
    // A spool report is never acknowledged and never counts as a stored frame.
    expect(a.received.filter((m) => m.type === 'ack')).toHaveLength(1);
    expect((await agentRow(cred.agentId)).frames_stored).toBe(0);
    a.close();
  });

  it('says loudly when an agent was acknowledged more than the store now has', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'pc-lost');
    const a = await TestAgent.connect(h.wsUrl, cred);
    await a.hello();
    await a.waitAck(a.send('metrics', bigFrame(Date.now())));
    a.close();
    await a.closed;
    const before = h.collector.channel.stats.storeLostFrames;
    // The agent was told 25 and the store has 1: 24 acknowledged frames lost by the store.
    const b = await TestAgent.connect(h.wsUrl, cred);
    await b.hello({ nextSeq: 26, spool: { pendingFrames: 0, pendingBytes: 0, droppedFrames: 0, ackedSeq: 25 } });
    expect((await b.next((m) => m.type === 'ack')).body.seq).toBe(1);
    expect(h.collector.channel.stats.storeLostFrames - before).toBe(24);
    const prom = await (await fetch(`${h.url}/metrics`)).text();
    expect(prom).toMatch(/^vigie_store_lost_acknowledged_frames_total\{worker="1"\} [1-9]\d*$/m);
    b.close();
  });
});
