/**
 * A collector with `metrics: postgres://…` against a real PostgreSQL 15 (Debian's `postgresql`,
 * started here): an enrolled agent's frames reach PostgreSQL's partitioned tables and come back
 * through the REST API exactly as a SQLite collector fed the same frames answers them, rolled up
 * and after retention; an acknowledgement is only sent once PostgreSQL and the relational commit
 * both hold the frame, and a frame sent again after a failure on either side is stored once.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Postgres, startPostgres, waitFor } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgMetricStore } from '../src/store/postgres/pg-metric-store.js';
import { enrollAgent, type Harness, login, type Session, startHarness, TestAgent } from './harness.js';
import { refuseSeqUpdate } from './test-database.js';

const MIN = 60_000;
const H = 3_600_000;
const DAY = 24 * H;
type Sample = { ts: number; values: Record<string, number> };

let postgres: Postgres;
let sqliteSide: Harness;
let pgSide: Harness;
const now = Date.now();
const dayAgo = Math.floor((now - 26 * H) / H) * H;
const pgStore = () => pgSide.collector.metrics as PgMetricStore;
const sql = (q: string) => postgres.psql(q, 'collector_test');

/** A day-old backlog every minute (late, rolled up by maintenance) and the last 9 minutes every 10 s. */
const frames: Sample[][] = [
  Array.from({ length: 600 }, (_, i) => ({
    ts: dayAgo + i * MIN + 500,
    values: { uptime_s: i * 60, 'cpu.usage_pct': (i * 7) % 100, 'fs.used_pct{mount=/}': 40 + (i % 5), 'fs.used_pct{mount=C:\\}': 70.5 },
  })),
  Array.from({ length: 54 }, (_, i) => ({ ts: now - 9 * MIN + i * 10_000, values: { uptime_s: 36_000 + i * 10, 'cpu.usage_pct': (i * 13) % 100 } })),
];

