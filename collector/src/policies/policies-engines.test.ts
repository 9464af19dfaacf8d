import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Postgres, startPostgres, waitFor } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appendAuditInTransaction } from '../audit/repository.js';
import { DEFAULT_CHANNEL_SETTINGS } from '../ingest/policy.js';
import { Database } from '../store/database.js';
import { PostgresDatabase } from '../store/postgres-database.js';
import type { RelationalStore } from '../store/relational-store.js';
import { PROGRAM_TARGET_REMOVED } from './program-targets.js';
import { PolicyService } from './service.js';

/**
 * Policies on a SQLite file and on a real PostgreSQL: the same edits give the same merged policies
 * (layers, version sums, the site role's holder), the same notices and scopes. Edits at once through
 * two PostgreSQL pools (two collectors) are each a version of their own.
 */

const T0 = 1_764_000_000_000;

let pg: Postgres;
let dir: string;
let sqlite: Database;
let postgres: PostgresDatabase;
let postgresTwin: PostgresDatabase;

/** Acme: site Paris (devices 1, 2, 3; device 1's agent revoked, device 3 without agent), site Lyon (device 4). */
async function seed(store: RelationalStore): Promise<void> {
  const db = store.kysely;
  await db.insertInto('clients').values({ name: 'Acme', created_at: T0 }).execute();
  await db
    .insertInto('sites')
    .values([
      { client_id: 1, name: 'Paris', created_at: T0 },
      { client_id: 1, name: 'Lyon', created_at: T0 },
    ])
    .execute();
  const devices = [
    { site: 1, agent: 'revoked' },
    { site: 1, agent: 'live' },
    { site: 1, agent: null },
    { site: 2, agent: 'live' },
  ] as const;
  for (const [i, d] of devices.entries()) {
    await db
      .insertInto('devices')
      .values({ site_id: d.site, client_id: 1, kind: 'agent', hostname: `poste-${i + 1}`, created_at: T0 })
      .execute();
    if (d.agent)
      await db
        .insertInto('agents')
        .values({ id: `agent-${i + 1}`, device_id: i + 1, secret_hash: 'x', created_at: T0, last_seq: 0, revoked_at: d.agent === 'revoked' ? T0 : null })
        .execute();
  }
}

beforeAll(async () => {
  pg = await startPostgres({ fast: true });
  dir = mkdtempSync(join(tmpdir(), 'vigie-policies-engines-'));
  sqlite = new Database({ path: join(dir, 'vigie.db') });
  await sqlite.migrate();
  const url = await pg.createDatabase('vigie_policies');
  postgres = new PostgresDatabase({ url, maxConnections: 10 });
  postgresTwin = new PostgresDatabase({ url, maxConnections: 10 });
  await postgres.migrate();
  await seed(sqlite);
  await seed(postgres);
}, 120_000);

