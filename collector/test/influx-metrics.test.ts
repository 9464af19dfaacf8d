/**
 * A collector with `metrics: influx://…` against a real influxd (Debian's `influxdb`, started here):
 * agent frames reach InfluxDB and come back through the REST API exactly as a SQLite collector fed
 * the same frames answers; an acknowledgement is only sent once InfluxDB and the relational commit
 * both hold the frame, and a frame sent again after a failure on either side is stored once.
 */
import { type Influxd, startInfluxd, waitFor } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type Harness, login, type Session, startHarness, TestAgent } from './harness.js';
import { refuseSeqUpdate } from './test-database.js';

const MIN = 60_000;
const H = 3_600_000;
type Sample = { ts: number; values: Record<string, number> };

let influxd: Influxd;
let sqliteSide: Harness;
let influxSide: Harness;
const now = Date.now();
const dayAgo = Math.floor((now - 26 * H) / H) * H;

/** A day-old backlog every minute (late: folded in by maintenance) and the last 9 minutes every 10 s (on time). */
const frames: Sample[][] = [
  Array.from({ length: 600 }, (_, i) => ({
    ts: dayAgo + i * MIN + 500,
    values: { uptime_s: i * 60, 'cpu.usage_pct': (i * 7) % 100, 'fs.used_pct{mount=/}': 40 + (i % 5), 'fs.used_pct{mount=C:\\}': 70.5 },
  })),
  Array.from({ length: 54 }, (_, i) => ({ ts: now - 9 * MIN + i * 10_000, values: { uptime_s: 36_000 + i * 10, 'cpu.usage_pct': (i * 13) % 100 } })),
];

async function feed(h: Harness): Promise<{ deviceId: number; tech: Session }> {
  const cred = await enrollAgent(h, h.acme.siteId, 'pc-influx');
  await h.collector.db.kysely
    .updateTable('devices')
    .set({ created_at: dayAgo - H })
    .where('id', '=', cred.deviceId)
    .execute();
  const a = await TestAgent.connect(h.wsUrl, cred);
  await a.hello();
  let seq = 0;
  for (const samples of frames) seq = a.send('metrics', { samples });
  await a.waitAck(seq);
  a.close();
  await a.closed;
  return { deviceId: cred.deviceId, tech: await login(h.url, 'tech@vigie.test') };
}

/** Polls until every continuous query of the server ran at least twice since now. */
async function continuousQueriesRan(): Promise<void> {
  const stat = async () => Number((await influxd.query("SHOW STATS FOR 'cq'"))[0]?.values[0]?.[1] ?? 0);
  const count = (await influxd.query('SHOW CONTINUOUS QUERIES')).reduce((n, s) => n + (s.values?.length ?? 0), 0);
  const start = await stat();
  const until = Date.now() + 30_000;
  while ((await stat()) < start + 3 * count) {
    if (Date.now() > until) throw new Error('continuous queries did not run');
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  influxd = await startInfluxd();
  sqliteSide = await startHarness();
  influxSide = await startHarness({ metrics: { url: influxd.url('collector_test'), cqEvery: '1s', lateLagMs: 0 } });
});
afterAll(async () => {
  await influxSide?.close();
  await sqliteSide?.close();
  await influxd?.stop();
});

describe('a collector on InfluxDB answers like one on SQLite', () => {
  let a: { deviceId: number; tech: Session };
  let b: { deviceId: number; tech: Session };

  beforeAll(async () => {
    a = await feed(sqliteSide);
    b = await feed(influxSide);
    expect(influxSide.collector.metrics.kind).toBe('influx');
    await sqliteSide.collector.metrics.maintain(Date.now());
    await influxSide.collector.metrics.maintain(Date.now()); // the day-old backlog
    await continuousQueriesRan(); // the last minutes
  });

  it('stores the frames in InfluxDB, tagged by device and series', async () => {
    const rows = await influxd.query(`SELECT count("value") FROM "vigie_raw"."samples" WHERE "device" = '${b.deviceId}' GROUP BY "key"`, 'collector_test');
    const counts = Object.fromEntries(rows.map((r) => [r.tags!.key, r.values[0]![1]]));
    expect(counts).toEqual({ uptime_s: 654, 'cpu.usage_pct': 654, 'fs.used_pct{mount=/}': 600, 'fs.used_pct{mount=C:%5c}': 600 });
  });

  it.each([
    ['raw, 10 s', `from=${now - 10 * MIN}&to=${now}&step=10s`],
    ['raw, 1 min over the backlog', `from=${dayAgo}&to=${dayAgo + 2 * H}&step=1m`],
    ['5-minute rollups (the backlog, late)', `from=${dayAgo - H}&to=${dayAgo + 11 * H}&step=5m`],
    ['5-minute rollups (the last minutes, continuous query)', `from=${now - H}&to=${now}&step=5m`],
    ['hourly rollups over two days', `from=${now - 48 * H}&to=${now}&step=1h`],
  ])('metrics: %s', async (_what, range) => {
    let points = 0;
    for (const name of ['cpu.usage_pct', 'fs.used_pct', 'uptime_s']) {
      for (const agg of ['avg', 'min', 'max', 'last', 'sum', 'count']) {
        const path = (id: number) => `/api/v1/devices/${id}/metrics?name=${name}&${range}&agg=${agg}`;
        const [x, y] = [await a.tech.get(path(a.deviceId)), await b.tech.get(path(b.deviceId))];
        expect(x.status).toBe(200);
        expect(y.status).toBe(200);
        points += x.body.series.flatMap((s: any) => s.points).length;
        // avg and sum may differ in the last bits (compensated sums in SQLite); everything else is exact.
        const round = (body: any) =>
          body.series.map((s: any) => ({ ...s, points: s.points.map(([t, v]: [number, number]) => [t, Number(v.toPrecision(12))]) }));
        expect(round(y.body), `${name} ${agg}`).toEqual(round(x.body));
      }
    }
    expect(points, 'the comparison covered data').toBeGreaterThan(0);
  });

  it('device page (latest values), series list and availability', async () => {
    const latest = async (s: Session, id: number) => (await s.get(`/api/v1/devices/${id}`)).body.latestMetrics;
    expect(await latest(b.tech, b.deviceId)).toEqual(await latest(a.tech, a.deviceId));
    expect((await b.tech.get(`/api/v1/devices/${b.deviceId}/series`)).body).toEqual((await a.tech.get(`/api/v1/devices/${a.deviceId}/series`)).body);
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit' }).format(dayAgo).slice(0, 7);
    const avail = async (h: Harness, s: Session) => (await s.get(`/api/v1/clients/${h.acme.clientId}/availability?month=${month}`)).body;
    const [x, y] = [await avail(sqliteSide, a.tech), await avail(influxSide, b.tech)];
    expect(x.devices[0].seenBuckets).toBeGreaterThan(100);
    expect(y.devices.map((d: any) => d.seenBuckets)).toEqual(x.devices.map((d: any) => d.seenBuckets));
  });
});

