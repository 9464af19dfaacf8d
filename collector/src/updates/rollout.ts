import { DEFAULT_MANIFEST_TTL_SEC, DEFAULT_UPDATE_GRACE_SEC, type RolloutBody, VigieError } from '@vigie/shared';
import { type Kysely, sql, type Transaction } from 'kysely';
import { appendAuditInTransaction } from '../audit/repository.js';
import { queueSignedCommand } from '../commands/queue-command.js';
import type { SigningKeys } from '../commands/signing-keys.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';
import type { Releases } from './releases.js';
import { type Rollout, targetVersionFor } from './rings.js';

interface AgentRow {
  agent_id: string;
  device_id: number;
  client_id: number;
  hostname: string;
  client_name: string;
  agent_version: string | null;
  platform: string | null;
  arch: string | null;
}

interface UpdateCommand {
  id: string;
  state: string;
  version: string;
  error_code: string | null;
  error_message: string | null;
  finished_at: number | null;
  created_at: number;
}

const IN_FLIGHT = ['queued', 'sent', 'running'];

/**
 * The rollout of a new agent version over the fleet, in rings (the named canary devices, then a
 * stable percentage, then everyone), pausable, with per-client pins; and the schedule that signs an
 * update manifest for each agent whose turn it is. An update that failed (refused by the agent,
 * rolled back) is not offered again to that agent for that version by itself. A device moves on
 * only once its previous update command ended, and counts as updated only when its agent reports
 * the new version. Engine-neutral: several collectors may run the schedule against one PostgreSQL.
 */
export class RolloutService {
  constructor(
    private readonly db: RelationalStore,
    private readonly keys: SigningKeys,
    private readonly releases: Releases,
    private readonly queued: (agentIds: string[]) => void,
    /** Called after a commit that appended audit entries (the SQLite store copies its head to a file). */
    private readonly audited: () => void = () => undefined,
  ) {}

  get(): Promise<Rollout & { canary: number[]; updatedAt: number | null }> {
    return this.read(this.db.kysely);
  }

  private async read(db: Kysely<DB>): Promise<Rollout & { canary: number[]; updatedAt: number | null }> {
    const r = await db
      .selectFrom('agent_rollout')
      .select(['target_version', 'stage', 'percent', 'paused', 'grace_sec', 'manifest_ttl_sec', 'updated_at'])
      .where('id', '=', 1)
      .executeTakeFirst();
    const canary = (await db.selectFrom('agent_rollout_canary').select('device_id').orderBy('device_id').execute()).map((x) => x.device_id);
    if (!r)
      return {
        targetVersion: null,
        stage: 'canary',
        percent: 0,
        paused: false,
        graceSec: DEFAULT_UPDATE_GRACE_SEC,
        manifestTtlSec: DEFAULT_MANIFEST_TTL_SEC,
        canary,
        updatedAt: null,
      };
    return {
      targetVersion: r.target_version,
      stage: r.stage,
      percent: r.percent,
      paused: r.paused === 1,
      graceSec: r.grace_sec,
      manifestTtlSec: r.manifest_ttl_sec,
      canary,
      updatedAt: r.updated_at,
    };
  }

  private async released(db: Kysely<DB>, version: string): Promise<boolean> {
    return (await db.selectFrom('agent_releases').select('id').where('version', '=', version).limit(1).executeTakeFirst()) !== undefined;
  }

