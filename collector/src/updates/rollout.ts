import { DEFAULT_MANIFEST_TTL_SEC, DEFAULT_UPDATE_GRACE_SEC, type RolloutBody, VigieError } from '@vigie/shared';
import { appendAudit, refreshAuditHead } from '../audit/repository.js';
import { queueSignedCommand } from '../commands/queue-command.js';
import type { SigningKeys } from '../commands/signing-keys.js';
import type { Database } from '../store/database.js';
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

/**
 * The rollout of a new agent version over the fleet, in rings (the named canary devices, then a
 * stable percentage, then everyone), pausable, with per-client pins; and the schedule that signs an
 * update manifest for each agent whose turn it is. An update that failed (refused by the agent,
 * rolled back) is not offered again to that agent for that version by itself.
 */
export class RolloutService {
  constructor(
    private readonly db: Database,
    private readonly keys: SigningKeys,
    private readonly releases: Releases,
    private readonly queued: (agentIds: string[]) => void,
  ) {}

  private get sql() {
    return this.db.sqlite;
  }

  get(): Rollout & { canary: number[]; updatedAt: number | null } {
    const r = this.sql.prepare('SELECT * FROM agent_rollout WHERE id = 1').get() as
      | {
          target_version: string | null;
          stage: Rollout['stage'];
          percent: number;
          paused: 0 | 1;
          grace_sec: number;
          manifest_ttl_sec: number;
          updated_at: number;
        }
      | undefined;
    const canary = (this.sql.prepare('SELECT device_id FROM agent_rollout_canary ORDER BY device_id').raw(true).all() as [number][]).map((x) => x[0]);
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

  async set(user: { id: number }, b: RolloutBody, now = Date.now()): Promise<ReturnType<RolloutService['get']>> {
    if (b.targetVersion && !this.sql.prepare('SELECT 1 FROM agent_releases WHERE version = ?').get(b.targetVersion))
      throw new VigieError('UPDATE_NO_RELEASE', `Aucune version ${b.targetVersion} n’a été publiée`);
    await this.db.writeTransaction(() => {
      const before = this.get();
      const next = {
        targetVersion: b.targetVersion,
        stage: b.stage,
        percent: b.percent ?? (b.stage === 'all' ? 100 : before.percent),
        paused: b.paused ?? before.paused,
        graceSec: b.graceSec ?? before.graceSec,
        manifestTtlSec: b.manifestTtlSec ?? before.manifestTtlSec,
      };
      this.sql
        .prepare(
          `INSERT INTO agent_rollout (id, target_version, stage, percent, paused, grace_sec, manifest_ttl_sec, updated_at, updated_by) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET target_version = excluded.target_version, stage = excluded.stage, percent = excluded.percent, paused = excluded.paused,
             grace_sec = excluded.grace_sec, manifest_ttl_sec = excluded.manifest_ttl_sec, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .run(next.targetVersion, next.stage, next.percent, next.paused ? 1 : 0, next.graceSec, next.manifestTtlSec, now, user.id);
      if (b.canary) {
        this.sql.prepare('DELETE FROM agent_rollout_canary').run();
        const ins = this.sql.prepare('INSERT OR IGNORE INTO agent_rollout_canary (device_id) SELECT id FROM devices WHERE id = ?');
        for (const d of b.canary) ins.run(d);
      }
      const { updatedAt: _b, ...was } = before;
      appendAudit(
        this.sql,
        `user:${user.id}`,
        'agent.rollout.update',
        'agent-rollout',
        { before: was, after: { ...next, canary: b.canary ?? before.canary } },
        { result: 'ok' },
        now,
      );
    });
    refreshAuditHead(this.db);
    return this.get();
  }

  pins(): Map<number, string> {
    return new Map((this.sql.prepare('SELECT client_id, version FROM agent_version_pins').raw(true).all() as [number, string][]).map(([c, v]) => [c, v]));
  }

  async pin(user: { id: number }, clientId: number, version: string | null, now = Date.now()): Promise<void> {
    await this.db.writeTransaction(() => {
      if (!this.sql.prepare('SELECT 1 FROM clients WHERE id = ?').get(clientId)) throw new VigieError('NOT_FOUND');
      if (version && !this.sql.prepare('SELECT 1 FROM agent_releases WHERE version = ?').get(version))
        throw new VigieError('UPDATE_NO_RELEASE', `Aucune version ${version} n’a été publiée`);
      const before = this.pins().get(clientId) ?? null;
      if (version === null) this.sql.prepare('DELETE FROM agent_version_pins WHERE client_id = ?').run(clientId);
      else
        this.sql
          .prepare(
            `INSERT INTO agent_version_pins (client_id, version, pinned_at, pinned_by) VALUES (?, ?, ?, ?)
             ON CONFLICT (client_id) DO UPDATE SET version = excluded.version, pinned_at = excluded.pinned_at, pinned_by = excluded.pinned_by`,
          )
          .run(clientId, version, now, user.id);
      appendAudit(this.sql, `user:${user.id}`, 'agent.pin', `client:${clientId}`, { before, after: version }, { clientId, result: 'ok' }, now);
    });
    refreshAuditHead(this.db);
  }

  private agents(): AgentRow[] {
    return this.sql
      .prepare(
        `SELECT a.id AS agent_id, d.id AS device_id, d.client_id, d.hostname, c.name AS client_name, a.agent_version, d.platform, d.arch
         FROM agents a JOIN devices d ON d.id = a.device_id JOIN clients c ON c.id = d.client_id WHERE a.revoked_at IS NULL ORDER BY c.name, d.hostname`,
      )
      .all() as AgentRow[];
  }

  /** The last agent-update command of a device (for one version, when given): its state and why it ended so. */
  private lastUpdate(deviceId: number, version?: string) {
    return this.sql
      .prepare(
        `SELECT id, state, json_extract(args, '$.version') AS version, error_code, error_message, finished_at, created_at FROM commands
         WHERE device_id = ? AND action = 'agent-update' ${version ? "AND json_extract(args, '$.version') = ?" : ''} ORDER BY created_at DESC, rowid DESC LIMIT 1`,
      )
      .get(deviceId, ...(version ? [version] : [])) as
      | { id: string; state: string; version: string; error_code: string | null; error_message: string | null; finished_at: number | null; created_at: number }
      | undefined;
  }

  /**
   * An admin asks again for a device whose update to its target failed or was refused (the schedule
   * does not retry by itself): a new signed manifest now, audited.
   */
  async retry(user: { id: number }, deviceId: number, now = Date.now()): Promise<{ commandId: string; version: string }> {
    const a = this.agents().find((x) => x.device_id === deviceId);
    if (!a) throw new VigieError('NOT_FOUND');
    const rollout = this.get();
    const target = targetVersionFor({ agentId: a.agent_id, deviceId, clientId: a.client_id }, rollout, this.pins(), new Set(rollout.canary));
    if (!target) throw new VigieError('CONFLICT', 'Cet équipement n’a pas de version cible (déploiement en pause, hors des anneaux, ou sans épinglage)');
    if (target === a.agent_version) throw new VigieError('CONFLICT', `Cet équipement a déjà la version ${target}`);
    const release = a.platform && a.arch ? this.releases.get(target, `${a.platform}-${a.arch}`) : undefined;
    if (!release) throw new VigieError('UPDATE_NO_RELEASE', `Aucune version ${target} pour ${a.platform}-${a.arch}`);
    const commandId = await this.db.writeTransaction(() => {
      const last = this.lastUpdate(deviceId);
      if (last && ['queued', 'sent', 'running'].includes(last.state)) throw new VigieError('UPDATE_IN_PROGRESS');
      return queueSignedCommand(
        this.sql,
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
    refreshAuditHead(this.db);
    this.queued([a.agent_id]);
    return { commandId, version: target };
  }

  /** Signs an update manifest for every agent whose ring, pin and state say it is its turn. */
  async schedule(now = Date.now()): Promise<{ deviceId: number; commandId: string; version: string }[]> {
    const rollout = this.get();
    const pins = this.pins();
    const canary = new Set(rollout.canary);
    const out: { deviceId: number; commandId: string; version: string }[] = [];
    const agentIds: string[] = [];
    for (const a of this.agents()) {
      const target = targetVersionFor({ agentId: a.agent_id, deviceId: a.device_id, clientId: a.client_id }, rollout, pins, canary);
      if (!target || target === a.agent_version || !a.platform || !a.arch) continue;
      const release = this.releases.get(target, `${a.platform}-${a.arch}`);
      if (!release) continue;
      const queued = await this.db.writeTransaction(() => {
        const last = this.lastUpdate(a.device_id);
        if (last && ['queued', 'sent', 'running'].includes(last.state)) return undefined;
        // Refused, failed or rolled back for this version: a person decides what next (a new version, a retry).
        const lastForTarget = this.lastUpdate(a.device_id, target);
        if (lastForTarget && ['refused', 'failed', 'cancelled'].includes(lastForTarget.state)) return undefined;
        return queueSignedCommand(
          this.sql,
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
      refreshAuditHead(this.db);
      this.queued(agentIds);
    }
    return out;
  }

  /** Versions across the fleet: counts, and each agent with its target and its last update's outcome. */
  fleet() {
    const rollout = this.get();
    const pins = this.pins();
    const canary = new Set(rollout.canary);
    const devices = this.agents().map((a) => {
      const last = this.lastUpdate(a.device_id);
      return {
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
      };
    });
    const counts = new Map<string, number>();
    for (const d of devices) counts.set(d.version ?? '?', (counts.get(d.version ?? '?') ?? 0) + 1);
    return {
      rollout,
      pins: [...pins].map(([clientId, version]) => ({ clientId, version })),
      releases: this.releases.list(),
      versions: [...counts].map(([version, n]) => ({ version, devices: n })).sort((x, y) => y.devices - x.devices),
      devices,
    };
  }
}
