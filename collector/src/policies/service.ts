import { type PolicyBody, PROBE_CONFIG_SPECS, resolveProbeConfig, VigieError } from '@vigie/shared';
import { type ChannelSettings, defaultPolicy } from '../ingest/policy.js';
import type { Database } from '../store/database.js';
import { type PolicyNotice, PROGRAM_TARGET_REMOVED } from './program-targets.js';

export type PolicyScope = 'client' | 'site' | 'device';

/** Probes of the site role (SNMP polling, flow receiver): one agent per site runs them. */
export const SITE_ROLE_PROBES: ReadonlySet<string> = new Set(['snmp', 'flows']);

/** What a policy at one scope may set; everything is optional and overrides the wider scope. */
export interface PolicyOverrides {
  metricsIntervalSec?: number;
  inventoryIntervalSec?: number;
  /** Per probe: a partial configuration, merged key by key over the wider scope's. */
  probes?: Record<string, Record<string, unknown>>;
}

/**
 * Policies per client, site and device, merged in that order over the defaults into the one
 * policy an agent runs. Probe configurations are validated with the probes' own schemas.
 */
export class PolicyService {
  constructor(
    private readonly db: Database,
    private readonly settings: ChannelSettings,
    /** Remote intervention: a program a policy names must be an approved library script. */
    private readonly checkScripts: (o: PolicyOverrides) => Promise<void> = async () => {},
  ) {}

  async validate(o: PolicyOverrides): Promise<void> {
    for (const [id, cfg] of Object.entries(o.probes ?? {})) {
      const spec = PROBE_CONFIG_SPECS[id];
      if (!spec) throw new VigieError('VALIDATION', `Unknown probe ${JSON.stringify(id)}; known: ${Object.keys(PROBE_CONFIG_SPECS).join(', ')}`);
      const r = resolveProbeConfig(spec, cfg);
      if (!r.ok) throw new VigieError('VALIDATION', r.error, r.problem);
    }
    await this.checkScripts(o);
  }

  /** The policy set at a scope (synchronous: under the lock, or on the agent channel's path). */
  private stored(scope: PolicyScope, id: number): { overrides: PolicyOverrides; version: number; updatedAt: number } | undefined {
    const row = this.db.sqlite.prepare('SELECT body, version, updated_at FROM policies WHERE scope = ? AND scope_id = ?').get(scope, id) as
      | { body: string; version: number; updated_at: number }
      | undefined;
    return row ? { overrides: JSON.parse(row.body) as PolicyOverrides, version: row.version, updatedAt: row.updated_at } : undefined;
  }

  async get(scope: PolicyScope, id: number): Promise<{ overrides: PolicyOverrides; version: number; updatedAt: number } | undefined> {
    return this.db.writeLock(() => this.stored(scope, id));
  }

  /**
   * What the collector itself changed in this scope's policy and staff must know (targets taken out
   * by a migration), newest first: read from the audit log, where each change is recorded.
   */
  async notices(scope: PolicyScope, id: number): Promise<(PolicyNotice & { at: number })[]> {
    return this.db.writeLock(() =>
      (
        this.db.sqlite
          .prepare('SELECT at, details FROM audit_log WHERE action = ? AND target = ? ORDER BY id DESC')
          .all(PROGRAM_TARGET_REMOVED, `${scope}:${id}`) as { at: number; details: string }[]
      ).map((r) => ({ at: r.at, ...(JSON.parse(r.details) as { notice: PolicyNotice }).notice })),
    );
  }

  /** The client a client, site or device belongs to; undefined when it does not exist. */
  async scopeClient(scope: PolicyScope, id: number): Promise<number | undefined> {
    const table = scope === 'client' ? 'clients' : scope === 'site' ? 'sites' : 'devices';
    const col = scope === 'client' ? 'id' : 'client_id';
    return this.db.writeLock(
      () => (this.db.sqlite.prepare(`SELECT ${col} AS client_id FROM ${table} WHERE id = ?`).get(id) as { client_id: number } | undefined)?.client_id,
    );
  }

  /** Stores a scope's overrides; the version read and the one written in one transaction, so two edits at once are two versions. */
  async put(scope: PolicyScope, id: number, overrides: PolicyOverrides, userId: number | null): Promise<number> {
    await this.validate(overrides);
    const now = Date.now();
    return this.db.writeTransaction(() => {
      const version = (this.stored(scope, id)?.version ?? 0) + 1;
      this.db.sqlite
        .prepare(
          `INSERT INTO policies (scope, scope_id, body, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (scope, scope_id) DO UPDATE SET body = excluded.body, version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .run(scope, id, JSON.stringify(overrides), version, now, userId);
      return version;
    });
  }

  /** What applies where no policy sets anything (the collector's channel settings). */
  defaults(): Pick<PolicyBody, 'metricsIntervalSec' | 'inventoryIntervalSec'> {
    const d = defaultPolicy(this.settings);
    return { metricsIntervalSec: d.metricsIntervalSec, inventoryIntervalSec: d.inventoryIntervalSec };
  }

  /** The merged policy of a device: defaults, then its client's, its site's and its own overrides. */
  effective(deviceId: number): PolicyBody {
    const dev = this.db.sqlite.prepare('SELECT client_id, site_id FROM devices WHERE id = ?').get(deviceId) as
      | { client_id: number; site_id: number }
      | undefined;
    const layers = dev ? [this.stored('client', dev.client_id), this.stored('site', dev.site_id), this.stored('device', deviceId)] : [];
    const out: PolicyBody = defaultPolicy(this.settings);
    out.version = 0;
    const probes: Record<string, Record<string, unknown>> = {};
    const holder = dev ? this.siteRoleHolder(dev.site_id) : undefined;
    for (const [i, layer] of layers.entries()) {
      if (!layer) continue;
      // The version changes whenever any layer does: the sum of versions and the newest update time.
      out.version += layer.version;
      const o = layer.overrides;
      if (o.metricsIntervalSec) out.metricsIntervalSec = o.metricsIntervalSec;
      if (o.inventoryIntervalSec) out.inventoryIntervalSec = o.inventoryIntervalSec;
      for (const [id, cfg] of Object.entries(o.probes ?? {})) {
        // Site role: set for a client or a site, it goes to one agent of each site (the site's first
        // enrolled agent), not to every machine; set on a device, to that device.
        if (SITE_ROLE_PROBES.has(id) && i < 2 && holder !== deviceId) continue;
        probes[id] = { ...probes[id], ...cfg };
      }
    }
    out.probes = probes;
    return out;
  }

  /** The agent of a site that takes the site role when it is set for the site or its client. */
  siteRoleHolder(siteId: number): number | undefined {
    const row = this.db.sqlite
      .prepare('SELECT MIN(d.id) AS id FROM devices d JOIN agents a ON a.device_id = d.id AND a.revoked_at IS NULL WHERE d.site_id = ?')
      .get(siteId) as { id: number | null } | undefined;
    return row?.id ?? undefined;
  }

  /** A device's merged policy, read under the lock (for the REST API). */
  async effectiveOf(deviceId: number): Promise<PolicyBody> {
    return this.db.writeLock(() => this.effective(deviceId));
  }

  /** Devices a change at this scope applies to. */
  async devicesInScope(scope: PolicyScope, id: number): Promise<number[]> {
    const col = scope === 'client' ? 'client_id' : scope === 'site' ? 'site_id' : 'id';
    return this.db.writeLock(() => (this.db.sqlite.prepare(`SELECT id FROM devices WHERE ${col} = ?`).raw(true).all(id) as [number][]).map((r) => r[0]));
  }
}