describe('nothing acknowledged is lost, nothing resent is doubled', () => {
  /** Connects, resends from the collector's ack, and resolves with the ack once it covers `seq`; null on an error. */
  async function attempt(cred: { agentId: string; secret: string }, batch: Map<number, Sample[]>, seq: number): Promise<number | null> {
    const ag = await TestAgent.connect(influxSide.wsUrl, cred);
    await ag.hello();
    const acked = (await ag.next((m) => m.type === 'ack')).body.seq as number;
    for (const [s, samples] of batch) if (s > acked) ag.send('metrics', { samples }, s);
    const outcome = await ag.next((m) => (m.type === 'ack' && m.body.seq >= seq) || m.type === 'error', 15_000);
    ag.close();
    await ag.closed;
    return outcome.type === 'ack' ? outcome.body.seq : null;
  }

  const countOf = async (deviceId: number) =>
    Number((await influxd.query(`SELECT count("value") FROM "vigie_raw"."samples" WHERE "device" = '${deviceId}'`, 'collector_test'))[0]?.values[0]?.[1] ?? 0);
  const lastSeq = async (agentId: string) =>
    (await influxSide.collector.db.kysely.selectFrom('agents').select('last_seq').where('id', '=', agentId).executeTakeFirstOrThrow()).last_seq;

  it('InfluxDB down: no ack and no seq committed; once it is back, the resend is stored', async () => {
    const cred = await enrollAgent(influxSide, influxSide.acme.siteId, 'pc-outage');
    const t = Date.now() - 5 * MIN;
    const batch = new Map([
      [1, [{ ts: t, values: { 'cpu.usage_pct': 1 } }]],
      [2, [{ ts: t + 1000, values: { 'cpu.usage_pct': 2, uptime_s: 9 } }]],
    ]);
    expect(await attempt(cred, new Map([...batch].slice(0, 1)), 1)).toBe(1);
    await influxd.down();
    try {
      expect(await attempt(cred, batch, 2), 'no ack while InfluxDB is down').toBeNull();
      expect(await lastSeq(cred.agentId)).toBe(1);
    } finally {
      await influxd.up();
    }
    // The client may still hold the server as failed for its backoff (up to 10 s): the agent tries again, as it would.
    await waitFor('an ack once InfluxDB is back', async () => (await attempt(cred, batch, 2)) === 2, 30_000, 500);
    expect(await lastSeq(cred.agentId)).toBe(2);
    expect(await countOf(cred.deviceId)).toBe(3);
  });

  it('relational commit fails after the InfluxDB write: no ack; the resend writes the same points, stored once', async () => {
    const cred = await enrollAgent(influxSide, influxSide.acme.siteId, 'pc-resend');
    const t = Date.now() - 4 * MIN;
    const batch = new Map([[1, Array.from({ length: 10 }, (_, i) => ({ ts: t + i * 1000, values: { 'cpu.usage_pct': i, uptime_s: i } }))]]);
    // A real relational failure (SQLite or PostgreSQL) at the end of the ingest transaction: recording the agent's seq aborts.
    const allowSeq = await refuseSeqUpdate(influxSide.collector.db, cred.agentId);
    try {
      expect(await attempt(cred, batch, 1)).toBeNull();
      expect(await countOf(cred.deviceId), 'InfluxDB already has the samples').toBe(20);
      expect(await lastSeq(cred.agentId)).toBe(0);
    } finally {
      await allowSeq();
    }
    expect(await attempt(cred, batch, 1)).toBe(1);
    expect(await countOf(cred.deviceId), 'written twice, stored once').toBe(20);
    const q = await (await login(influxSide.url, 'tech@vigie.test')).get(
      `/api/v1/devices/${cred.deviceId}/metrics?name=cpu.usage_pct&from=${t - MIN}&to=${t + MIN}&step=1s&agg=count`,
    );
    expect(q.body.series[0].points.map((p: [number, number]) => p[1])).toEqual(Array(10).fill(1));
  });
});