  async set(user: { id: number }, b: RolloutBody, now = Date.now()): Promise<Awaited<ReturnType<RolloutService['get']>>> {
    if (b.targetVersion && !(await this.released(this.db.kysely, b.targetVersion)))
      throw new VigieError('UPDATE_NO_RELEASE', `Aucune version ${b.targetVersion} n’a été publiée`);
    await this.db.kysely.transaction().execute(async (tx) => {
      // Two admins at once on PostgreSQL: the second waits and reads what the first wrote (its audit's
      // "before"), even for the very first rollout, when there is no row to lock yet.
      if (this.db.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext('vigie.agent_rollout'))`.execute(tx);
      const before = await this.read(tx);
      const next = {
        targetVersion: b.targetVersion,
        stage: b.stage,
        percent: b.percent ?? (b.stage === 'all' ? 100 : before.percent),
        paused: b.paused ?? before.paused,
        graceSec: b.graceSec ?? before.graceSec,
        manifestTtlSec: b.manifestTtlSec ?? before.manifestTtlSec,
      };
      await tx
        .insertInto('agent_rollout')
        .values({
          id: 1,
          target_version: next.targetVersion,
          stage: next.stage,
          percent: next.percent,
          paused: next.paused ? 1 : 0,
          grace_sec: next.graceSec,
          manifest_ttl_sec: next.manifestTtlSec,
          updated_at: now,
          updated_by: user.id,
        })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            target_version: eb.ref('excluded.target_version'),
            stage: eb.ref('excluded.stage'),
            percent: eb.ref('excluded.percent'),
            paused: eb.ref('excluded.paused'),
            grace_sec: eb.ref('excluded.grace_sec'),
            manifest_ttl_sec: eb.ref('excluded.manifest_ttl_sec'),
            updated_at: eb.ref('excluded.updated_at'),
            updated_by: eb.ref('excluded.updated_by'),
          })),
        )
        .execute();
      if (b.canary) {
        await tx.deleteFrom('agent_rollout_canary').execute();
        // Only devices that exist; a device named twice is kept once.
        if (b.canary.length > 0)
          await tx
            .insertInto('agent_rollout_canary')
            .columns(['device_id'])
            .expression((eb) =>
              eb
                .selectFrom('devices')
                .select('id')
                .where('id', 'in', b.canary ?? []),
            )
            .onConflict((oc) => oc.column('device_id').doNothing())
            .execute();
      }
      const { updatedAt: _b, ...was } = before;
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'agent.rollout.update',
        'agent-rollout',
        { before: was, after: { ...next, canary: b.canary ?? before.canary } },
        { result: 'ok' },
        now,
      );
    });
    this.audited();
    return this.get();
  }

  async pins(db: Kysely<DB> = this.db.kysely): Promise<Map<number, string>> {
    const rows = await db.selectFrom('agent_version_pins').select(['client_id', 'version']).orderBy('client_id').execute();
    return new Map(rows.map((r) => [r.client_id, r.version]));
  }

  async pin(user: { id: number }, clientId: number, version: string | null, now = Date.now()): Promise<void> {
    await this.db.kysely.transaction().execute(async (tx) => {
      // The client's row held on PostgreSQL: two pins of one client at once take turns (each audit's "before" is the other's "after").
      const client = await tx
        .selectFrom('clients')
        .select('id')
        .where('id', '=', clientId)
        .$if(this.db.dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (!client) throw new VigieError('NOT_FOUND');
      if (version && !(await this.released(tx, version))) throw new VigieError('UPDATE_NO_RELEASE', `Aucune version ${version} n’a été publiée`);
      const before = (await tx.selectFrom('agent_version_pins').select('version').where('client_id', '=', clientId).executeTakeFirst())?.version ?? null;
      if (version === null) await tx.deleteFrom('agent_version_pins').where('client_id', '=', clientId).execute();
      else
        await tx
          .insertInto('agent_version_pins')
          .values({ client_id: clientId, version, pinned_at: now, pinned_by: user.id })
          .onConflict((oc) =>
            oc.column('client_id').doUpdateSet((eb) => ({
              version: eb.ref('excluded.version'),
              pinned_at: eb.ref('excluded.pinned_at'),
              pinned_by: eb.ref('excluded.pinned_by'),
            })),
          )
          .execute();
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'agent.pin',
        `client:${clientId}`,
        { before, after: version },
        { clientId, result: 'ok' },
        now,
      );
    });
    this.audited();
  }

  private agents(): Promise<AgentRow[]> {
    return this.db.kysely
      .selectFrom('agents as a')
      .innerJoin('devices as d', 'd.id', 'a.device_id')
      .innerJoin('clients as c', 'c.id', 'd.client_id')
      .select(['a.id as agent_id', 'd.id as device_id', 'd.client_id', 'd.hostname', 'c.name as client_name', 'a.agent_version', 'd.platform', 'd.arch'])
      .where('a.revoked_at', 'is', null)
      .orderBy('c.name')
      .orderBy('d.hostname')
      .orderBy('a.id')
      .execute();
  }

  /**
   * A device's agent-update commands, newest first (ties: by id, the same on both engines), with
   * the version each asked for. The version is read from the stored args in TypeScript: JSON
   * functions differ between the engines, and a device has few of these.
   */
  private async updates(db: Kysely<DB>, deviceId: number): Promise<UpdateCommand[]> {
    const rows = await db
      .selectFrom('commands')
      .select(['id', 'state', 'args', 'error_code', 'error_message', 'finished_at', 'created_at'])
      .where('device_id', '=', deviceId)
      .where('action', '=', 'agent-update')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(({ args, ...r }) => ({ ...r, version: (JSON.parse(args) as { version: string }).version }));
  }

  /** Holds the agent's row until the transaction ends on PostgreSQL: two collectors never both queue an update for it (SQLite serialises already). */
  private async lockAgent(tx: Transaction<DB>, agentId: string): Promise<void> {
    if (this.db.dialect === 'postgres') await tx.selectFrom('agents').select('id').where('id', '=', agentId).forUpdate().execute();
  }

  /**
   * An admin asks again for a device whose update to its target failed or was refused (the schedule
   * does not retry by itself): a new signed manifest now, audited.
   */
  async retry(user: { id: number }, deviceId: number, now = Date.now()): Promise<{ commandId: string; version: string }> {
    const a = (await this.agents()).find((x) => x.device_id === deviceId);
    if (!a) throw new VigieError('NOT_FOUND');
    const rollout = await this.get();
    const target = targetVersionFor({ agentId: a.agent_id, deviceId, clientId: a.client_id }, rollout, await this.pins(), new Set(rollout.canary));
    if (!target) throw new VigieError('CONFLICT', 'Cet équipement n’a pas de version cible (déploiement en pause, hors des anneaux, ou sans épinglage)');
    if (target === a.agent_version) throw new VigieError('CONFLICT', `Cet équipement a déjà la version ${target}`);
    const release = a.platform && a.arch ? await this.releases.get(target, `${a.platform}-${a.arch}`) : undefined;
    if (!release) throw new VigieError('UPDATE_NO_RELEASE', `Aucune version ${target} pour ${a.platform}-${a.arch}`);
    const commandId = await this.db.kysely.transaction().execute(async (tx) => {
      await this.lockAgent(tx, a.agent_id);
      const [last] = await this.updates(tx, deviceId);
      if (last && IN_FLIGHT.includes(last.state)) throw new VigieError('UPDATE_IN_PROGRESS');
      return queueSignedCommand(
        tx,
        this.db.dialect,
        this.keys,
        {
          device: { clientId: a.client_id, deviceId, agentId: a.agent_id },
          action: 'agent-update',
          args: { version: target, platform: release.platform, sha256: release.sha256, size: release.size, graceSec: rollout.graceSec },
          lifetimeMs: rollout.manifestTtlSec * 1000,
          issuedBy: { userId: user.id, name: 'nouvelle tentative' },
          actor: `user:${user.id}`,
          details: { from: a.agent_version, retry: true, previous: last ? { state: last.state, error: last.error_code } : null },
        },
        now,
      );
    });
    this.audited();
    this.queued([a.agent_id]);
    return { commandId, version: target };
  }

  /** Signs an update manifest for every agent whose ring, pin and state say it is its turn. */
  async schedule(now = Date.now()): Promise<{ deviceId: number; commandId: string; version: string }[]> {
    const rollout = await this.get();
    const pins = await this.pins();
    const canary = new Set(rollout.canary);
    const out: { deviceId: number; commandId: string; version: string }[] = [];
    const agentIds: string[] = [];
    for (const a of await this.agents()) {
      const target = targetVersionFor({ agentId: a.agent_id, deviceId: a.device_id, clientId: a.client_id }, rollout, pins, canary);
      if (!target || target === a.agent_version || !a.platform || !a.arch) continue;
      const release = await this.releases.get(target, `${a.platform}-${a.arch}`);
      if (!release) continue;
      const queued = await this.db.kysely.transaction().execute(async (tx) => {
        await this.lockAgent(tx, a.agent_id);
        const updates = await this.updates(tx, a.device_id);
        const last = updates[0];
        if (last && IN_FLIGHT.includes(last.state)) return undefined;
        // Refused, failed or rolled back for this version: a person decides what next (a new version, a retry).
        const lastForTarget = updates.find((u) => u.version === target);
        if (lastForTarget && ['refused', 'failed', 'cancelled'].includes(lastForTarget.state)) return undefined;
        return queueSignedCommand(
          tx,
          this.db.dialect,
          this.keys,
          {
            device: { clientId: a.client_id, deviceId: a.device_id, agentId: a.agent_id },
            action: 'agent-update',
            args: { version: target, platform: release.platform, sha256: release.sha256, size: release.size, graceSec: rollout.graceSec },
            lifetimeMs: rollout.manifestTtlSec * 1000,
            issuedBy: { userId: null, name: 'déploiement des agents' },
            actor: 'system:updates',
            details: { from: a.agent_version, pinned: pins.has(a.client_id) },
          },
          now,
        );
      });
      if (queued) {
        out.push({ deviceId: a.device_id, commandId: queued, version: target });
        agentIds.push(a.agent_id);
      }
    }
    if (out.length > 0) {
      this.audited();
      this.queued(agentIds);
    }
    return out;
  }

  /** Versions across the fleet: counts, and each agent with its target and its last update's outcome. */
  async fleet() {
    const rollout = await this.get();
    const pins = await this.pins();
    const canary = new Set(rollout.canary);
    const devices = [];
    for (const a of await this.agents()) {
      const [last] = await this.updates(this.db.kysely, a.device_id);
      devices.push({
        deviceId: a.device_id,
        hostname: a.hostname,
        clientId: a.client_id,
        clientName: a.client_name,
        platform: a.platform && a.arch ? `${a.platform}-${a.arch}` : null,
        version: a.agent_version,
        target: targetVersionFor({ agentId: a.agent_id, deviceId: a.device_id, clientId: a.client_id }, rollout, pins, canary) ?? null,
        pinned: pins.get(a.client_id) ?? null,
        canary: canary.has(a.device_id),
        lastUpdate: last
          ? {
              commandId: last.id,
              version: last.version,
              state: last.state,
              error: last.error_code ? { code: last.error_code, message: last.error_message } : null,
              at: last.finished_at ?? last.created_at,
            }
          : null,
      });
    }
    const counts = new Map<string, number>();
    for (const d of devices) counts.set(d.version ?? '?', (counts.get(d.version ?? '?') ?? 0) + 1);
    return {
      rollout,
      pins: [...pins].map(([clientId, version]) => ({ clientId, version })),
      releases: await this.releases.list(),
      versions: [...counts].map(([version, n]) => ({ version, devices: n })).sort((x, y) => y.devices - x.devices),
      devices,
    };
  }
}
