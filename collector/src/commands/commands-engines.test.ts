import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PolicyBody, SignedCommandBody } from '@vigie/shared';
import { type Postgres, startPostgres, waitFor } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SessionUser } from '../auth/repository.js';
import { SecretBox } from '../auth/totp/secret-box.js';
import { TotpService } from '../auth/totp/totp-service.js';
import type { BillingService } from '../billing/service.js';
import type { PendingFrame } from '../ingest/frame.js';
import { Database } from '../store/database.js';
import { PostgresDatabase } from '../store/postgres-database.js';
import type { RelationalStore } from '../store/relational-store.js';
import { type CommandNotifier, CommandService } from './command-service.js';
import { CommandDelivery, type RemoteEffect } from './delivery.js';
import { rotateSigningKey } from './key-rotation.js';
import { RemotePermissions } from './permissions.js';
import { RemoteSessions } from './remote-sessions.js';
import { ScriptsRepository } from './scripts-repository.js';
import { DeviceSelections } from './selections.js';
import { SigningKeys } from './signing-keys.js';

/**
 * Commands on SQLite and on a real PostgreSQL: the same fixtures, the same service calls, the same
 * answers (each test states SQLite's, what the collector has always given, and expects
 * PostgreSQL's to equal it). Races between two collectors go through two pools on PostgreSQL (on
 * SQLite the "twin" is the same store: its single writer already serialises them): a queued command
 * is sent once, a result recorded and audited once, a run never exceeds its concurrency.
 */

const T0 = 1_764_000_000_000; // beyond 2^31: bigint on PostgreSQL
const HOUR = 3_600_000;

let pg: Postgres;
let dir: string;
let keys: SigningKeys;
let box: SecretBox;
let sqlite: Database;
let postgres: PostgresDatabase;
let postgresTwin: PostgresDatabase;

beforeAll(async () => {
  pg = await startPostgres({ fast: true });
  dir = mkdtempSync(join(tmpdir(), 'vigie-commands-engines-'));
  keys = SigningKeys.open(dir, T0);
  box = SecretBox.open(dir);
  sqlite = new Database({ path: join(dir, 'vigie.db') });
  const url = await pg.createDatabase('vigie_commands');
  postgres = new PostgresDatabase({ url, maxConnections: 10 });
  postgresTwin = new PostgresDatabase({ url, maxConnections: 10 });
  await sqlite.migrate();
  await postgres.migrate();
  for (const db of [sqlite, postgres]) await seed(db);
});

