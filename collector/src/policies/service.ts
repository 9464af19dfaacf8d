import { type PolicyBody, PROBE_CONFIG_SPECS, resolveProbeConfig, VigieError } from '@vigie/shared';
import type { Kysely } from 'kysely';
import { type ChannelSettings, defaultPolicy } from '../ingest/policy.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';
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
    private readonly db: RelationalStore,
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

  /** The policy set at a scope, read through `db` (the store, or a transaction). */
  private async stored(
    db: Kysely<DB>,
    scope: PolicyScope,
    id: number,
  ): Promise<{ overrides: PolicyOverrides; version: number; updatedAt: number } | undefined> {
    const row = await db
      .selectFrom('policies')
      .select(['body', 'version', 'updated_at'])
      .where('scope', '=', scope)
      .where('scope_id', '=', id)
      .executeTakeFirst();
    return row ? { overrides: JSON.parse(row.body) as PolicyOverrides, version: row.version, updatedAt: row.updated_at } : undefined;
  }

  async get(scope: PolicyScope, id: number): Promise<{ overrides: PolicyOverrides; version: number; updatedAt: number } | undefined> {
    return this.stored(this.db.kysely, scope, id);
  }

  /**
   * What the collector itself changed in this scope's policy and staff must know (targets taken out
   * by a migration), newest first: read from the audit log, where each change is recorded.
   */
  async notices(scope: PolicyScope, id: number): Promise<(PolicyNotice & { at: number })[]> {
    const rows = await this.db.kysely
      .selectFrom('audit_log')
      .select(['at', 'details'])
      .where('action', '=', PROGRAM_TARGET_REMOVED)
      .where('target', '=', `${scope}:${id}`)
      .orderBy('id', 'desc')
      .execute();
    return rows.map((r) => ({ at: r.at, ...(JSON.parse(r.details ?? '{}') as { notice: PolicyNotice }).notice }));
  }

  /** The client a client, site or device belongs to; undefined when it does not exist. */
  async scopeClient(scope: PolicyScope, id: number): Promise<number | undefined> {
    const k = this.db.kysely;
    if (scope === 'client') return (await k.selectFrom('clients').select('id').where('id', '=', id).executeTakeFirst())?.id;
    const table = scope === 'site' ? 'sites' : 'devices';
    return (await k.selectFrom(table).select('client_id').where('id', '=', id).executeTakeFirst())?.client_id;
  }

  /**
   * Stores a scope's overrides. The version is raised by the upsert itself (`version + 1` on the
   * stored row), so two edits at once, even from two collectors, are two versions.
   */
  async put(scope: PolicyScope, id: number, overrides: PolicyOverrides, userId: number | null): Promise<number> {
    await this.validate(overrides);
    const now = Date.now();
    const row = await this.db.kysely
      .insertInto('policies')
      .values({ scope, scope_id: id, body: JSON.stringify(overrides), version: 1, updated_at: now, updated_by: userId })
      .onConflict((oc) =>
        oc.columns(['scope', 'scope_id']).doUpdateSet((eb) => ({
          body: eb.ref('excluded.body'),
          version: eb('policies.version', '+', 1),
          updated_at: eb.ref('excluded.updated_at'),
          updated_by: eb.ref('excluded.updated_by'),
        })),
      )
      .returning('version')
      .executeTakeFirstOrThrow();
    return row.version;
  }

  /** What applies where no policy sets anything (the collector's channel settings). */
  defaults(): Pick<PolicyBody, 'metricsIntervalSec' | 'inventoryIntervalSec'> {
    const d = defaultPolicy(this.settings);
    return { metricsIntervalSec: d.metricsIntervalSec, inventoryIntervalSec: d.inventoryIntervalSec };
  }

  /**
   * The merged policy of a device: defaults, then its client's, its site's and its own overrides.
   * The device, then its site's role holder and its three layers at once: a policy stored before the
   * call began is in the answer.
   */
  async effective(deviceId: number): Promise<PolicyBody> {
    const k = this.db.kysely;
    const dev = await k.selectFrom('devices').select(['client_id', 'site_id']).where('id', '=', deviceId).executeTakeFirst();
    // The agent of a site that takes the site role when it is set for the site or its client: its
    // first enrolled, i.e. the site's devices in id order (index devices_site) until one has a live
    // agent. Asked with the site's id as a value, not correlated with the device's row: PostgreSQL
    // then plans it for that site (a min() over the site, or a plan made for a site of average size,
    // read up to every device of the largest site on every hello: 375 ms a hello at 100,000 agents).
    const [holder, rows] = dev
      ? await Promise.all([
          this.siteRoleHolder(dev.site_id),
          k
            .selectFrom('policies')
            .select(['scope', 'body', 'version'])
            .where((eb) =>
              eb.or([
                eb.and([eb('scope', '=', 'client'), eb('scope_id', '=', dev.client_id)]),
                eb.and([eb('scope', '=', 'site'), eb('scope_id', '=', dev.site_id)]),
                eb.and([eb('scope', '=', 'device'), eb('scope_id', '=', deviceId)]),
              ]),
            )
            .execute(),
        ])
      : [undefined, []];
    const layers = (['client', 'site', 'device'] as const).map((scope) => rows.find((r) => r.scope === scope));
    const out: PolicyBody = defaultPolicy(this.settings);
    out.version = 0;
    const probes: Record<string, Record<string, unknown>> = {};
    for (const [i, layer] of layers.entries()) {
      if (!layer) continue;
      // The version changes whenever any layer does: the sum of versions and the newest update time.
      out.version += layer.version;
      const o = JSON.parse(layer.body) as PolicyOverrides;
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

  /**
   * The device of a site that takes the site role when a client or site policy sets it: the site's
   * first enrolled device whose agent is not revoked (see `effective`).
   */
  async siteRoleHolder(siteId: number): Promise<number | undefined> {
    const row = await this.db.kysely
      .selectFrom('devices as h')
      .innerJoin('agents as a', (j) => j.onRef('a.device_id', '=', 'h.id').on('a.revoked_at', 'is', null))
      .where('h.site_id', '=', siteId)
      .select('h.id')
      .orderBy('h.id')
      .limit(1)
      .executeTakeFirst();
    return row?.id;
  }

  /**
   * The devices whose merged policy changed because `deviceId` was enrolled: none, unless its
   * enrollment (another token of the site, committed after a later id) made it the site's role
   * holder, taking the role from the site's devices of higher id. Those were all inserted while
   * this enrollment's transaction was open (ids follow inserts): a handful, never the whole site.
   */
  async siteRoleTakenBy(deviceId: number, siteId: number): Promise<number[]> {
    if ((await this.siteRoleHolder(siteId)) !== deviceId) return [];
    const rows = await this.db.kysely
      .selectFrom('devices as d')
      .innerJoin('agents as a', (j) => j.onRef('a.device_id', '=', 'd.id').on('a.revoked_at', 'is', null))
      .where('d.site_id', '=', siteId)
      .where('d.id', '>', deviceId)
      .select('d.id')
      .orderBy('d.id')
      .execute();
    return rows.map((r) => r.id);
  }

  /** A device's merged policy (for the REST API). */
  async effectiveOf(deviceId: number): Promise<PolicyBody> {
    return this.effective(deviceId);
  }

  /** Devices a change at this scope applies to. */
  async devicesInScope(scope: PolicyScope, id: number): Promise<number[]> {
    const col = scope === 'client' ? 'client_id' : scope === 'site' ? 'site_id' : 'id';
    const rows = await this.db.kysely.selectFrom('devices').select('id').where(col, '=', id).orderBy('id').execute();
    return rows.map((r) => r.id);
  }
}
