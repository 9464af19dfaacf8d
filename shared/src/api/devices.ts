import { type Static, Type } from '@sinclair/typebox';
import type { Inventory } from '../protocol/inventory.js';
import { CheckStatus, Id, LocalDateText, Ms, Nullable } from './common.js';

export const DeviceState = Type.Union([Type.Literal('ok'), Type.Literal('warning'), Type.Literal('critical'), Type.Literal('offline')]);
export type DeviceState = Static<typeof DeviceState>;
/** Online: its agent (or, for a device without one, its site agent's polls) answers; revoked: its credential was withdrawn. */
export const DeviceStatus = Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('revoked')]);

export const DeviceQuery = Type.Object({
  clientId: Type.Optional(Id),
  siteId: Type.Optional(Id),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Part of the name, serial, OS, an IP address or a software name' })),
  state: Type.Optional(DeviceState),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
});

export const DeviceView = Type.Object({
  id: Type.Integer(),
  hostname: Type.String(),
  kind: Type.Union([Type.Literal('agent'), Type.Literal('agentless')]),
  clientId: Type.Integer(),
  clientName: Type.String(),
  siteId: Type.Integer(),
  siteName: Type.String(),
  platform: Nullable(Type.String()),
  arch: Nullable(Type.String()),
  osName: Nullable(Type.String()),
  serial: Nullable(Type.String()),
  machineUuid: Nullable(Type.String()),
  agentId: Nullable(Type.String()),
  agentVersion: Nullable(Type.String()),
  createdAt: Ms,
  lastSeenAt: Nullable(Ms),
  connected: Type.Boolean(),
  status: DeviceStatus,
  /** A device without an agent: the device (its site agent) that polls it, and whether that one is online. */
  watcherId: Nullable(Type.Integer()),
});
export type DeviceView = Static<typeof DeviceView>;

export const DeviceRow = Type.Composite([DeviceView, Type.Object({ state: DeviceState })]);
export type DeviceRow = Static<typeof DeviceRow>;
export const DeviceList = Type.Object({ devices: Type.Array(DeviceRow), total: Type.Integer() });

/** The finding's sentence in each language the dashboard speaks: the catalogue's, else the agent's own message. */
export const CheckText = Type.Object({ fr: Type.String(), en: Type.String() });
export const CheckValues = Nullable(Type.Record(Type.String(), Type.Unknown()));
export const CheckResultView = Type.Object({
  check: Type.String(),
  target: Type.String(),
  status: CheckStatus,
  code: Type.String(),
  message: Type.String(),
  values: CheckValues,
  observed_at: Ms,
  text: CheckText,
});
export const CheckStateView = Type.Composite([CheckResultView, Type.Object({ since: Ms })]);
export type CheckStateView = Static<typeof CheckStateView>;

export const SuppliedOnDevice = Type.Object({
  id: Type.Integer(),
  description: Type.String(),
  serial: Type.String(),
  deliveredOn: LocalDateText,
  warrantyMonths: Type.Integer(),
  warrantyEnd: LocalDateText,
  retiredOn: Nullable(Type.String()),
  orderId: Nullable(Type.Integer()),
  supplier: Nullable(Type.String()),
});

/** What a site agent last reported of a device it watches over SNMP (the community is never in it). */
export const WatchedIdentity = Type.Object(
  {
    /** The watcher's target key (`snmp:<address>:<port>`), how the site agent names the device. */
    key: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
    address: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    objectId: Type.Optional(Type.String()),
    uptimeSec: Type.Optional(Type.Number()),
    location: Type.Optional(Type.String()),
    contact: Type.Optional(Type.String()),
    reachable: Type.Optional(Type.Boolean()),
    observedAt: Type.Optional(Type.Number()),
    /** The site agent's device that reported it (its watcher). */
    reporterDeviceId: Type.Optional(Type.Integer()),
  },
  // Not strict: what the site agent sent beyond these (serials) is left out, not refused.
);
export type WatchedIdentity = Static<typeof WatchedIdentity>;

export const DeviceEvent = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  severity: Type.String(),
  message: Type.String(),
  data: Type.Unknown(),
  occurred_at: Ms,
  received_at: Ms,
});

/**
 * What the device's agent produced and what became of it: frames stored by the collector, and the
 * losses and backlog its spool last reported (produced = stored + dropped + unspooled + in doubt + pending).
 */
