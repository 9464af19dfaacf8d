import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { AUDIT_GENESIS, auditHash } from '../audit/chain.js';
import { SigningKeys } from '../commands/signing-keys.js';
import { dualEngines } from '../store/dual-engine-fixture.js';
import type { RelationalStore } from '../store/relational-store.js';
import { Releases } from './releases.js';
import { RolloutService } from './rollout.js';

/**
 * Agent self-update on SQLite and on a real PostgreSQL: releases, the rollout's rings, pins, the
 * schedule, retries and the fleet view give the same answers on both. "Two collectors" on
 * PostgreSQL are two pools on one database; on SQLite the same file.
 */

const T0 = 1_764_000_000_000; // beyond 2^31: bigint on PostgreSQL

const engines = dualEngines('updates');
let dir: string;
let keys: SigningKeys;

beforeAll(async () => {
  dir = engines.dir;
  keys = SigningKeys.open(join(dir, 'keys'), T0);
  // Stand-ins for agent executables: the releases only hash and copy bytes.
  writeFileSync(join(dir, 'agent-1.1.0'), 'agent 1.1.0 bytes');
  writeFileSync(join(dir, 'agent-1.2.0'), 'agent 1.2.0 bytes, a little longer');
});

const stores = (name: string) => engines.stores(name);

