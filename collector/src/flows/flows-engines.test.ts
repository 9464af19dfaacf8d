import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FlowBucket, parisDate } from '@vigie/shared';
import { type Postgres, startPostgres, waitFor } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { flowStoreSource } from '../reports/flow-source.js';
import { Database } from '../store/database.js';
import type { MetricStore } from '../store/metric-store.js';
import { PgMetricStore } from '../store/postgres/pg-metric-store.js';
import { parsePostgresUrl } from '../store/postgres/pg-target.js';
import { PostgresDatabase } from '../store/postgres-database.js';
import type { RelationalStore } from '../store/relational-store.js';
import { SqliteMetricStore } from '../store/sqlite-metric-store.js';
import { FLOW_DETAIL_RETENTION_MS, FlowService } from './service.js';

/**
 * Flows on both engines: the same buckets written into a SQLite file and into a real PostgreSQL,
 * rolled up and viewed through the same calls; equal traffic (hosts, interfaces, minutes) must come
 * out in the same order on both, and the hourly rollup must not depend on which engine ran it.
 * Each engine has its own real metric store (SQLite's in the same file, PostgreSQL's in the same database).
 */

const HOUR = 3_600_000;
const MIN = 60_000;
// 2026-03-28T22:00Z: 11 pm in Paris (winter time, the night it ends), so the two hours fall on two Paris days.
const H = Date.UTC(2026, 2, 28, 22);
const NOW = H + 5 * HOUR;

let pg: Postgres;
let dir: string;
let sqlite: Database;
let postgres: PostgresDatabase;
let sqliteMetrics: MetricStore;
let pgMetrics: PgMetricStore;
const sites = new Map<RelationalStore, { client: number; site: number }>();

const zero = { bytes: 0, packets: 0, flows: 0 };
function bucket(exporter: string, start: number, bytes: number, hosts: string[], ifIndex: number): FlowBucket {
  const t = { bytes, packets: Math.ceil(bytes / 1000), flows: hosts.length };
  const each = { bytes: bytes / hosts.length, packets: t.packets / hosts.length, flows: 1 };
  return {
    exporter,
    summary: {
      start,
      end: start + MIN,
      total: t,
      direction: { inbound: zero, outbound: t, internal: zero, transit: zero },
      topSources: hosts.map((host) => ({ host, ...each })),
      otherSources: zero,
      topDestinations: [{ host: '203.0.113.5', ...t }],
      otherDestinations: zero,
      topConversations: hosts.map((a) => ({ a, b: '203.0.113.5', ...each })),
      otherConversations: zero,
      protocols: [{ protocol: 6, name: 'tcp', ...t }],
      services: [{ service: 'https', ...t }],
      clockAdjustedFlows: 0,
    },
    interfaces: [{ index: ifIndex, inBytes: 0, inPackets: 0, outBytes: bytes, outPackets: t.packets }],
  };
}

async function seed(store: RelationalStore): Promise<void> {
  const db = store.kysely;
  const client = (await db.insertInto('clients').values({ name: 'Acme', created_at: H }).returning('id').executeTakeFirstOrThrow()).id;
  const site = (await db.insertInto('sites').values({ client_id: client, name: 'Paris', created_at: H }).returning('id').executeTakeFirstOrThrow()).id;
  const device = (hostname: string, kind: 'agent' | 'agentless', externalKey: string | null) =>
    db
      .insertInto('devices')
      .values({ site_id: site, client_id: client, kind, hostname, created_at: H, external_key: externalKey })
      .returning('id')
      .executeTakeFirstOrThrow()
      .then((r) => r.id);
  const watcher = await device('routeur-watcher', 'agent', null);
  await device('PC-COMPTA', 'agent', null).then((id) => db.insertInto('device_search').values({ device_id: id, ips: '192.168.10.11', software: '' }).execute());
  // The exporter 192.168.10.1 is polled over SNMP on port 161; another device's key only starts alike.
  await device('switch-coeur', 'agentless', 'snmp:192.168.10.100');
  await device('routeur', 'agentless', 'snmp:192.168.10.1:161');
  // Equal traffic everywhere it could tie: two exporters in the same minute, two hosts per bucket, two equal minutes.
  const buckets = [
    bucket('192.168.10.2', H + MIN, 600_000, ['192.168.10.12', '192.168.10.11'], 1),
    bucket('192.168.10.1', H + MIN, 600_000, ['192.168.10.11', '192.168.10.12'], 3),
    bucket('192.168.10.1', H + 2 * MIN, 1_200_000, ['192.168.10.13'], 3),
    bucket('192.168.10.1', H + HOUR + 5 * MIN, 600_000, ['192.168.10.14'], 2),
  ];
  for (const b of buckets)
    await db
      .insertInto('flow_buckets')
      .values({
        site_id: site,
        reporter_device_id: watcher,
        exporter: b.exporter,
        start: b.summary.start,
        end: b.summary.end,
        bytes: b.summary.total.bytes,
        packets: b.summary.total.packets,
        flows: b.summary.total.flows,
        summary: JSON.stringify(b),
        received_at: b.summary.end,
      })
      .execute();
  sites.set(store, { client, site });
}

beforeAll(async () => {
  pg = await startPostgres({ fast: true });
  dir = mkdtempSync(join(tmpdir(), 'vigie-flows-engines-'));
  sqlite = new Database({ path: join(dir, 'vigie.db') });
  const url = await pg.createDatabase('vigie_flows');
  postgres = new PostgresDatabase({ url, maxConnections: 4 });
  await sqlite.migrate();
  await postgres.migrate();
  sqliteMetrics = await SqliteMetricStore.open(sqlite);
  pgMetrics = await PgMetricStore.open(parsePostgresUrl(url), { poolSize: 2 });
  for (const store of [sqlite, postgres]) await seed(store);
}, 120_000);