export const AgentDelivery = Type.Object({
  /** Null until the agent has reported its spool once. */
  framesProduced: Nullable(Type.Integer()),
  framesStored: Type.Integer(),
  lastSeq: Type.Integer(),
  droppedFrames: Type.Integer(),
  unspooledFrames: Type.Integer(),
  inDoubtFrames: Type.Integer(),
  pendingFrames: Type.Integer(),
  reportedAt: Nullable(Ms),
});
export type AgentDelivery = Static<typeof AgentDelivery>;

export const DeviceDetail = Type.Object({
  device: DeviceView,
  /** The latest snapshot as the agent sent it (shared/src/protocol/inventory.ts), passed through as stored. */
  inventory: Type.Unsafe<Inventory | null>(Type.Unknown()),
  inventoryCollectedAt: Nullable(Ms),
  inventoryReceivedAt: Nullable(Ms),
  latestMetrics: Type.Record(Type.String(), Type.Object({ ts: Ms, value: Type.Number() })),
  checks: Type.Array(CheckStateView),
  health: Nullable(CheckStatus),
  /** The device's state as the lists count it (ok, warning, critical, offline). */
  state: DeviceState,
  events: Type.Array(DeviceEvent),
  /** Null for a device without an agent. */
  delivery: Nullable(AgentDelivery),
  supplied: Type.Array(SuppliedOnDevice),
  watched: Nullable(WatchedIdentity),
});
export type DeviceDetail = Static<typeof DeviceDetail>;

export const DeviceChecks = Type.Object({
  deviceId: Type.Integer(),
  health: Nullable(CheckStatus),
  current: Type.Array(CheckStateView),
  history: Type.Array(CheckResultView),
});

export const InventoryChange = Type.Object({
  id: Type.Integer(),
  snapshotId: Type.Integer(),
  changedAt: Ms,
  section: Type.String(),
  change: Type.Union([Type.Literal('added'), Type.Literal('removed'), Type.Literal('changed')]),
  key: Type.String(),
  before: Type.Unknown(),
  after: Type.Unknown(),
});
export type InventoryChange = Static<typeof InventoryChange>;
export const InventoryHistory = Type.Object({
  changes: Type.Array(InventoryChange),
  snapshots: Type.Array(Type.Object({ id: Type.Integer(), collectedAt: Ms, receivedAt: Ms, hash: Type.String() })),
});

export const SeriesPoints = Type.Object({
  key: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  points: Type.Array(Type.Tuple([Type.Number(), Type.Number()])),
});
export type SeriesPoints = Static<typeof SeriesPoints>;
export const MetricQuery = Type.Object({
  name: Type.String({ pattern: '^[a-z][a-z0-9_.]{0,63}$' }),
  from: Type.Optional(Type.String({ maxLength: 40 })),
  to: Type.Optional(Type.String({ maxLength: 40 })),
  step: Type.Optional(Type.String({ maxLength: 20 })),
  agg: Type.Union([Type.Literal('avg'), Type.Literal('min'), Type.Literal('max'), Type.Literal('last'), Type.Literal('sum'), Type.Literal('count')], {
    default: 'avg',
  }),
});
export const MetricSeries = Type.Object({
  name: Type.String(),
  from: Ms,
  to: Ms,
  agg: Type.String(),
  series: Type.Array(SeriesPoints),
});
/** The metric names a device (or every device, for rules) reports, with their label keys. */
export const SeriesList = Type.Object({
  series: Type.Array(Type.Object({ key: Type.String(), name: Type.String(), labels: Type.Record(Type.String(), Type.String()) })),
});
export const MetricNames = Type.Object({ names: Type.Array(Type.Object({ name: Type.String(), devices: Type.Integer() })) });

export type DeviceStatus = Static<typeof DeviceStatus>;
export type DeviceQuery = Static<typeof DeviceQuery>;
export type DeviceList = Static<typeof DeviceList>;
export type CheckText = Static<typeof CheckText>;
export type CheckValues = Static<typeof CheckValues>;
export type CheckResultView = Static<typeof CheckResultView>;
export type SuppliedOnDevice = Static<typeof SuppliedOnDevice>;
export type DeviceEvent = Static<typeof DeviceEvent>;
export type DeviceChecks = Static<typeof DeviceChecks>;
export type InventoryHistory = Static<typeof InventoryHistory>;
export type MetricQuery = Static<typeof MetricQuery>;
export type MetricSeries = Static<typeof MetricSeries>;
export type SeriesList = Static<typeof SeriesList>;
export type MetricNames = Static<typeof MetricNames>;