async function seed(store: RelationalStore) {
  const db = store.kysely;
  const user = await db
    .insertInto('users')
    .values({ email: 'admin@vigie.test', name: 'Admin', role: 'admin', client_id: null, password_hash: 'x', locale: 'fr', created_at: T0 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const acme = await db.insertInto('clients').values({ name: 'Acme', created_at: T0 }).returning('id').executeTakeFirstOrThrow();
  const bakery = await db.insertInto('clients').values({ name: 'Boulangerie Martin', created_at: T0 }).returning('id').executeTakeFirstOrThrow();
  const acmeSite = await db.insertInto('sites').values({ client_id: acme.id, name: 'Paris', created_at: T0 }).returning('id').executeTakeFirstOrThrow();
  const bakerySite = await db.insertInto('sites').values({ client_id: bakery.id, name: 'Lyon', created_at: T0 }).returning('id').executeTakeFirstOrThrow();
  const device = async (site: number, client: number, hostname: string, agent: string, arch: string | null = 'x64') => {
    const row = await db
      .insertInto('devices')
      .values({ site_id: site, client_id: client, kind: 'agent', hostname, platform: 'linux', arch, created_at: T0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('agents').values({ id: agent, device_id: row.id, secret_hash: 'x', created_at: T0, last_seq: 0, agent_version: '1.0.0' }).execute();
    return row.id;
  };
  return {
    user: { id: user.id },
    acme: acme.id,
    bakery: bakery.id,
    a1: await device(acmeSite.id, acme.id, 'srv-canari', 'agent-a1'),
    a2: await device(acmeSite.id, acme.id, 'poste', 'agent-a2'),
    a3: await device(acmeSite.id, acme.id, 'poste', 'agent-a3'),
    // No architecture reported yet: never offered anything.
    a4: await device(acmeSite.id, acme.id, 'vieux', 'agent-a4', null),
    b1: await device(bakerySite.id, bakery.id, 'caisse', 'agent-b1'),
  };
}

async function auditChainHolds(store: RelationalStore): Promise<boolean> {
  const rows = await store.kysely.selectFrom('audit_log').selectAll().orderBy('id').execute();
  let prev = AUDIT_GENESIS;
  for (const r of rows) {
    const c = {
      at: r.at,
      actor: r.actor,
      action: r.action,
      target: r.target,
      details: r.details,
      clientId: r.client_id,
      deviceId: r.device_id,
      result: r.result,
    };
    if (r.prev_hash !== prev || r.hash !== auditHash(prev, c)) return false;
    prev = r.hash;
  }
  return true;
}

const settle = async <T>(ps: Promise<T>[]) =>
  (await Promise.allSettled(ps)).map((r) => (r.status === 'fulfilled' ? 'ok' : ((r.reason as { code?: string }).code ?? String(r.reason)))).sort();

describe('agent updates on both engines', () => {
  test('releases, rings, pins, retries and the fleet: the same answers, and two collectors never queue an update twice', async () => {
    const s = await stores('vigie_updates');
    const answers = [];
    for (const [store, twin] of [s.sqlite, s.postgres]) {
      const ids = await seed(store);
      const name = new Map([
        [ids.a1, 'a1'],
        [ids.a2, 'a2'],
        [ids.a3, 'a3'],
        [ids.a4, 'a4'],
        [ids.b1, 'b1'],
      ]);
      const sent: string[] = [];
      const data = join(dir, `data-${store.dialect}`);
      mkdirSync(data, { recursive: true });
      const collector = (db: RelationalStore) => {
        const releases = new Releases(db, data);
        return { releases, rollout: new RolloutService(db, keys, releases, (agents) => sent.push(...agents)) };
      };
      const one = collector(store);
      const two = collector(twin);
      const queued = (rows: { deviceId: number; version: string }[][]) =>
        rows
          .flat()
          .map((q) => `${name.get(q.deviceId)}→${q.version}`)
          .sort();
      const finish = (deviceId: number, state: 'succeeded' | 'failed' | 'expired', at: number) =>
        store.kysely
          .updateTable('commands')
          .set({ state, finished_at: at, error_code: state === 'failed' ? 'VIGIE_E_UPDATE_ROLLED_BACK' : null })
          .where('device_id', '=', deviceId)
          .where('state', 'in', ['queued', 'sent', 'running'])
          .execute();
      const steps: Record<string, unknown> = {};

      // The same release added by two collectors at once: one is kept, the other refused.
      const release = (c: typeof one, v: string) => c.releases.add({ file: join(dir, `agent-${v}`), version: v, platform: 'linux-x64', by: 'user:admin' }, T0);
      steps.addRace = await settle([release(one, '1.1.0'), release(two, '1.1.0')]);
      await release(one, '1.2.0');
      steps.releases = (await one.releases.list()).map(({ id: _id, ...r }) => r);
      steps.noRelease = await settle([one.rollout.set(ids.user, { targetVersion: '9.9.9', stage: 'all' }, T0)]);

      // Canary ring (an unknown device in the list is dropped): only the canary gets the update, once for two schedules.
      const set = await one.rollout.set(ids.user, { targetVersion: '1.1.0', stage: 'canary', canary: [ids.a1, 999_999, ids.a1] }, T0 + 1);
      steps.canary = set.canary.map((d) => name.get(d));
      steps.round1 = queued(await Promise.all([one.rollout.schedule(T0 + 2), two.rollout.schedule(T0 + 2)]));
      // Its update still on its way: nothing more, even when the ring widens to everyone.
      steps.round2 = queued([await one.rollout.schedule(T0 + 3)]);
      await two.rollout.set(ids.user, { targetVersion: '1.1.0', stage: 'all' }, T0 + 4);
      steps.round3 = queued(await Promise.all([one.rollout.schedule(T0 + 5), two.rollout.schedule(T0 + 5)]));
      // The canary's update failed (rolled back): a person decides; the schedule does not offer it again.
      await finish(ids.a1, 'failed', T0 + 6);
      steps.round4 = queued([await one.rollout.schedule(T0 + 7)]);
      // Two admins retry at once on two collectors: one new manifest, the other is told it is on its way.
      steps.retryRace = await settle([one.rollout.retry(ids.user, ids.a1, T0 + 8), two.rollout.retry(ids.user, ids.a1, T0 + 8)]);
      // a2 updated and says so: nothing more for it.
      await finish(ids.a2, 'succeeded', T0 + 9);
      await store.kysely.updateTable('agents').set({ agent_version: '1.1.0' }).where('id', '=', 'agent-a2').execute();
      steps.round5 = queued([await one.rollout.schedule(T0 + 10)]);
      steps.alreadyThere = await settle([one.rollout.retry(ids.user, ids.a2, T0 + 10)]);
      // The bakery pinned to 1.2.0: offered once its 1.1.0 manifest has expired.
      await two.rollout.pin(ids.user, ids.bakery, '1.2.0', T0 + 11);
      steps.pinnedWhileInFlight = queued([await one.rollout.schedule(T0 + 12)]);
      await finish(ids.b1, 'expired', T0 + 13);
      steps.round6 = queued(await Promise.all([one.rollout.schedule(T0 + 14), two.rollout.schedule(T0 + 14)]));
      steps.badPins = await settle([one.rollout.pin(ids.user, ids.bakery, '7.0.0', T0 + 15), one.rollout.pin(ids.user, 999_999, '1.2.0', T0 + 15)]);
      steps.pins = [...(await one.rollout.pins())].map(([c, v]) => [c === ids.bakery ? 'bakery' : c, v]);
      const fleet = await two.rollout.fleet();
      steps.fleet = {
        ...fleet,
        rollout: { ...fleet.rollout, canary: fleet.rollout.canary.map((d) => name.get(d)) },
        pins: fleet.pins.map((p) => ({ ...p, clientId: p.clientId === ids.bakery ? 'bakery' : p.clientId })),
        releases: fleet.releases.map(({ id: _id, ...r }) => r),
        devices: fleet.devices.map(({ deviceId, clientId: _c, lastUpdate, ...d }) => ({
          ...d,
          device: name.get(deviceId),
          lastUpdate: lastUpdate && { ...lastUpdate, commandId: typeof lastUpdate.commandId },
        })),
      };
      steps.commands = (
        await store.kysely
          .selectFrom('commands')
          .select(['device_id', 'action', 'state', 'args', 'issued_by'])
          .orderBy('created_at')
          .orderBy('device_id')
          .execute()
      ).map((c) => `${name.get(c.device_id)} ${c.action} ${JSON.parse(c.args).version} ${c.state}${c.issued_by ? ' (retry)' : ''}`);
      steps.sent = sent.sort();
      steps.audit = (await store.kysely.selectFrom('audit_log').select(['action', 'result']).orderBy('id').execute()).map((r) => `${r.action} ${r.result}`);
      steps.chain = await auditChainHolds(store);
      answers.push(steps);
    }
    const [lite, post] = answers;
    // What the collector always gave on SQLite, stated.
    expect(lite).toMatchObject({
      addRace: ['VIGIE_E_CONFLICT', 'ok'],
      noRelease: ['VIGIE_E_UPDATE_NO_RELEASE'],
      canary: ['a1'],
      round1: ['a1→1.1.0'],
      round2: [],
      round3: ['a2→1.1.0', 'a3→1.1.0', 'b1→1.1.0'],
      round4: [],
      retryRace: ['VIGIE_E_UPDATE_IN_PROGRESS', 'ok'],
      round5: [],
      alreadyThere: ['VIGIE_E_CONFLICT'],
      pinnedWhileInFlight: [],
      round6: ['b1→1.2.0'],
      badPins: ['VIGIE_E_NOT_FOUND', 'VIGIE_E_UPDATE_NO_RELEASE'],
      pins: [['bakery', '1.2.0']],
      commands: [
        'a1 agent-update 1.1.0 failed',
        'a2 agent-update 1.1.0 succeeded',
        'a3 agent-update 1.1.0 queued',
        'b1 agent-update 1.1.0 expired',
        'a1 agent-update 1.1.0 queued (retry)',
        'b1 agent-update 1.2.0 queued',
      ],
      sent: ['agent-a1', 'agent-a1', 'agent-a2', 'agent-a3', 'agent-b1', 'agent-b1'],
      chain: true,
    });
    expect((lite!.releases as { version: string; size: number }[]).map((r) => [r.version, r.size])).toEqual([
      ['1.2.0', 34],
      ['1.1.0', 17],
    ]);
    const fleet = lite!.fleet as { devices: { device: string; version: string; target: string | null; lastUpdate: { state: string } | null }[] };
    expect(fleet.devices.map((d) => [d.device, d.version, d.target, d.lastUpdate?.state ?? null])).toEqual([
      ['a2', '1.1.0', '1.1.0', 'succeeded'],
      ['a3', '1.0.0', '1.1.0', 'queued'],
      ['a1', '1.0.0', '1.1.0', 'queued'],
      ['a4', '1.0.0', '1.1.0', null],
      ['b1', '1.0.0', '1.2.0', 'queued'],
    ]);
    expect((lite!.audit as string[]).filter((a) => !a.startsWith('command.create'))).toEqual([
      'agent.release.add ok',
      'agent.release.add ok',
      'agent.rollout.update ok',
      'agent.rollout.update ok',
      'agent.pin ok',
    ]);
    expect((lite!.audit as string[]).filter((a) => a === 'command.create queued')).toHaveLength(6);
    // PostgreSQL gives the same answers.
    expect(post).toEqual(lite);
  });
  test('two admins changing the rollout or a pin at once take turns: each audit’s “before” is what the other left', async () => {
    const s = await stores('vigie_updates_turns');
    const answers = [];
    for (const [store, twin] of [s.sqlite, s.postgres]) {
      const ids = await seed(store);
      const data = join(dir, `turns-${store.dialect}`);
      mkdirSync(data, { recursive: true });
      const one = new RolloutService(store, keys, new Releases(store, data), () => undefined);
      const two = new RolloutService(twin, keys, new Releases(twin, data), () => undefined);
      for (const v of ['1.1.0', '1.2.0'])
        await new Releases(store, data).add({ file: join(dir, `agent-${v}`), version: v, platform: 'linux-x64', by: 'user:admin' }, T0);
      // The very first rollout (no row yet) and a first pin, each set by two collectors at once.
      await Promise.all([
        one.set(ids.user, { targetVersion: '1.1.0', stage: 'canary' }, T0 + 1),
        two.set(ids.user, { targetVersion: '1.2.0', stage: 'all' }, T0 + 1),
        one.pin(ids.user, ids.bakery, '1.1.0', T0 + 1),
        two.pin(ids.user, ids.bakery, '1.2.0', T0 + 1),
      ]);
      const entries = await store.kysely
        .selectFrom('audit_log')
        .select(['action', 'details'])
        .where('action', 'in', ['agent.rollout.update', 'agent.pin'])
        .orderBy('id')
        .execute();
      const details = (action: string) =>
        entries.filter((e) => e.action === action).map((e) => JSON.parse(e.details ?? 'null') as { before: unknown; after: unknown });
      const rollouts = details('agent.rollout.update').map((d) => ({
        before: (d.before as { targetVersion: string | null }).targetVersion,
        after: (d.after as { targetVersion: string }).targetVersion,
      }));
      const pins = details('agent.pin');
      const final = await one.get();
      answers.push({
        // In commit order: the second saw the first's "after" as its "before".
        rolloutsChain: rollouts[0]!.before === null && rollouts[1]!.before === rollouts[0]!.after && final.targetVersion === rollouts[1]!.after,
        pinsChain: pins[0]!.before === null && pins[1]!.before === pins[0]!.after && (await one.pins()).get(ids.bakery) === pins[1]!.after,
        counts: [rollouts.length, pins.length],
      });
    }
    expect(answers[0]).toEqual({ rolloutsChain: true, pinsChain: true, counts: [2, 2] });
    expect(answers[1]).toEqual(answers[0]);
  });
});