async function feed(h: Harness): Promise<{ deviceId: number; tech: Session }> {
  const cred = await enrollAgent(h, h.acme.siteId, 'pc-postgres');
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

/** Every chart the API serves for these ranges, on both collectors, as the dashboard asks for them. */
async function sameCharts(a: { deviceId: number; tech: Session }, b: { deviceId: number; tech: Session }, range: string): Promise<number> {
  let points = 0;
  for (const name of ['cpu.usage_pct', 'fs.used_pct', 'uptime_s']) {
    for (const agg of ['avg', 'min', 'max', 'last', 'sum', 'count']) {
      const path = (id: number) => `/api/v1/devices/${id}/metrics?name=${name}&${range}&agg=${agg}`;
      const [x, y] = [await a.tech.get(path(a.deviceId)), await b.tech.get(path(b.deviceId))];
      expect(x.status).toBe(200);
      expect(y.status).toBe(200);
      points += x.body.series.flatMap((s: any) => s.points).length;
      // avg and sum may differ in the last bits (compensated sums in SQLite); everything else is exact.
      const round = (body: any) => body.series.map((s: any) => ({ ...s, points: s.points.map(([t, v]: [number, number]) => [t, Number(v.toPrecision(12))]) }));
      expect(round(y.body), `${name} ${agg} ${range}`).toEqual(round(x.body));
    }
  }
  return points;
}

beforeAll(async () => {
  postgres = await startPostgres();
  const url = await postgres.createDatabase('collector_test');
  sqliteSide = await startHarness();
  pgSide = await startHarness({ metrics: { url } });
});
afterAll(async () => {
  await pgSide?.close();
  await sqliteSide?.close();
  await postgres?.stop();
});

describe('a collector on PostgreSQL answers like one on SQLite', () => {
  let a: { deviceId: number; tech: Session };
  let b: { deviceId: number; tech: Session };

  beforeAll(async () => {
    a = await feed(sqliteSide);
    b = await feed(pgSide);
    expect(pgSide.collector.metrics.kind).toBe('postgres');
    await sqliteSide.collector.metrics.maintain(Date.now());
    await pgSide.collector.metrics.maintain(Date.now());
  });

  it('stores the acknowledged frames in PostgreSQL, one row per value, in the partitions of their days', async () => {
    const counts = Object.fromEntries(
      sql(
        `SELECT se.key, count(*) FROM vigie_metrics.samples s JOIN vigie_metrics.series se ON se.id = s.series_id WHERE s.device_id = ${b.deviceId} GROUP BY se.key`,
      ).map((l) => l.split('|')),
    );
    expect(counts).toEqual({ uptime_s: '654', 'cpu.usage_pct': '654', 'fs.used_pct{mount=/}': '600', 'fs.used_pct{mount=C:\\}': '600' });
    // Each row sits in the partition of its UTC day (tableoid names the partition a row is stored in).
    const placed = sql(
      `SELECT tableoid::regclass::text, min(ts), max(ts) FROM vigie_metrics.samples WHERE device_id = ${b.deviceId} GROUP BY 1 ORDER BY 2`,
    ).map((l) => l.split('|'));
    expect(placed.length).toBeGreaterThanOrEqual(2);
    for (const [name, min, max] of placed) {
      const day = Math.floor(Number(min) / DAY) * DAY;
      expect(name).toBe(`vigie_metrics.samples_d${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`);
      expect(Number(max)).toBeLessThan(day + DAY);
    }
  });

  it('rolls the backlog and the last minutes up into 5-minute and hourly buckets', async () => {
    const [five, hours] = [
      sql(`SELECT sum("count") FROM vigie_metrics.rollup_5m r JOIN vigie_metrics.series se ON se.id = r.series_id WHERE se.device_id = ${b.deviceId}`),
      sql(`SELECT sum("count") FROM vigie_metrics.rollup_1h r JOIN vigie_metrics.series se ON se.id = r.series_id WHERE se.device_id = ${b.deviceId}`),
    ];
    expect(five).toEqual([String(2 * 654 + 2 * 600)]);
    expect(hours).toEqual(five);
  });

  it.each([
    ['raw, 10 s', `from=${now - 10 * MIN}&to=${now}&step=10s`],
    ['raw, 1 min over the backlog', `from=${dayAgo}&to=${dayAgo + 2 * H}&step=1m`],
    ['5-minute rollups (the backlog, late)', `from=${dayAgo - H}&to=${dayAgo + 11 * H}&step=5m`],
    ['5-minute rollups (the last minutes)', `from=${now - H}&to=${now}&step=5m`],
    ['hourly rollups over two days', `from=${now - 48 * H}&to=${now}&step=1h`],
  ])('metrics: %s', async (_what, range) => {
    expect(await sameCharts(a, b, range), 'the comparison covered data').toBeGreaterThan(0);
  });

  it('device page (latest values), series list and availability', async () => {
    const latest = async (s: Session, id: number) => (await s.get(`/api/v1/devices/${id}`)).body.latestMetrics;
    expect(await latest(b.tech, b.deviceId)).toEqual(await latest(a.tech, a.deviceId));
    expect((await b.tech.get(`/api/v1/devices/${b.deviceId}/series`)).body).toEqual((await a.tech.get(`/api/v1/devices/${a.deviceId}/series`)).body);
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit' }).format(dayAgo).slice(0, 7);
    const avail = async (h: Harness, s: Session) => (await s.get(`/api/v1/clients/${h.acme.clientId}/availability?month=${month}`)).body;
    const [x, y] = [await avail(sqliteSide, a.tech), await avail(pgSide, b.tech)];
    expect(x.devices[0].seenBuckets).toBeGreaterThan(100);
    expect(y.devices.map((d: any) => d.seenBuckets)).toEqual(x.devices.map((d: any) => d.seenBuckets));
  });

  it('retention: the backlog’s day is dropped whole, today’s is trimmed, the answers stay the same as SQLite’s', async () => {
    // The raw retention is 30 days: a pass as if 30 days had gone by, less 5 minutes, cuts through the last minutes' frames.
    const later = now - 5 * MIN + 30 * DAY;
    const cutoff = later - 30 * DAY;
    const dayName = (ts: number) => `samples_d${new Date(Math.floor(ts / DAY) * DAY).toISOString().slice(0, 10).replaceAll('-', '')}`;
    const days = () => postgres.psql(`SELECT relname FROM pg_class WHERE relname LIKE 'samples_d%' ORDER BY 1`, 'collector_test');
    const before = days();
    expect(before).toEqual(expect.arrayContaining([dayName(dayAgo), dayName(now)]));
    const [x, y] = [await sqliteSide.collector.metrics.maintain(later, { retention: true }), await pgStore().maintain(later, { retention: true })];
    expect(x.rawDeleted).toBeGreaterThan(2400);
    expect(y.rawDeleted, 'the same raw rows gone, counted the same').toBe(x.rawDeleted);
    const after = days();
    // Every day wholly before the cut is gone as a table; the day the cut falls in was trimmed, not dropped.
    expect(after).not.toContain(dayName(dayAgo));
    expect(after).toContain(dayName(cutoff));
    for (const name of before) {
      const d = name.slice('samples_d'.length);
      const start = Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)));
      expect(after.includes(name), name).toBe(start + DAY > cutoff);
    }
    expect(Number(sql(`SELECT count(*) FROM vigie_metrics.samples WHERE ts < ${cutoff}`)[0])).toBe(0);
    expect(Number(sql(`SELECT count(*) FROM vigie_metrics.samples WHERE device_id = ${b.deviceId}`)[0])).toBeGreaterThan(0);
    // Raw: what is left of the last minutes; 5-minute rollups of the backlog: kept (one year).
    expect(await sameCharts(a, b, `from=${now - 10 * MIN}&to=${now}&step=10s`)).toBeGreaterThan(0);
    expect(await sameCharts(a, b, `from=${dayAgo - H}&to=${dayAgo + 11 * H}&step=5m`)).toBeGreaterThan(0);
  });
});

