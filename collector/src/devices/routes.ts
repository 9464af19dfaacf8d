import { Type } from '@sinclair/typebox';
import { VigieError } from '@vigie/shared';
import { DeviceDetail, DeviceList, DeviceQuery, IdParams, InventoryHistory, MetricQuery, MetricSeries, Ok, SeriesList } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../audit/repository.js';
import { actorOf, assertClientVisible, clientScope, requireRole, requireUser } from '../auth/guard.js';
import type { SessionUser } from '../auth/repository.js';
import { worstStatus } from '../checks/routes.js';
import { withText } from '../checks/texts.js';
import type { EnrollmentService } from '../enroll/service.js';
import type { AgentChannel } from '../ingest/agent-channel.js';
import { type DeviceState, POLL_FRESH_MS } from '../overview/repository.js';
import type { PolicyService } from '../policies/service.js';
import type { Aggregation, MetricStore } from '../store/metric-store.js';
import type { RelationalStore } from '../store/relational-store.js';
import { parseDuration, parseTime } from './query-params.js';
import type { DevicesRepository } from './repository.js';

type Id = { Params: { id: number } };

export interface DeviceRouteDeps {
  db: RelationalStore;
  devices: DevicesRepository;
  metrics: MetricStore;
  channel: AgentChannel;
  enrollment: EnrollmentService;
  /** Who holds the site role, so that revoking its holder hands the role on at once. */
  policies: Pick<PolicyService, 'siteRoleHolder'>;
  /** A device not heard from for this long is offline. */
  offlineAfterMs: number;
}

type DeviceRow = NonNullable<Awaited<ReturnType<DevicesRepository['get']>>>;

