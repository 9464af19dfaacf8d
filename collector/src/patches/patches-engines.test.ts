import { join } from 'node:path';
import type { PatchesBody } from '@vigie/shared';
import { beforeAll, describe, expect, test } from 'vitest';
import { AUDIT_GENESIS, auditHash } from '../audit/chain.js';
import type { SessionUser } from '../auth/repository.js';
import { SigningKeys } from '../commands/signing-keys.js';
import type { PendingFrame } from '../ingest/frame.js';
import { SqliteIngestWriter } from '../ingest/sqlite-ingest-writer.js';
import { Database } from '../store/database.js';
import { dualEngines } from '../store/dual-engine-fixture.js';
import type { RelationalStore } from '../store/relational-store.js';
import { SqliteMetricStore } from '../store/sqlite-metric-store.js';
import { PatchIngestTx } from './ingest-transactional.js';
import { PatchInstalls } from './installs.js';
import { PatchPolicies } from './policy.js';
import { PatchRepository } from './repository.js';

/**
 * Patch management on SQLite and on a real PostgreSQL: the compliance view, a device's updates,
 * the monthly figures, policies, approvals and the install schedule give the same answers on both.
 * "Two collectors" on PostgreSQL are two pools on one database; on SQLite the same file (its
 * single writer is what used to rule the races out).
 */

const T0 = 1_764_000_000_000; // beyond 2^31: bigint on PostgreSQL
const DAY = 86_400_000;

const engines = dualEngines('patches');
let dir: string;
let keys: SigningKeys;

beforeAll(async () => {
  dir = engines.dir;
  keys = SigningKeys.open(join(dir, 'keys'), T0);
});

const stores = (name: string) => engines.stores(name);

const ADMIN: SessionUser = { id: 0, email: 'admin@vigie.test', name: 'Admin', role: 'admin', clientId: null, locale: 'fr' };