describe('nothing acknowledged is lost, nothing resent is doubled', () => {
  /** Connects, resends from the collector's ack, and resolves with the ack once it covers `seq`; null on an error. */
  async function attempt(cred: { agentId: string; secret: string }, batch: Map<number, Sample[]>, seq: number): Promise<number | null> {
    const ag = await TestAgent.connect(pgSide.wsUrl, cred);
    await ag.hello();
    const acked = (await ag.next((m) => m.type === 'ack')).body.seq as number;
    for (const [s, samples] of batch) if (s > acked) ag.send('metrics', { samples }, s);
    const outcome = await ag.next((m) => (m.type === 'ack' && m.body.seq >= seq) || m.type === 'error', 15_000);
    ag.close();
    await ag.closed;
    return outcome.type === 'ack' ? outcome.body.seq : null;
  }

  const countOf = (deviceId: number) => Number(sql(`SELECT count(*) FROM vigie_metrics.samples WHERE device_id = ${deviceId}`)[0]);
  const lastSeq = async (agentId: string) =>
    (await pgSide.collector.db.kysely.selectFrom('agents').select('last_seq').where('id', '=', agentId).executeTakeFirstOrThrow()).last_seq;

  it('PostgreSQL down: no ack and no seq committed; once it is back, the resend is stored', async () => {
    const cred = await enrollAgent(pgSide, pgSide.acme.siteId, 'pc-outage');
    const t = Date.now() - 5 * MIN;
    const batch = new Map([
      [1, [{ ts: t, values: { 'cpu.usage_pct': 1 } }]],
      [2, [{ ts: t + 1000, values: { 'cpu.usage_pct': 2, uptime_s: 9 } }]],
    ]);
    expect(await attempt(cred, new Map([...batch].slice(0, 1)), 1)).toBe(1);
    await postgres.down();
    try {
      expect(await attempt(cred, batch, 2), 'no ack while PostgreSQL is down').toBeNull();
      expect(await lastSeq(cred.agentId)).toBe(1);
    } finally {
      await postgres.up();
    }
    expect(pgStore().stats.failedWrites).toBeGreaterThan(0);
    await waitFor('an ack once PostgreSQL is back', async () => (await attempt(cred, batch, 2)) === 2, 30_000, 500);
    expect(await lastSeq(cred.agentId)).toBe(2);
    expect(countOf(cred.deviceId)).toBe(3);
  });

  it('relational commit fails after the PostgreSQL write: no ack; the resend writes the same rows, stored once', async () => {
    const cred = await enrollAgent(pgSide, pgSide.acme.siteId, 'pc-resend');
    const t = Date.now() - 4 * MIN;
    const batch = new Map([[1, Array.from({ length: 10 }, (_, i) => ({ ts: t + i * 1000, values: { 'cpu.usage_pct': i, uptime_s: i } }))]]);
    // A real relational failure (SQLite or PostgreSQL) at the end of the ingest transaction: recording the agent's seq aborts.
    const allowSeq = await refuseSeqUpdate(pgSide.collector.db, cred.agentId);
    try {
      expect(await attempt(cred, batch, 1)).toBeNull();
      expect(countOf(cred.deviceId), 'PostgreSQL already has the samples').toBe(20);
      expect(await lastSeq(cred.agentId)).toBe(0);
    } finally {
      await allowSeq();
    }
    expect(await attempt(cred, batch, 1)).toBe(1);
    expect(countOf(cred.deviceId), 'written twice, stored once').toBe(20);
    const q = await (await login(pgSide.url, 'tech@vigie.test')).get(
      `/api/v1/devices/${cred.deviceId}/metrics?name=cpu.usage_pct&from=${t - MIN}&to=${t + MIN}&step=1s&agg=count`,
    );
    expect(q.body.series[0].points.map((p: [number, number]) => p[1])).toEqual(Array(10).fill(1));
  });
});

describe('`serve --metrics` with a bad PostgreSQL URL', () => {
  const COLLECTOR_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'vigie-collector.mjs');
  const root = mkdtempSync(join(tmpdir(), 'vigie-pg-url-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('exits with VIGIE_E_METRICS_URL_INVALID, in French then English, without the password, and creates nothing', async () => {
    const dataDir = join(root, 'data');
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      execFile(
        process.execPath,
        [COLLECTOR_BIN, 'serve', '--port', '0', '--data-dir', dataDir, '--metrics', 'postgres://vigie:hunter2@db.example:5432/'],
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, text: stdout + stderr }),
      );
    });
    expect(out.code).not.toBe(0);
    expect(out.text.replaceAll('\u00a0', ' ')).toMatch(
      /VIGIE_E_METRICS_URL_INVALID: --metrics : il manque le nom de la base \(le chemin de l’URL\) ; attendu postgres:\/\/utilisateur@hôte:port\/base\n--metrics: the database name \(the URL path\) is missing; expected postgres:\/\/user@host:port\/database/,
    );
    expect(out.text).not.toContain('hunter2');
    expect(existsSync(dataDir)).toBe(false);
  });
});