export function registerDeviceRoutes(app: FastifyInstance, deps: DeviceRouteDeps): void {
  const { devices, metrics, channel } = deps;

  const recent = (t: number | null) => t !== null && Date.now() - t < deps.offlineAfterMs;
  const status = (d: DeviceRow): 'online' | 'offline' | 'revoked' => {
    if (d.kind === 'agentless') {
      // As its watcher's polls say: the watcher is up, and the device answered one of its last polls.
      const watcherUp = d.watcher_agent_id !== null && d.watcher_revoked_at === null && (channel.isConnected(d.watcher_agent_id) || recent(d.watcher_seen_at));
      return watcherUp && d.answered_at !== null && Date.now() - d.answered_at < deps.offlineAfterMs + POLL_FRESH_MS ? 'online' : 'offline';
    }
    if (d.revoked_at !== null) return 'revoked';
    if (d.agent_id && channel.isConnected(d.agent_id)) return 'online';
    if (recent(d.last_seen_at)) return 'online';
    return 'offline';
  };
  /** The state the lists count: offline, else the worst of its checks (a connected agent is never offline). */
  const stateOf = (d: DeviceRow, st: 'online' | 'offline' | 'revoked') => (st === 'online' ? d.health : 'offline');
  const view = (d: DeviceRow) => ({
    id: d.id,
    hostname: d.hostname,
    kind: d.kind,
    clientId: d.client_id,
    clientName: d.client_name,
    siteId: d.site_id,
    siteName: d.site_name,
    platform: d.platform,
    arch: d.arch,
    osName: d.os_name,
    serial: d.serial,
    machineUuid: d.machine_uuid,
    agentId: d.agent_id,
    agentVersion: d.agent_version,
    createdAt: d.created_at,
    lastSeenAt: d.last_seen_at,
    connected: d.agent_id ? channel.isConnected(d.agent_id) : false,
    status: status(d),
    watcherId: d.watcher_id,
  });
  /** The device, if this user may see it; another client's device is "not found". */
  const visibleDevice = async (user: SessionUser, id: number): Promise<DeviceRow> => {
    const d = await devices.get(id);
    if (!d) throw new VigieError('NOT_FOUND');
    assertClientVisible(user, d.client_id);
    return d;
  };

  app.get(
    '/api/v1/devices',
    {
      schema: { tags: ['devices'], querystring: DeviceQuery, response: { 200: DeviceList } },
    },
    async (req: FastifyRequest<{ Querystring: { clientId?: number; siteId?: number; q?: string; state?: DeviceState; limit: number; offset: number } }>) => {
      const user = requireUser(req);
      const scope = clientScope(user);
      if (scope !== undefined && req.query.clientId !== undefined && req.query.clientId !== scope) return { devices: [], total: 0 };
      const { rows, total } = await devices.list({ ...req.query, clientId: scope ?? req.query.clientId, offlineBefore: Date.now() - deps.offlineAfterMs });
      return {
        devices: rows.map((r) => {
          const v = view(r);
          return { ...v, state: stateOf(r, v.status) };
        }),
        total,
      };
    },
  );

  app.get('/api/v1/devices/:id', { schema: { tags: ['devices'], params: IdParams, response: { 200: DeviceDetail } } }, async (req: FastifyRequest<Id>) => {
    const d = await visibleDevice(requireUser(req), req.params.id);
    const inv = await devices.latestInventory(d.id);
    const checks = await devices.checkState(d.id);
    const v = view(d);
    return {
      device: v,
      state: stateOf(d, v.status),
      inventory: inv ? JSON.parse(inv.data) : null,
      inventoryCollectedAt: inv?.collected_at ?? null,
      inventoryReceivedAt: inv?.received_at ?? null,
      latestMetrics: await metrics.latest(d.id),
      // `text.fr` / `text.en`: what the dashboard shows in the reader's language; `message` stays the agent's own words.
      checks: checks.map((c) => withText({ ...c, values: c.values ? (JSON.parse(c.values) as Record<string, unknown>) : null })),
      health: worstStatus(checks.map((c) => c.status)),
      events: (await devices.recentEvents(d.id, 20)).map((e) => ({ ...e, data: e.data ? JSON.parse(e.data) : null })),
      // Frames its agent produced, stored here, and lost (counted by the agent and reported).
      delivery: await devices.delivery(d.id),
      // Contract 2.4 / 3: hardware supplied by the provider whose serial matches this device.
      supplied: await devices.suppliedItems(d.id),
      // Site role: what the watching agent last reported of a device without an agent (SNMP identity).
      watched: d.kind === 'agentless' ? await devices.siteData(d.id) : null,
    };
  });

  app.get(
    '/api/v1/devices/:id/inventory/history',
    {
      schema: {
        tags: ['devices'],
        params: IdParams,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }), before: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: { 200: InventoryHistory },
      },
    },
    async (req: FastifyRequest<Id & { Querystring: { limit: number; before?: number } }>) => {
      const d = await visibleDevice(requireUser(req), req.params.id);
      const rows = await devices.inventoryHistory(d.id, req.query.limit, req.query.before);
      return {
        changes: rows.map((r) => ({
          id: r.id,
          snapshotId: r.snapshot_id,
          changedAt: r.changed_at,
          section: r.section,
          change: r.change,
          key: r.item_key,
          before: r.before ? JSON.parse(r.before) : null,
          after: r.after ? JSON.parse(r.after) : null,
        })),
        snapshots: (await devices.snapshots(d.id, 100)).map((s) => ({ id: s.id, collectedAt: s.collected_at, receivedAt: s.received_at, hash: s.hash })),
      };
    },
  );

  app.get('/api/v1/devices/:id/series', { schema: { tags: ['devices'], params: IdParams, response: { 200: SeriesList } } }, async (req: FastifyRequest<Id>) => {
    const d = await visibleDevice(requireUser(req), req.params.id);
    return { series: await metrics.listSeries(d.id) };
  });

  app.get(
    '/api/v1/devices/:id/metrics',
    {
      schema: {
        tags: ['devices'],
        params: IdParams,
        querystring: MetricQuery,
        response: { 200: MetricSeries },
      },
    },
    async (req: FastifyRequest<Id & { Querystring: { name: string; from?: string; to?: string; step?: string; agg: Aggregation } }>) => {
      const d = await visibleDevice(requireUser(req), req.params.id);
      const now = Date.now();
      const to = req.query.to ? parseTime(req.query.to) : now;
      const from = req.query.from ? parseTime(req.query.from) : to - 3600_000;
      if (from >= to) throw new VigieError('VALIDATION', '`from` must be before `to`');
      const stepMs = req.query.step ? parseDuration(req.query.step) : undefined;
      const series = await metrics.query({ deviceId: d.id, name: req.query.name, from, to, stepMs, agg: req.query.agg });
      return { name: req.query.name, from, to, agg: req.query.agg, series };
    },
  );

  app.post('/api/v1/devices/:id/revoke', { schema: { tags: ['devices'], params: IdParams, response: { 200: Ok } } }, async (req: FastifyRequest<Id>) => {
    const user = requireRole(req, 'admin', 'technician');
    const d = await visibleDevice(user, req.params.id);
    const holderBefore = await deps.policies.siteRoleHolder(d.site_id);
    const agentId = await deps.enrollment.revokeAgentOfDevice(d.id);
    if (!agentId) throw new VigieError('NOT_FOUND', 'This device has no agent');
    channel.revoke(agentId);
    // The site role (SNMP, flows) passes to the site's next device now, not at its agent's next
    // connection. Pushed to whoever holds it after this revocation, whatever was read before it: two
    // revocations at once (the holder and the next) still leave the third one told. An agent whose
    // policy did not change applies the same again.
    const holder = await deps.policies.siteRoleHolder(d.site_id);
    if (holder !== undefined) channel.pushPolicy([holder]);
    const moved = holderBefore === d.id && holder !== undefined;
    await audit(deps.db, actorOf(user), 'agent.revoke', `device:${d.id}`, { agentId, ...(moved ? { siteRoleTo: holder } : {}) });
    return { ok: true };
  });
}