afterAll(async () => {
  await sqlite?.close();
  await postgres?.close();
  await postgresTwin?.close();
  if (pg) {
    await waitFor(
      'the pools to disconnect',
      async () => pg.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'vigie_policies'")[0]?.trim() === '0',
      10_000,
      20,
    );
    await pg.stop();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const snmp = { targets: [{ address: '192.168.20.1', version: '2c', community: 'public' }] };

async function policies(db: RelationalStore) {
  const svc = new PolicyService(db, DEFAULT_CHANNEL_SETTINGS);
  const before = await svc.effective(2);
  const v1 = await svc.put(
    'client',
    1,
    { metricsIntervalSec: 30, probes: { network: { tcp: [{ host: 'intranet.acme', port: 443 }], intervalSec: 120 } } },
    null,
  );
  const v2 = await svc.put(
    'client',
    1,
    { metricsIntervalSec: 45, probes: { network: { tcp: [{ host: 'intranet.acme', port: 443 }], intervalSec: 120 } } },
    null,
  );
  await svc.put('site', 1, { probes: { snmp } }, null);
  await svc.put('device', 2, { inventoryIntervalSec: 7200, probes: { network: { intervalSec: 60 } } }, null);
  await db.kysely
    .transaction()
    .execute((tx) =>
      appendAuditInTransaction(
        tx,
        db.dialect,
        'system',
        PROGRAM_TARGET_REMOVED,
        'client:1',
        { notice: { script: 'sauvegarde.ps1', reason: 'retired' } },
        {},
        T0,
      ),
    );
  const stored = await svc.get('client', 1);
  return {
    before,
    versions: [v1, v2],
    // Stamped with the time of the edit (the clock of the run): only its kind compared.
    stored: stored && { ...stored, updatedAt: typeof stored.updatedAt },
    none: await svc.get('site', 2),
    // Device 1's agent is revoked: device 2 holds Paris's site role; device 3 has no agent; device 4 is in Lyon.
    effective: await Promise.all([1, 2, 3, 4, 99].map((id) => svc.effective(id))),
    viaApi: await svc.effectiveOf(2),
    notices: (await svc.notices('client', 1)).map(({ at: _at, ...n }) => n),
    scopes: await Promise.all([svc.scopeClient('client', 1), svc.scopeClient('site', 2), svc.scopeClient('device', 4), svc.scopeClient('device', 99)]),
    inScope: await Promise.all([svc.devicesInScope('client', 1), svc.devicesInScope('site', 1), svc.devicesInScope('device', 3)]),
  };
}

describe('policies on both engines', () => {
  test('the same edits give the same merged policies, notices and scopes', async () => {
    const [sq, pgAnswer] = [await policies(sqlite), await policies(postgres)];
    expect(sq.before).toMatchObject({ version: 0, metricsIntervalSec: DEFAULT_CHANNEL_SETTINGS.metricsIntervalSec, probes: {} });
    expect(sq.versions).toEqual([1, 2]);
    expect(sq.stored).toMatchObject({ version: 2, overrides: { metricsIntervalSec: 45 } });
    expect(sq.none).toBeUndefined();
    const [d1, d2, d3, d4, missing] = sq.effective;
    expect(d2).toMatchObject({
      version: 2 + 1 + 1,
      metricsIntervalSec: 45,
      inventoryIntervalSec: 7200,
      probes: { network: { tcp: [{ host: 'intranet.acme', port: 443 }], intervalSec: 60 }, snmp },
    });
    expect(d1?.probes.snmp).toBeUndefined();
    expect(d3?.probes.snmp).toBeUndefined();
    expect(d1).toMatchObject({ version: 3, metricsIntervalSec: 45, inventoryIntervalSec: DEFAULT_CHANNEL_SETTINGS.inventoryIntervalSec });
    expect(d4).toMatchObject({ version: 2, probes: { network: { intervalSec: 120 } } });
    expect(missing).toMatchObject({ version: 0, probes: {} });
    expect(sq.viaApi).toEqual(d2);
    expect(sq.notices).toEqual([{ script: 'sauvegarde.ps1', reason: 'retired' }]);
    expect(sq.scopes).toEqual([1, 1, 1, undefined]);
    expect(sq.inScope).toEqual([[1, 2, 3, 4], [1, 2, 3], [3]]);
    expect(pgAnswer).toEqual(sq);
  });

  test('edits at once through two collectors are each a version of their own (PostgreSQL, two pools; SQLite, one connection)', async () => {
    for (const [db, twin] of [
      [sqlite, sqlite],
      [postgres, postgresTwin],
    ] as const) {
      const services = [db, twin].map((s) => new PolicyService(s, DEFAULT_CHANNEL_SETTINGS));
      const versions = await Promise.all(Array.from({ length: 10 }, (_, i) => services[i % 2]!.put('site', 2, { metricsIntervalSec: 20 + i }, null)));
      expect([...versions].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect((await services[0]!.get('site', 2))?.version).toBe(10);
    }
  });
});