afterAll(async () => {
  await sqliteMetrics?.close();
  await pgMetrics?.close();
  await sqlite?.close();
  await postgres?.close();
  if (pg) {
    await waitFor(
      'the pools to disconnect',
      async () => pg.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'vigie_flows'")[0]?.trim() === '0',
      10_000,
      20,
    );
    await pg.stop();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function onBoth<T>(call: (flows: FlowService, store: RelationalStore) => Promise<T>): Promise<{ sqlite: T; postgres: T }> {
  return { sqlite: await call(new FlowService(sqlite, sqliteMetrics), sqlite), postgres: await call(new FlowService(postgres, pgMetrics), postgres) };
}

const shape = (v: Awaited<ReturnType<FlowService['view']>>) => ({
  resolution: v.resolution,
  total: v.summary?.total,
  sources: v.summary?.topSources.map((s) => `${s.host}${'name' in s ? ` (${s.name})` : ''} ${s.bytes}`),
  series: v.series.map((p) => `${(p.t - H) / MIN} ${p.bytes}`),
  interfaces: v.interfaces.map((i) => `${i.exporter}#${i.index} ${i.outBytes} ${i.peakOutBps} ${i.peakAt === null ? '-' : (i.peakAt - H) / MIN}`),
  peak: v.peak && { minute: (v.peak.t - H) / MIN, bytes: v.peak.bytes, bps: v.peak.bps },
});

describe('flows on SQLite and PostgreSQL', () => {
  test('the minute view orders equal hosts, interfaces and minutes the same way', async () => {
    const r = await onBoth(async (flows, store) => shape(await flows.view(sites.get(store)!.site, H, H + 2 * HOUR, NOW)));
    expect(r.sqlite).toEqual({
      resolution: 'detail',
      total: { bytes: 3_000_000, packets: 3000, flows: 6 },
      // 192.168.10.11 named from the inventory; equal bytes in address order.
      sources: ['192.168.10.13 1200000', '192.168.10.11 (PC-COMPTA) 600000', '192.168.10.12 600000', '192.168.10.14 600000'],
      series: ['1 1200000', '2 1200000', '65 600000'],
      // Equal traffic on two interfaces: by exporter, then index; the first of two equal minutes is the peak.
      interfaces: ['192.168.10.1#3 1800000 160000 2', '192.168.10.1#2 600000 80000 65', '192.168.10.2#1 600000 80000 1'],
      peak: { minute: 1, bytes: 1_200_000, bps: 160_000 },
    });
    expect(r.postgres).toEqual(r.sqlite);
  });

  test('the hourly rollup gives the same hours, peaks and Paris days; run twice, it changes nothing', async () => {
    const r = await onBoth(async (flows, store) => {
      const { site, client } = sites.get(store)!;
      const first = await flows.maintain(NOW);
      const second = await flows.maintain(NOW);
      const hourly = await store.kysely.selectFrom('flow_hourly').select(['hour', 'bytes', 'peak_at', 'peak_bytes', 'peak_ms']).orderBy('hour').execute();
      // Long ago enough for the hourly view; the detail is gone once past retention.
      const view = shape(await flows.view(site, H - 4 * 24 * HOUR, H + 2 * HOUR, NOW));
      await flows.maintain(NOW + FLOW_DETAIL_RETENTION_MS + 3 * HOUR);
      const left = await store.kysely.selectFrom('flow_buckets').select('id').execute();
      const report = await flowStoreSource(store, flows).summarize(client, { from: H - 24 * HOUR, to: H + 2 * HOUR });
      return {
        passes: [first.hours, second.hours],
        hourly: hourly.map((h) => [(h.hour - H) / HOUR, h.bytes, h.peak_at === null ? null : (h.peak_at - H) / MIN, h.peak_bytes, h.peak_ms]),
        view,
        detailLeft: left.length,
        daily: await flows.daily(site, H - 24 * HOUR, H + 2 * HOUR, parisDate),
        report: report && { total: report.totalBytes, byDay: report.byDay, hosts: report.topHosts.map((h) => h.address) },
      };
    });
    expect(r.sqlite).toEqual({
      passes: [2, 0],
      hourly: [
        [0, 2_400_000, 1, 1_200_000, 60_000],
        [1, 600_000, 65, 600_000, 60_000],
      ],
      view: {
        resolution: 'hour',
        total: { bytes: 3_000_000, packets: 3000, flows: 6 },
        sources: ['192.168.10.13 1200000', '192.168.10.11 (PC-COMPTA) 600000', '192.168.10.12 600000', '192.168.10.14 600000'],
        series: ['0 2400000', '60 600000'],
        interfaces: ['192.168.10.1#3 1800000 160000 2', '192.168.10.1#2 600000 80000 65', '192.168.10.2#1 600000 80000 1'],
        peak: { minute: 1, bytes: 1_200_000, bps: 160_000 },
      },
      detailLeft: 0,
      daily: [
        { day: '2026-03-28', bytes: 2_400_000 },
        { day: '2026-03-29', bytes: 600_000 },
      ],
      report: {
        total: 3_000_000,
        byDay: [
          { date: '2026-03-28', bytes: 2_400_000 },
          { date: '2026-03-29', bytes: 600_000 },
        ],
        hosts: ['203.0.113.5', '192.168.10.13', '192.168.10.11', '192.168.10.12', '192.168.10.14'],
      },
    });
    expect(r.postgres).toEqual(r.sqlite);
  });
});