afterAll(async () => {
  await sqlite?.close();
  await postgres?.close();
  await postgresTwin?.close();
  if (pg) {
    await waitFor(
      'the pools to disconnect',
      async () => pg.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'vigie_commands'")[0]?.trim() === '0',
      10_000,
      20,
    );
    await pg.stop();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const engines = () =>
  [
    ['sqlite', () => sqlite, () => sqlite],
    ['postgres', () => postgres, () => postgresTwin],
  ] as const satisfies readonly (readonly [string, () => RelationalStore, () => RelationalStore])[];

interface Fixture {
  admin: SessionUser;
  tech: SessionUser;
  client: SessionUser;
  acme: number;
  bakery: number;
  /** Acme's devices (each with a live agent `agent-<deviceId>`), then the bakery's. */
  acmeDevices: number[];
  bakeryDevice: number;
  ticket: number;
}
const fixtures = new Map<RelationalStore, Fixture>();
const fx = (db: RelationalStore) => fixtures.get(db)!;

async function seed(db: RelationalStore): Promise<void> {
  const k = db.kysely;
  const client = async (name: string) => (await k.insertInto('clients').values({ name, created_at: T0 }).returning('id').executeTakeFirstOrThrow()).id;
  const acme = await client('Acme');
  const bakery = await client('Boulangerie Martin');
  const site = async (clientId: number) =>
    (await k.insertInto('sites').values({ client_id: clientId, name: 'Siège', created_at: T0 }).returning('id').executeTakeFirstOrThrow()).id;
  const acmeSite = await site(acme);
  const bakerySite = await site(bakery);
  const device = async (siteId: number, clientId: number, hostname: string) => {
    const { id } = await k
      .insertInto('devices')
      .values({ site_id: siteId, client_id: clientId, kind: 'agent', hostname, platform: 'linux', created_at: T0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await k
      .insertInto('agents')
      .values({ id: `agent-${id}`, device_id: id, secret_hash: 'x', created_at: T0, last_seq: 0 })
      .execute();
    return id;
  };
  const acmeDevices = [await device(acmeSite, acme, 'SRV-01'), await device(acmeSite, acme, 'SRV-02'), await device(acmeSite, acme, 'poste-03')];
  const bakeryDevice = await device(bakerySite, bakery, 'CAISSE-01');
  const user = async (email: string, role: 'admin' | 'technician' | 'client', clientId: number | null): Promise<SessionUser> => {
    const { id } = await k
      .insertInto('users')
      .values({ email, name: email.split('@')[0]!, role, client_id: clientId, password_hash: 'x', locale: 'fr', created_at: T0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id, email, name: email.split('@')[0]!, role, clientId, locale: 'fr' };
  };
  const admin = await user('admin@vigie.test', 'admin', null);
  const tech = await user('tech@vigie.test', 'technician', null);
  const clientUser = await user('compta@acme.test', 'client', acme);
  const { id: ticket } = await k
    .insertInto('tickets')
    .values({
      client_id: acme,
      title: 'Imprimante',
      description: '',
      channel: 'phone',
      kind: 'urgent',
      mode: 'remote',
      priority: 'normal',
      status: 'new',
      assignee_id: null,
      received_at: T0,
      sla_start_at: T0,
      sla_deadline_at: null,
      planned_date: null,
      intervention_started_at: null,
      resolved_at: null,
      closed_at: null,
      fingerprint: null,
      created_by: admin.id,
      created_at: T0,
      updated_at: T0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  fixtures.set(db, { admin, tech, client: clientUser, acme, bakery, acmeDevices, bakeryDevice, ticket });
}

/** What a collector process publishes, kept for the assertions. */
function notifier() {
  const n = { queued: [] as string[], live: [] as unknown[], audited: 0 };
  const notify: CommandNotifier = { queued: (ids) => n.queued.push(...ids), live: (e) => n.live.push(e), audited: () => n.audited++ };
  return { n, notify };
}

/** A collector's hold on agents: what it sends, in order (a real connection's frames, recorded). */
function agentLink(held: string[]) {
  const sent: { agentId: string; body: SignedCommandBody }[] = [];
  return {
    sent,
    link: { holds: (a: string) => held.includes(a), send: (agentId: string, _t: 'command', body: SignedCommandBody) => sent.push({ agentId, body }) > 0 },
  };
}

function services(db: RelationalStore, held: string[] = [], policyFor: (deviceId: number) => PolicyBody = () => ({ probes: {} }) as unknown as PolicyBody) {
  const { n, notify } = notifier();
  const scripts = new ScriptsRepository(db);
  const permissions = new RemotePermissions(db);
  const commands = new CommandService(db, keys, scripts, permissions, new TotpService(db, box), notify);
  const { sent, link } = agentLink(held);
  const delivery = new CommandDelivery(db, keys, scripts, link, policyFor, notify);
  return { n, scripts, permissions, commands, delivery, sent };
}

const restart = (service: string) => ({ action: 'service-restart' as const, args: { service } });

function frame(deviceId: number, msg: Record<string, unknown>): PendingFrame {
  return { agentId: `agent-${deviceId}`, deviceId, msg: { v: 1, seq: 1, ts: T0, ...msg } as unknown as PendingFrame['msg'], receivedAt: T0, values: 0 };
}

async function applyInTransaction(db: RelationalStore, delivery: CommandDelivery, f: PendingFrame): Promise<RemoteEffect> {
  const effect: RemoteEffect = { live: [], queued: [], regrant: [] };
  await db.kysely.transaction().execute((tx) => delivery.applyFrame(tx, f, T0 + HOUR, effect));
  return effect;
}

async function auditCount(db: RelationalStore, action: string, target?: string): Promise<number> {
  const r = await db.kysely
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('action', '=', action)
    .$if(target !== undefined, (q) => q.where('target', '=', target!))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe.each(engines())('commands on %s', (engine, store, twinStore) => {
  test('permissions, targets and runs: who may act, on which machines, and the history in order', async () => {
    const db = store();
    const f = fx(db);
    const { permissions, commands, n } = services(db);
    const selections = new DeviceSelections(db);
    expect(await permissions.set(f.admin, f.tech.id, [f.acme, f.acme], T0)).toEqual([f.acme]);
    expect(await errorCode(permissions.set(f.admin, f.admin.id, [f.acme], T0))).toBe('VIGIE_E_VALIDATION');
    expect(await errorCode(permissions.set(f.admin, f.tech.id, [999_999], T0))).toBe('VIGIE_E_NOT_FOUND');
    expect([await permissions.canAct(f.tech, f.acme), await permissions.canAct(f.tech, f.bakery), await permissions.canAct(f.client, f.acme)]).toEqual([
      true,
      false,
      false,
    ]);
    expect(await errorCode(commands.createRun(f.tech, undefined, { target: { kind: 'client', id: f.bakery }, ...restart('cups') }, T0))).toBe(
      'VIGIE_E_REMOTE_PERMISSION_REQUIRED',
    );
    expect(await errorCode(commands.createRun(f.client, undefined, { target: { kind: 'client', id: f.acme }, ...restart('cups') }, T0))).toBe(
      'VIGIE_E_FORBIDDEN',
    );
    // Two selections of the same name: listed by name then id; an unknown device refuses the selection.
    const sel = await selections.create(f.tech, 'Serveurs', [f.acmeDevices[1]!, f.acmeDevices[0]!, f.acmeDevices[1]!], T0);
    await selections.create(f.tech, 'Serveurs', [f.bakeryDevice], T0);
    expect(await errorCode(selections.create(f.tech, 'Fantômes', [f.acmeDevices[0]!, 999_999], T0))).toBe('VIGIE_E_NOT_FOUND');
    const listed = await selections.list();
    expect(listed.map((s) => [s.name, s.deviceIds.length])).toEqual([
      ['Serveurs', 2],
      ['Serveurs', 1],
    ]);
    const run = await commands.createRun(f.tech, undefined, { target: { kind: 'selection', id: sel }, ...restart('cups'), concurrency: 1 }, T0);
    // Same creation time for both: the history breaks the tie by queue order, the latest first.
    expect(run.commands.map((c) => [c.deviceId, c.state, c.issuedBy, c.args])).toEqual([
      [f.acmeDevices[1], 'queued', 'tech', { service: 'cups' }],
      [f.acmeDevices[0], 'queued', 'tech', { service: 'cups' }],
    ]);
    expect(await auditCount(db, 'command.create')).toBe(2);
    expect(await auditCount(db, 'user.remote-permission')).toBe(1);
    expect(n.audited).toBe(1);
    expect(n.queued).toEqual([`agent-${f.acmeDevices[0]}`, `agent-${f.acmeDevices[1]}`]);
    const history = await commands.history({ clientId: f.acme, from: T0, to: T0 + 1, state: 'queued', action: 'service-restart', userId: f.tech.id });
    expect(history.map((c) => c.id)).toEqual(run.commands.map((c) => c.id));
    expect(await commands.clientOfDevice(f.bakeryDevice)).toBe(f.bakery);
    expect([await commands.clientExists(f.acme), await commands.clientExists(999_999)]).toEqual([true, false]);
    expect((await commands.find(run.commands[0]!.id))?.output).toBe('');
    // Cancelled while queued, audited; a second cancel is refused (nothing left to cancel).
    await commands.cancel(f.tech, run.commands[0]!.id, T0 + 1);
    expect(await errorCode(commands.cancel(f.tech, run.commands[0]!.id, T0 + 2))).toBe('VIGIE_E_CONFLICT');
    expect(await auditCount(db, 'command.cancel')).toBe(1);
    expect(engine).toBeTruthy();
  });

  test('an agent gets its commands in queue order, each once even when two collectors deliver at the same time', async () => {
    const db = store();
    const f = fx(db);
    const device = f.acmeDevices[2]!;
    const agent = `agent-${device}`;
    const one = services(db, [agent]);
    const two = services(twinStore(), [agent]);
    // Three commands queued in the same millisecond: the order is the queue's, not the random ids'.
    const ids: string[] = [];
    for (const service of ['alpha', 'bravo', 'charlie', 'delta', 'echo'])
      ids.push((await one.commands.createRun(f.admin, undefined, { target: { kind: 'device', id: device }, ...restart(service) }, T0)).commands[0]!.id);
    await Promise.all([one.delivery.deliver(agent, { resend: false }, T0 + 10), two.delivery.deliver(agent, { resend: false }, T0 + 10)]);
    const sent = [...one.sent, ...two.sent].map((s) => s.body.commandId);
    expect(sent.toSorted()).toEqual(ids.toSorted()); // each once, between the two collectors
    // Whoever sent, each collector sent its share in queue order.
    for (const c of [one, two]) {
      const mine = c.sent.map((s) => ids.indexOf(s.body.commandId));
      expect(mine).toEqual(mine.toSorted((a, b) => a - b));
    }
    // One collector after a reconnection: the sent ones go again, in queue order.
    one.sent.length = 0;
    await one.delivery.deliver(agent, { resend: true }, T0 + 20);
    expect(one.sent.map((s) => s.body.commandId)).toEqual(ids);
    const states = await db.kysely.selectFrom('commands').select(['state', 'sent_at']).where('id', 'in', ids).execute();
    expect(states.every((s) => s.state === 'sent' && s.sent_at === T0 + 10)).toBe(true);
  });

  test('a run never exceeds its concurrency, even with two collectors filling its slots at once', async () => {
    const db = store();
    const f = fx(db);
    const agents = f.acmeDevices.map((d) => `agent-${d}`);
    const one = services(db, agents);
    const two = services(twinStore(), agents);
    const run = await one.commands.createRun(f.admin, undefined, { target: { kind: 'client', id: f.acme }, ...restart('sshd'), concurrency: 2 }, T0 + 100);
    await Promise.all(agents.map((a, i) => (i % 2 === 0 ? one : two).delivery.deliver(a, { resend: false }, T0 + 110)));
    const sent = [...one.sent, ...two.sent].filter((s) => run.commands.some((c) => c.id === s.body.commandId));
    expect(sent.length).toBe(2);
    // One ends: its result frees a slot and names the agent still waiting.
    const done = sent[0]!;
    const device = Number(done.agentId.slice('agent-'.length));
    const effect = await applyInTransaction(
      db,
      one.delivery,
      frame(device, { type: 'command-result', body: { commandId: done.body.commandId, ok: true, exitCode: 0 } }),
    );
    const waiting = run.commands.find((c) => !sent.some((s) => s.body.commandId === c.id))!;
    expect(effect.queued).toEqual([done.agentId, `agent-${waiting.deviceId}`]);
  });

  test('what the agent answers is recorded once, even when two collectors apply the same answer at once', async () => {
    const db = store();
    const f = fx(db);
    const device = f.acmeDevices[0]!;
    const one = services(db, [`agent-${device}`]);
    const two = services(twinStore());
    const [c] = (await one.commands.createRun(f.admin, undefined, { target: { kind: 'device', id: device }, ...restart('nginx') }, T0 + 200)).commands;
    const id = c!.id;
    await one.delivery.deliver(`agent-${device}`, { resend: false }, T0 + 201);
    const accepted = frame(device, { type: 'command-ack', body: { commandId: id, state: 'accepted', at: T0 + 202 } });
    const [a1, a2] = await Promise.all([applyInTransaction(db, one.delivery, accepted), applyInTransaction(twinStore(), two.delivery, accepted)]);
    expect(a1.live.length + a2.live.length).toBe(1);
    for (const [i, data] of ['é'.repeat(3), 'fin\n'].entries())
      await applyInTransaction(
        db,
        one.delivery,
        frame(device, { type: 'command-output', body: { commandId: id, stream: 'stdout', index: i, data, at: T0 + 203 } }),
      );
    const result = frame(device, { type: 'command-result', body: { commandId: id, ok: false, exitCode: 3, durationMs: 1500, outputBytes: 10 } });
    const [r1, r2] = await Promise.all([applyInTransaction(db, one.delivery, result), applyInTransaction(twinStore(), two.delivery, result)]);
    expect(r1.live.length + r2.live.length).toBe(1);
    expect(await auditCount(db, 'command.finished', `command:${id}`)).toBe(1);
    const got = await one.commands.get(id);
    expect({ state: got?.state, exitCode: got?.exitCode, durationMs: got?.durationMs, output: got?.output, acceptedAt: got?.acceptedAt }).toEqual({
      state: 'failed',
      exitCode: 3,
      durationMs: 1500,
      output: 'éééfin\n',
      acceptedAt: T0 + 202,
    });
    const entry = await db.kysely
      .selectFrom('audit_log')
      .select(['actor', 'result', 'client_id', 'device_id'])
      .where('action', '=', 'command.finished')
      .where('target', '=', `command:${id}`)
      .executeTakeFirstOrThrow();
    expect(entry).toEqual({ actor: `agent:agent-${device}`, result: 'failed: exit 3', client_id: f.acme, device_id: device });
    // A refusal of a command of another device touches nothing of this one, and is still audited.
    const foreign = await applyInTransaction(
      db,
      one.delivery,
      frame(f.bakeryDevice, { type: 'command-ack', body: { commandId: id, state: 'refused', code: 'VIGIE_E_FORBIDDEN', at: T0 } }),
    );
    expect(foreign.live).toEqual([]);
    expect((await one.commands.get(id))?.state).toBe('failed');
    expect(await auditCount(db, 'command.refused', `command:${id}`)).toBe(1);
  });

  test('expiry: each command expired and audited once, whichever collectors run it at once', async () => {
    const db = store();
    const f = fx(db);
    const device = f.bakeryDevice;
    const one = services(db);
    const two = services(twinStore());
    const created = [];
    for (const s of ['a', 'b', 'c'])
      created.push(
        (await one.commands.createRun(f.admin, undefined, { target: { kind: 'device', id: device }, ...restart(s), expiresInMin: 1 }, T0 + 300)).commands[0]!
          .id,
      );
    const [x, y] = await Promise.all([one.commands.expire(T0 + 300 + 2 * 60_000), two.commands.expire(T0 + 300 + 2 * 60_000)]);
    expect(x + y).toBe(3);
    for (const id of created) expect(await auditCount(db, 'command.expired', `command:${id}`)).toBe(1);
    expect((await one.commands.history({ deviceId: device, state: 'expired' })).map((c) => c.id)).toEqual(created.toReversed());
  });

  test('scripts: numbered versions, approved once, even when two requests race', async () => {
    const db = store();
    const f = fx(db);
    const one = services(db);
    const two = services(twinStore());
    const v1 = await one.scripts.create({ name: 'Nettoyage', language: 'sh', content: 'echo 1\n' }, f.tech, T0);
    expect(await errorCode(two.scripts.create({ name: 'Nettoyage', language: 'sh', content: 'echo 1\n' }, f.tech, T0))).toBe('VIGIE_E_CONFLICT');
    const [v2, v3] = await Promise.all([
      one.scripts.addVersion(v1.scriptId, { language: 'sh', content: 'echo 2\n' }, f.tech, T0 + 1),
      two.scripts.addVersion(v1.scriptId, { language: 'bash', content: 'echo 3\n' }, f.tech, T0 + 1),
    ]);
    expect([v2.version, v3.version].toSorted()).toEqual([2, 3]);
    const approvals = await Promise.all([errorCode(one.scripts.approve(v1.id, f.admin, T0 + 2)), errorCode(two.scripts.approve(v1.id, f.admin, T0 + 2))]);
    expect(approvals.toSorted()).toEqual(['VIGIE_E_CONFLICT', 'none']);
    expect(await auditCount(db, 'script.version.approve', `script-version:${v1.id}`)).toBe(1);
    const approved = await one.scripts.approvedBySha(v1.sha256);
    expect([approved?.id, approved?.approvedBy, await one.scripts.approvedBySha(v2.sha256)]).toEqual([v1.id, 'admin', undefined]);
    const listed = (await one.scripts.listed()).find((s) => s.name === 'Nettoyage');
    expect(listed?.versions.map((v) => v.version)).toEqual([3, 2, 1]);
  });

  test('standing grants follow the policy; a key rotation is queued after what waited, and delivered after it', async () => {
    const db = store();
    const f = fx(db);
    const device = f.acmeDevices[1]!;
    const agent = `agent-${device}`;
    const probe = services(db);
    const v = await probe.scripts.create({ name: 'Sauvegarde', language: 'sh', content: 'echo ok\n' }, f.tech, T0);
    await probe.scripts.approve(v.id, f.admin, T0);
    const policy = {
      probes: { backup: { targets: [{ kind: 'command', name: 'veeam', script: v.sha256, params: { jour: 'lundi' } }] } },
    } as unknown as PolicyBody;
    const s = services(db, [agent], (id) => (id === device ? policy : ({ probes: {} } as unknown as PolicyBody)));
    expect(await s.delivery.refreshGrants([device, f.bakeryDevice], T0)).toEqual([device]);
    expect(await s.delivery.refreshGrants([device], T0 + 1)).toEqual([]); // nothing to re-sign
    expect(await s.delivery.sendGrants(agent, device, T0 + 2)).toBe(1);
    expect(s.sent.length).toBe(1);
    expect(s.sent[0]!.body.script).toBe('echo ok\n');
    const grantId = s.sent[0]!.body.commandId;
    // The agent refuses the grant: recorded on the grant, audited.
    await applyInTransaction(
      db,
      s.delivery,
      frame(device, { type: 'command-ack', body: { commandId: grantId, state: 'refused', code: 'VIGIE_E_FORBIDDEN', at: T0 } }),
    );
    expect((await db.kysely.selectFrom('policy_grants').select('state').where('command_id', '=', grantId).executeTakeFirstOrThrow()).state).toBe('refused');
    // A command waits, then the key rotates: its envelope is queued after, delivered after.
    const before = (await s.commands.createRun(f.admin, undefined, { target: { kind: 'device', id: device }, ...restart('rotate') }, T0 + 3 * HOUR))
      .commands[0]!.id;
    const rotated = await rotateSigningKey(db, keys, { userId: f.admin.id, name: 'admin' }, T0 + 3 * HOUR);
    expect(rotated.agents).toEqual(f.acmeDevices.concat(f.bakeryDevice).map((d) => `agent-${d}`));
    expect(await db.kysely.selectFrom('policy_grants').select('command_id').execute()).toEqual([]);
    s.sent.length = 0;
    await s.delivery.deliver(agent, { resend: false }, T0 + 3 * HOUR + 1);
    const order = s.sent.map((x) => x.body.commandId);
    const rotation = await db.kysely
      .selectFrom('commands')
      .select('id')
      .where('action', '=', 'key-rotate')
      .where('device_id', '=', device)
      .executeTakeFirstOrThrow();
    expect(order.indexOf(before)).toBeLessThan(order.indexOf(rotation.id));
    expect(order.indexOf(before)).toBeGreaterThanOrEqual(0);
  });

  test('remote sessions: one open session per technician and device, however many starts arrive at once', async () => {
    const db = store();
    const f = fx(db);
    // Starting, discarding and listing never price anything: the billing service is not reached.
    const billing = {} as BillingService;
    const audited = { n: 0 };
    const one = new RemoteSessions(db, billing, new RemotePermissions(db), () => audited.n++);
    const two = new RemoteSessions(twinStore(), billing, new RemotePermissions(twinStore()), () => audited.n++);
    const device = f.acmeDevices[0]!;
    const started = await Promise.all([
      one.start(f.admin, f.ticket, device, T0),
      two.start(f.admin, f.ticket, device, T0),
      one.start(f.admin, f.ticket, device, T0),
    ]);
    expect(new Set(started.map((s) => s.id)).size).toBe(1);
    expect(await auditCount(db, 'remote-session.start', `remote-session:${started[0]!.id}`)).toBe(1);
    expect(await errorCode(one.start(f.admin, f.ticket, f.bakeryDevice, T0))).toBe('VIGIE_E_VALIDATION');
    // The technician was granted Acme (first test): allowed there; a client user never.
    expect(await errorCode(one.start(f.tech, f.ticket, f.acmeDevices[1]!, T0 + 1))).toBe('none');
    expect(await errorCode(one.start(f.client, f.ticket, f.acmeDevices[1]!, T0 + 1))).toBe('VIGIE_E_REMOTE_PERMISSION_REQUIRED');
    const discards = await Promise.all([errorCode(one.discard(f.admin, started[0]!.id, T0 + 5)), errorCode(two.discard(f.admin, started[0]!.id, T0 + 5))]);
    expect(discards.toSorted()).toEqual(['VIGIE_E_CONFLICT', 'none']);
    const listed = await one.ofTicketWithClient(f.ticket);
    expect(listed?.clientId).toBe(f.acme);
    expect(listed?.sessions.map((s) => [s.state, s.hostname, s.technician, s.startedAt, s.endedAt, s.minutes])).toEqual([
      ['discarded', 'SRV-01', 'admin', T0, T0 + 5, 1],
      ['open', 'SRV-02', 'tech', T0 + 1, null, null],
    ]);
    const events = await db.kysely.selectFrom('ticket_events').select('type').where('ticket_id', '=', f.ticket).where('type', '=', 'remote_session').execute();
    expect(events.length).toBe(2);
    expect(audited.n).toBe(5); // every start (also one that found the open session), the discard
  });
});
