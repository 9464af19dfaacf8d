/**
 * The same agent frames through the SQLite writer (what the collector always stored) and the
 * PostgreSQL writer: the same rows. Spool reports with a hello and growing loss runs, inventories
 * (first, changed, unchanged), checks (state kept, a removed target pruned, an agentless device's
 * check), site devices, events, metrics of the agent and of an agentless device.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inventory } from '@vigie/shared';
import { sampleInventory } from '@vigie/shared/fixtures';
import { type Postgres, startPostgres } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../store/database.js';
import type { MetricStore } from '../store/metric-store.js';
import { PgMetricStore } from '../store/postgres/pg-metric-store.js';
import { parsePostgresUrl } from '../store/postgres/pg-target.js';
import { PostgresDatabase } from '../store/postgres-database.js';
import type { RelationalStore } from '../store/relational-store.js';
import { SqliteMetricStore } from '../store/sqlite-metric-store.js';
import type { IngestWriter, PendingFrame } from './frame.js';
import { PgIngestWriter } from './pg-ingest-writer.js';
import { SqliteIngestWriter } from './sqlite-ingest-writer.js';

let postgres: Postgres;
let dir: string;
beforeAll(async () => {
  postgres = await startPostgres({ fast: true });
  dir = mkdtempSync(join(tmpdir(), 'vigie-ingest-engines-'));
});
afterAll(async () => {
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = 1_790_000_000_000;
const hello = { hostname: 'pc-compta-01', platform: 'linux', arch: 'x64', agentVersion: '0.2.0' };
const frame = (msg: PendingFrame['msg'], extra: Partial<PendingFrame> = {}): PendingFrame => ({
  agentId: 'a1',
  deviceId: 0,
  receivedAt: 0,
  values: 0,
  msg,
  ...extra,
});
const spool = (drops: { id: number; frames: number; fromSeq: number; toSeq: number }[], dropped: number): PendingFrame['msg'] => ({
  v: 1,
  type: 'spool-report',
  seq: 0,
  ts: T0,
  body: {
    nextSeq: 20,
    spool: { pendingFrames: 2, pendingBytes: 100, droppedFrames: dropped, drops: drops.map((d) => ({ ...d, reason: 'spool-full' as const, at: T0 })) },
  },
});
const check = (target: string, status: 'ok' | 'critical', at: number, code = 'BACKUP_OK') => ({
  check: 'backup',
  target,
  status,
  code,
  message: `${target} ${status}`,
  observedAt: at,
});
const changedInventory: Inventory = { ...sampleInventory, collectedAt: T0 + 60_000, software: sampleInventory.software.slice(1) };

/** The frames, in batches as the pipeline would commit them. */
const batches: PendingFrame['msg'][][] = [
  [spool([{ id: 1, frames: 12, fromSeq: 1, toSeq: 12 }], 12), { v: 1, type: 'inventory', seq: 1, ts: T0, body: sampleInventory }],
  [
    { v: 1, type: 'metrics', seq: 2, ts: T0, body: { samples: [{ ts: T0, values: { 'cpu.usage_pct': 12.5, 'fs.used_pct{mount=/}': 24.1 } }] } },
    { v: 1, type: 'metrics', seq: 3, ts: T0, body: { device: 'snmp:192.0.2.20', samples: [{ ts: T0, values: { 'snmp.up': 1 } }] } },
    { v: 1, type: 'checks', seq: 4, ts: T0, body: { results: [check('restic:/a', 'ok', T0), check('restic:/b', 'ok', T0)] } },
    {
      v: 1,
      type: 'checks',
      seq: 5,
      ts: T0,
      body: {
        device: 'snmp:192.0.2.20',
        results: [{ check: 'snmp-reachable', target: '192.0.2.20', status: 'ok', code: 'OK', message: 'ok', observedAt: T0 + 5 }],
      },
    },
  ],
  [
    {
      v: 1,
      type: 'site-devices',
      seq: 6,
      ts: T0,
      body: {
        devices: [
          {
            key: 'snmp:192.0.2.20',
            address: '192.0.2.20',
            kind: 'printer',
            name: 'imprimante-1',
            serials: [{ serial: 'XP-1' }],
            reachable: true,
            observedAt: T0 + 10,
          },
          {
            key: 'snmp:192.0.2.21',
            address: '192.0.2.21',
            kind: 'ups',
            name: 'onduleur',
            description: 'APC',
            serials: [],
            reachable: false,
            observedAt: T0 + 10,
          },
        ],
      },
    },
    { v: 1, type: 'event', seq: 7, ts: T0, body: { kind: 'service.restarted', severity: 'info', message: 'ssh', data: { unit: 'ssh' }, occurredAt: T0 } },
    { v: 1, type: 'inventory', seq: 8, ts: T0, body: changedInventory },
    { v: 1, type: 'inventory', seq: 9, ts: T0, body: changedInventory },
  ],
  [
    // Target b no longer reported: pruned from the current state; a's status changes.
    { v: 1, type: 'checks', seq: 10, ts: T0, body: { results: [check('restic:/a', 'critical', T0 + 60_000, 'BACKUP_TOO_OLD')] } },
    // An older result does not move the state back.
    { v: 1, type: 'checks', seq: 11, ts: T0, body: { results: [check('restic:/a', 'ok', T0 + 1)] } },
    // Replayed: nothing stored.
    { v: 1, type: 'event', seq: 7, ts: T0, body: { kind: 'service.restarted', severity: 'info', message: 'ssh', occurredAt: T0 } },
    spool(
      [
        { id: 1, frames: 12, fromSeq: 1, toSeq: 12 },
        { id: 2, frames: 3, fromSeq: 13, toSeq: 15 },
      ],
      15,
    ),
  ],
  // The latest run grew: its event is updated, not added.
  [spool([{ id: 2, frames: 5, fromSeq: 13, toSeq: 17 }], 17)],
];