/** Two clients, their sites, agent devices (hostnames tied on purpose), patch reports, a maintenance window. */
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
  const device = async (site: number, client: number, hostname: string, createdAt: number, agent: string | null) => {
    const row = await db
      .insertInto('devices')
      .values({ site_id: site, client_id: client, kind: 'agent', hostname, platform: 'linux', arch: 'x64', created_at: createdAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (agent)
      await db
        .insertInto('agents')
        .values({ id: agent, device_id: row.id, secret_hash: 'x', created_at: createdAt, last_seq: 0, agent_version: '1.0.0' })
        .execute();
    return row.id;
  };
  const srv = await device(acmeSite.id, acme.id, 'srv-old', T0 - 90 * DAY, 'agent-srv');
  const twinA = await device(acmeSite.id, acme.id, 'poste', T0 - 60 * DAY, 'agent-poste-a');
  const twinB = await device(acmeSite.id, acme.id, 'poste', T0 - 60 * DAY, 'agent-poste-b');
  const silent = await device(acmeSite.id, acme.id, 'jamais-vu', T0 - 5 * DAY, 'agent-silent');
  const caisse = await device(bakerySite.id, bakery.id, 'caisse', T0 - 90 * DAY, 'agent-caisse');
  await db
    .insertInto('devices')
    .values({ site_id: acmeSite.id, client_id: acme.id, kind: 'agentless', hostname: 'imprimante', platform: null, created_at: T0 - 90 * DAY })
    .execute();
  const status = (deviceId: number, reboot: 0 | 1 | null, firstReported: number) =>
    db
      .insertInto('device_patch_status')
      .values({
        device_id: deviceId,
        source: 'apt',
        collected_at: T0 - 1000,
        received_at: T0,
        reboot_pending: reboot,
        truncated: 0,
        first_reported_at: firstReported,
      })
      .execute();
  await status(srv, 0, T0 - 80 * DAY);
  await status(twinA, null, T0 - 50 * DAY);
  await status(twinB, 1, T0 - 2 * DAY);
  await status(caisse, 0, T0 - 80 * DAY);
  const patch = (deviceId: number, name: string, arch: string, security: 0 | 1, firstSeen: number, resolved: number | null, candidate = '2.0') =>
    db
      .insertInto('device_patches')
      .values({
        device_id: deviceId,
        name,
        arch,
        installed_version: name === 'nouveau' ? null : '1.0',
        candidate_version: candidate,
        security,
        reboot_required: 0,
        title: null,
        origin: 'debian-security',
        update_id: null,
        first_seen_at: firstSeen,
        last_seen_at: T0 - 1000,
        resolved_at: resolved,
      })
      .execute();
  // srv-old: openssl pending for 40 days (overdue at 30), curl for 2 days, libc in two architectures, one resolved in the month.
  await patch(srv, 'openssl', '', 1, T0 - 40 * DAY, null, '3.0.15');
  await patch(srv, 'curl', 'amd64', 0, T0 - 2 * DAY, null);
  await patch(srv, 'libc6', 'i386', 1, T0 - 2 * DAY, null);
  await patch(srv, 'libc6', 'amd64', 1, T0 - 2 * DAY, null);
  await patch(srv, 'nouveau', '', 0, T0 - 2 * DAY, null);
  await patch(srv, 'tzdata', '', 0, T0 - 20 * DAY, T0 - 3 * DAY);
  await patch(srv, 'vim', '', 1, T0 - 70 * DAY, T0 - 40 * DAY);
  await patch(twinA, 'bash', '', 0, T0 - 10 * DAY, null);
  await patch(caisse, 'firefox-esr', '', 1, T0 - 31 * DAY, T0 - 1 * DAY);
  await patch(caisse, 'libreoffice', 'amd64', 0, T0 - 3 * DAY, null, '7.4');
  await db
    .insertInto('device_reboot_pending')
    .values({ device_id: srv, since: T0 - 10 * DAY, until: T0 - 5 * DAY })
    .execute();
  await db
    .insertInto('device_reboot_pending')
    .values({ device_id: twinB, since: T0 - 1 * DAY, until: null })
    .execute();
  await db
    .insertInto('maintenance_windows')
    .values({
      scope: 'site',
      scope_id: acmeSite.id,
      starts_at: T0 - 3600_000,
      ends_at: T0 + 3600_000,
      reason: 'patch night',
      created_by: null,
      created_at: T0 - DAY,
    })
    .execute();
  return { user: { ...ADMIN, id: user.id }, acme: acme.id, bakery: bakery.id, acmeSite: acmeSite.id, srv, twinA, twinB, silent, caisse };
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

const auditActions = async (store: RelationalStore) =>
  (await store.kysely.selectFrom('audit_log').select(['action', 'result']).orderBy('id').execute()).map((r) => `${r.action} ${r.result}`);

describe('patches on both engines', () => {
  test('the compliance view, a device’s updates and the monthly figures give the same answers', async () => {
    const s = await stores('vigie_patches_read');
    const answers = [];
    for (const [store] of [s.sqlite, s.postgres]) {
      const ids = await seed(store);
      const repo = new PatchRepository(store);
      const all = await repo.complianceAt(T0, 30);
      const earlier = await repo.complianceAt(T0 - 20 * DAY, 30, { clientId: ids.acme });
      const one = await repo.complianceAt(T0, 30, { deviceId: ids.caisse });
      const device = await repo.devicePatches(ids.srv, T0);
      const resolved = await repo.resolvedBetween(ids.acme, T0 - 30 * DAY, T0);
      const owners = [await repo.clientOf('client', ids.bakery), await repo.clientOf('site', ids.acmeSite), await repo.clientOf('device', ids.caisse)];
      const missing = await repo.clientOf('device', 999_999);
      answers.push({ ids, all, earlier, one, device, resolved, owners, missing });
    }
    const [lite, post] = answers;
    // What the collector always gave on SQLite, stated.
    const { ids } = lite!;
    expect(lite!.all.map((d) => [d.clientName, d.hostname, d.deviceId, d.state, d.pending, d.security, d.overdue, d.rebootPending])).toEqual([
      ['Acme', 'jamais-vu', ids.silent, 'unknown', 0, 0, 0, null],
      ['Acme', 'poste', ids.twinA, 'pending', 1, 0, 0, null],
      ['Acme', 'poste', ids.twinB, 'up-to-date', 0, 0, 0, true],
      ['Acme', 'srv-old', ids.srv, 'overdue', 5, 3, 1, false],
      ['Boulangerie Martin', 'caisse', ids.caisse, 'pending', 1, 0, 0, false],
    ]);
    expect(lite!.all.find((d) => d.deviceId === ids.srv)).toMatchObject({ oldestPendingSince: T0 - 40 * DAY, source: 'apt', collectedAt: T0 - 1000 });
    // 20 days earlier: tzdata was pending then, openssl not yet overdue, no restart period; bash not yet seen;
    // the second "poste" had not reported yet; the silent device did not exist.
    expect(lite!.earlier.map((d) => [d.hostname, d.deviceId, d.state, d.pending, d.overdue, d.rebootPending])).toEqual([
      ['poste', ids.twinA, 'up-to-date', 0, 0, null],
      ['poste', ids.twinB, 'unknown', 0, 0, null],
      ['srv-old', ids.srv, 'pending', 2, 0, false],
    ]);
    expect(lite!.one.map((d) => [d.hostname, d.state])).toEqual([['caisse', 'pending']]);
    expect(lite!.device.pending.map((p) => [p.name, p.arch, p.security])).toEqual([
      ['openssl', null, true],
      ['libc6', 'amd64', true],
      ['libc6', 'i386', true],
      ['curl', 'amd64', false],
      ['nouveau', null, false],
    ]);
    expect(lite!.device.recent.map((p) => p.name)).toEqual(['tzdata', 'vim']);
    expect(lite!.device).toMatchObject({ source: 'apt', rebootPending: false, truncated: false });
    expect(lite!.resolved).toEqual([{ deviceId: ids.srv, count: 1, security: 0 }]);
    expect(lite!.owners).toEqual([ids.bakery, ids.acme, ids.bakery]);
    expect(lite!.missing).toBeUndefined();
    // PostgreSQL gives the same answers.
    expect(post).toEqual(lite);
  });

  test('policies: saved and merged the same, two saves at once number 1 then 2, each audited in its transaction', async () => {
    const s = await stores('vigie_patches_policy');
    const answers = [];
    for (const [store, twin] of [s.sqlite, s.postgres]) {
      const ids = await seed(store);
      const mine = new PatchPolicies(store);
      const other = new PatchPolicies(twin);
      // Two collectors save the client's first policy at once: one is version 1, the other 2 (no lost version).
      const versions = await Promise.all([
        mine.put('client', ids.acme, { excluded: ['linux-image-*'], reboot: 'never' }, ids.user, ids.acme, T0),
        other.put('client', ids.acme, { excluded: ['linux-image-*'], reboot: 'window' }, ids.user, ids.acme, T0),
      ]);
      await mine.put('site', ids.acmeSite, { securityInWindow: false, excluded: ['openssl'] }, ids.user, ids.acme, T0);
      await mine.put('device', ids.srv, { rebootDelayMin: 15, excluded: ['curl'] }, ids.user, ids.acme, T0);
      answers.push({
        versions: versions.sort(),
        effective: await mine.effective(ids.srv),
        other: await mine.effective(ids.caisse),
        none: await mine.effective(999_999),
        level: (await mine.get('device', ids.srv))?.version,
        audit: await auditActions(store),
        chain: await auditChainHolds(store),
      });
    }
    const [lite, post] = answers;
    expect(lite!.versions).toEqual([1, 2]);
    expect(lite!.effective).toMatchObject({ securityInWindow: false, rebootDelayMin: 15, excluded: ['curl', 'linux-image-*', 'openssl'] });
    expect(lite!.other).toEqual({ securityInWindow: true, excluded: [], reboot: 'ask', rebootDelayMin: 5 });
    expect(lite!.audit).toEqual(Array(4).fill('patch.policy.update ok'));
    expect(lite!.chain).toBe(true);
    // The winner of the race (its reboot setting) may differ between runs; the rest is the same.
    expect({ ...post, effective: { ...post!.effective, reboot: undefined } }).toEqual({ ...lite, effective: { ...lite!.effective, reboot: undefined } });
  });

  test('two collectors running the schedule at once queue one install command per device; approvals and refusals audited', async () => {
    const s = await stores('vigie_patches_schedule');
    const answers = [];
    for (const [store, twin] of [s.sqlite, s.postgres]) {
      const ids = await seed(store);
      const sent: string[][] = [];
      const installs = (db: RelationalStore) => new PatchInstalls(db, keys, new PatchPolicies(db), (agents) => sent.push(agents));
      const a = installs(store);
      const b = installs(twin);
      await new PatchPolicies(store).put('device', ids.twinA, { excluded: ['bash'] }, ids.user, ids.acme, T0);
      // An excluded package is refused, the refusal audited (and nothing approved).
      await expect(a.approve(ids.user, ids.twinA, [{ name: 'bash' }], T0)).rejects.toMatchObject({ code: 'VIGIE_E_PATCH_EXCLUDED' });
      await expect(a.approve(ids.user, ids.caisse, [{ name: 'firefox-esr' }], T0)).rejects.toMatchObject({ code: 'VIGIE_E_PATCH_NOT_PENDING' });
      // Two technicians approve the same update at once through two collectors: one open approval, one command.
      const approvals = await Promise.all([
        a.approve(ids.user, ids.caisse, [{ name: 'libreoffice', arch: 'amd64' }], T0),
        b.approve(ids.user, ids.caisse, [{ name: 'libreoffice' }], T0),
      ]);
      // Then both collectors' schedules run at once, twice over: the security updates in the window go once.
      const rounds = [];
      for (let i = 0; i < 2; i++) rounds.push(...(await Promise.all([a.schedule(T0 + 1 + i), b.schedule(T0 + 1 + i)])));
      const commands = await store.kysely
        .selectFrom('commands')
        .select(['device_id', 'agent_id', 'action', 'args', 'state', 'expires_at'])
        .orderBy('created_at')
        .orderBy('device_id')
        .execute();
      const approvalRows = await store.kysely
        .selectFrom('patch_approvals')
        .select(['name', 'arch', 'version', 'state', 'command_id'])
        .where('device_id', '=', ids.caisse)
        .orderBy('id')
        .execute();
      const commandOf = new Map((await store.kysely.selectFrom('commands').select(['id', 'args']).execute()).map((c) => [c.id, JSON.parse(c.args)]));
      // The agent refused the approved install: the next approval pass closes it with why.
      await store.kysely.updateTable('commands').set({ state: 'refused', error_code: 'VIGIE_E_AGENT_BAD_SIGNATURE' }).execute();
      await a.schedule(T0 + 10, [ids.caisse]);
      const closed = await store.kysely.selectFrom('patch_approvals').select(['state', 'note']).where('device_id', '=', ids.caisse).orderBy('id').execute();
      const history = await new PatchRepository(store).installHistory(ids.caisse);
      answers.push({
        ids,
        approved: approvals.map((r) => r.approved),
        queuedByApprove: approvals.map((r) => r.commands.length).sort(),
        scheduled: rounds.flat().length,
        commands: commands.map((c) => ({ ...c, args: JSON.parse(c.args) })),
        approvalRows: approvalRows.map((r) => ({
          ...r,
          command: r.command_id ? commandOf.get(r.command_id).packages.map((p: { name: string }) => p.name) : null,
        })),
        closed,
        history: history.approvals.map(({ commandId: _c, ...r }) => r),
        sent: sent.flat().sort(),
        audit: (await auditActions(store)).sort(),
        chain: await auditChainHolds(store),
      });
    }
    const [lite, post] = answers;
    const { ids } = lite!;
    expect(lite!.approved).toEqual([[{ name: 'libreoffice', arch: 'amd64', version: '7.4' }], [{ name: 'libreoffice', arch: 'amd64', version: '7.4' }]]);
    // One of the two approvals queued the command, the other found the package already on its way.
    expect(lite!.queuedByApprove).toEqual([0, 1]);
    // srv-old's security updates in its site's window (openssl, both libc6; not curl) in one command, whichever collector ran it.
    expect(lite!.scheduled).toBe(1);
    expect(
      lite!.commands.map((c) => [
        c.device_id,
        c.agent_id,
        c.action,
        c.state,
        c.args.packages.map((p: { name: string; arch?: string }) => `${p.name}/${p.arch ?? ''}`),
      ]),
    ).toEqual([
      [ids.caisse, 'agent-caisse', 'patch-install', 'queued', ['libreoffice/amd64']],
      [ids.srv, 'agent-srv', 'patch-install', 'queued', ['openssl/', 'libc6/i386', 'libc6/amd64']],
    ]);
    // The window's installs expire with the window; the approved one lives a day.
    expect(lite!.commands.map((c) => c.expires_at - T0)).toEqual([24 * 3_600_000, 3_600_000]);
    expect(lite!.approvalRows).toEqual([
      { name: 'libreoffice', arch: 'amd64', version: '7.4', state: 'queued', command_id: expect.any(String), command: ['libreoffice'] },
    ]);
    expect(lite!.closed).toEqual([{ state: 'failed', note: 'command refused: VIGIE_E_AGENT_BAD_SIGNATURE' }]);
    expect(lite!.history).toEqual([
      {
        name: 'libreoffice',
        arch: 'amd64',
        version: '7.4',
        state: 'failed',
        note: 'command refused: VIGIE_E_AGENT_BAD_SIGNATURE',
        approvedAt: T0,
        approvedBy: 'Admin',
      },
    ]);
    expect(lite!.sent).toEqual(['agent-caisse', 'agent-srv']);
    expect(lite!.audit).toEqual(
      [
        'patch.policy.update ok',
        'patch.approve refused: excluded',
        'patch.approve ok',
        'patch.approve ok',
        'command.create queued',
        'command.create queued',
      ].sort(),
    );
    expect(lite!.chain).toBe(true);
    expect(post).toEqual({ ...lite, approvalRows: [{ ...lite!.approvalRows[0], command_id: expect.any(String) }] });
  });
  test('reports and install results stored in an ingest transaction: the same rows on both engines, and through the SQLite ingest writer’s frames', async () => {
    const s = await stores('vigie_patches_ingest');
    // A third store: the whole SQLite ingest writer, fed the agent's frames (its batch transaction, seq checks and all), which must agree.
    const viaWriter = new Database({ path: join(dir, 'vigie_patches_ingest_writer.db') });
    await viaWriter.migrate();
    engines.track(viaWriter);
    const writer = new SqliteIngestWriter(viaWriter, await SqliteMetricStore.open(viaWriter));
    let seq = 0;
    const frame = (agentId: string, deviceId: number, msg: Record<string, unknown>) =>
      ({ agentId, deviceId, msg: { v: 1, seq: ++seq, ts: T0, ...msg }, receivedAt: T0, values: 0 }) as unknown as PendingFrame;
    const u = (name: string, candidate: string, security = false, arch?: string) => ({
      name,
      ...(arch ? { arch } : {}),
      installedVersion: '1.0',
      candidateVersion: candidate,
      security,
      rebootRequired: false,
    });
    const report = (at: number, rebootPending: boolean | null, updates: PatchesBody['updates'], truncated?: boolean): PatchesBody => ({
      source: 'apt',
      collectedAt: at,
      rebootPending,
      updates,
      ...(truncated ? { truncated } : {}),
    });
    const reports = [
      report(T0 - 10 * DAY, true, [u('openssl', '3.0.14', true), u('curl', '8.1', false, 'amd64'), u('curl', '8.1', false, 'amd64')]),
      report(T0 - 5 * DAY, false, [u('openssl', '3.0.15', true), u('zlib', '1.3')]),
      // Older than the stored one (replayed after a reconnect): ignored.
      report(T0 - 7 * DAY, true, [u('ancien', '1.0')]),
      // Cut: openssl not listed, yet not resolved.
      report(T0 - 1 * DAY, null, [u('zlib', '1.3.1')], true),
    ];
    const answers = [];
    for (const [store, kind] of [
      [s.sqlite[0], 'kysely'],
      [s.postgres[0], 'kysely'],
      [viaWriter, 'writer'],
    ] as const) {
      const ids = await seed(store);
      const tx = new PatchIngestTx(store.dialect);
      const applied: boolean[] = [];
      for (const r of reports) {
        if (kind === 'kysely') applied.push(await store.kysely.transaction().execute((t) => tx.apply(t, ids.silent, r, T0)));
        else await writer.commit([frame('agent-silent', ids.silent, { type: 'patches', body: r })], T0); // the writer does not tell: the rows do
      }
      // An approved zlib is sent; the agent reports it installed; a result naming another device's command changes nothing.
      const installs = new PatchInstalls(store, keys, new PatchPolicies(store), () => undefined);
      const { commands } = await installs.approve(ids.user, ids.silent, [{ name: 'zlib' }], T0);
      const commandId = commands[0]!.commandId;
      const result = { commandId, ok: true, packages: [{ name: 'zlib', version: '1.3.1', state: 'installed' as const, attempts: 1 }] };
      for (const [device, agent] of [
        [ids.srv, 'agent-srv'],
        [ids.silent, 'agent-silent'],
      ] as const) {
        if (kind === 'kysely') await store.kysely.transaction().execute((t) => tx.applyInstallResult(t, device, agent, result, T0 + 1));
        else await writer.commit([frame(agent, device, { type: 'command-result', body: result })], T0 + 1);
      }
      const k = store.kysely;
      answers.push({
        applied,
        status: await k.selectFrom('device_patch_status').selectAll().where('device_id', '=', ids.silent).execute(),
        patches: await k
          .selectFrom('device_patches')
          .select(['name', 'arch', 'candidate_version', 'security', 'first_seen_at', 'last_seen_at', 'resolved_at'])
          .where('device_id', '=', ids.silent)
          .orderBy('id')
          .execute(),
        reboots: await k.selectFrom('device_reboot_pending').select(['since', 'until']).where('device_id', '=', ids.silent).orderBy('id').execute(),
        results: (await new PatchRepository(store).installHistory(ids.silent)).results.map(({ commandId: c, ...r }) => ({
          ...r,
          sameCommand: c === commandId,
        })),
        approvals: await k.selectFrom('patch_approvals').select(['name', 'version', 'state', 'note']).orderBy('id').execute(),
        audit: (await k.selectFrom('audit_log').select(['actor', 'action', 'result']).orderBy('id').execute()).map((r) => `${r.actor} ${r.action} ${r.result}`),
        chain: await auditChainHolds(store),
        compliance: (await new PatchRepository(store).complianceAt(T0, 30, { deviceId: ids.silent })).map(
          ({ deviceId: _d, clientId: _c, siteId: _s, ...c }) => c,
        ),
      });
    }
    const [lite, post, written] = answers;
    expect(lite!.applied).toEqual([true, true, false, true]);
    expect(lite!.patches).toEqual([
      { name: 'openssl', arch: '', candidate_version: '3.0.15', security: 1, first_seen_at: T0 - 10 * DAY, last_seen_at: T0 - 5 * DAY, resolved_at: null },
      {
        name: 'curl',
        arch: 'amd64',
        candidate_version: '8.1',
        security: 0,
        first_seen_at: T0 - 10 * DAY,
        last_seen_at: T0 - 10 * DAY,
        resolved_at: T0 - 5 * DAY,
      },
      { name: 'zlib', arch: '', candidate_version: '1.3.1', security: 0, first_seen_at: T0 - 5 * DAY, last_seen_at: T0 - DAY, resolved_at: null },
    ]);
    expect(lite!.reboots).toEqual([{ since: T0 - 10 * DAY, until: T0 - 5 * DAY }]);
    expect(lite!.status).toEqual([
      {
        device_id: expect.any(Number),
        source: 'apt',
        collected_at: T0 - DAY,
        received_at: T0,
        reboot_pending: null,
        truncated: 1,
        first_reported_at: T0 - 10 * DAY,
      },
    ]);
    expect(lite!.results).toEqual([
      { name: 'zlib', arch: '', version: '1.3.1', state: 'installed', attempts: 1, error: null, finishedAt: T0 + 1, sameCommand: true },
    ]);
    expect(lite!.approvals).toEqual([{ name: 'zlib', version: '1.3.1', state: 'installed', note: null }]);
    expect(lite!.audit).toEqual(['user:1 patch.approve ok', 'system:patches command.create queued', 'agent:agent-silent patch.package.installed ok']);
    expect(lite!.chain).toBe(true);
    expect(post).toEqual(lite);
    expect(written).toEqual({ ...lite, applied: [] });
  });
});