async function seed(db: RelationalStore): Promise<number> {
  const client = await db.kysely.insertInto('clients').values({ name: 'c', created_at: 0 }).returning('id').executeTakeFirstOrThrow();
  const site = await db.kysely.insertInto('sites').values({ client_id: client.id, name: 's', created_at: 0 }).returning('id').executeTakeFirstOrThrow();
  const device = await db.kysely
    .insertInto('devices')
    .values({ site_id: site.id, client_id: client.id, kind: 'agent', hostname: 'h', created_at: 0 })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.kysely.insertInto('agents').values({ id: 'a1', device_id: device.id, secret_hash: 'x', created_at: 0, last_seq: 0 }).execute();
  return device.id;
}

async function run(db: RelationalStore, writer: IngestWriter, metrics: MetricStore, deviceId: number) {
  const effects = [];
  let now = T0 + 1_000_000;
  for (const batch of batches) {
    const e = await writer.commit(
      batch.map((msg) => frame(msg, { deviceId, ...(msg.type === 'spool-report' && batch.length > 1 ? { hello } : {}) })),
      now++,
    );
    effects.push({ inventoryChanged: e.inventoryChanged, devicesSeen: [...e.devicesSeen], healthChanged: [...e.healthChanged].sort() });
  }
  const k = db.kysely;
  const omit = <T extends object>(rows: T[], ...keys: string[]) =>
    rows.map((r) => Object.fromEntries(Object.entries(r).filter(([key]) => !keys.includes(key))));
  const agentless = await k.selectFrom('devices').select('id').where('kind', '=', 'agentless').orderBy('id').execute();
  return {
    effects,
    agents: await k.selectFrom('agents').selectAll().execute(),
    devices: await k.selectFrom('devices').selectAll().orderBy('id').execute(),
    events: omit(await k.selectFrom('agent_events').selectAll().orderBy('id').execute(), 'id'),
    checkState: await k.selectFrom('check_state').selectAll().orderBy('device_id').orderBy('check').orderBy('target').execute(),
    checkResults: omit(await k.selectFrom('check_results').selectAll().orderBy('id').execute(), 'id'),
    snapshots: omit(await k.selectFrom('inventory_snapshots').selectAll().orderBy('id').execute(), 'id'),
    changes: omit(await k.selectFrom('inventory_changes').selectAll().orderBy('id').execute(), 'id', 'snapshot_id'),
    latest: await metrics.latest(deviceId),
    latestAgentless: await Promise.all(agentless.map((d) => metrics.latest(d.id))),
  };
}

describe('ingest on both engines', () => {
  it('PostgreSQL stores what SQLite stores, frame for frame', async () => {
    const sqlite = new Database({ path: join(dir, 'i.db'), synchronous: 'normal' });
    await sqlite.migrate();
    const sqliteMetrics = await SqliteMetricStore.open(sqlite);
    const sqliteAnswer = await run(sqlite, new SqliteIngestWriter(sqlite, sqliteMetrics), sqliteMetrics, await seed(sqlite));
    await sqlite.close();

    const url = await postgres.createDatabase('ingest_engines');
    const pg = new PostgresDatabase({ url });
    await pg.migrate();
    const pgMetrics = await PgMetricStore.open(parsePostgresUrl(url));
    try {
      const pgAnswer = await run(pg, new PgIngestWriter(pg, pgMetrics), pgMetrics, await seed(pg));
      // What SQLite stored, as a sanity check of the fixture itself.
      expect(sqliteAnswer.events.map((e) => e.kind)).toEqual(['spool.dropped', 'service.restarted', 'spool.dropped']);
      expect(sqliteAnswer.checkState.map((s) => [s.target, s.status])).toEqual([
        ['restic:/a', 'critical'],
        ['192.0.2.20', 'ok'],
      ]);
      expect(sqliteAnswer.agents[0]).toMatchObject({
        last_seq: 11,
        frames_stored: 11,
        spool_dropped_frames: 17,
        spool_last_drop_id: 2,
        agent_version: '0.2.0',
      });
      expect(sqliteAnswer.latestAgentless).toEqual([{ 'snmp.up': { ts: T0, value: 1 } }, {}]);
      expect(pgAnswer).toEqual(sqliteAnswer);
    } finally {
      await pgMetrics.close();
      await pg.close();
    }
  });
});
