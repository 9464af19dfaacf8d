import { type Static, Type } from '@sinclair/typebox';
import { PATCH_SOURCES } from './wire.js';

/** REST shapes of the compliance view (`/api/v1/patches/…`, `/api/v1/devices/:id/patches`), shared with the dashboard. */
const strict = { additionalProperties: false } as const;
const Id = Type.Integer({ minimum: 1 });
const Millis = Type.Integer({ minimum: 0 });
const Nullable = <T extends import('@sinclair/typebox').TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Default "pending for more than N days" threshold of the compliance view and the monthly report. */
export const DEFAULT_PATCH_OVERDUE_DAYS = 30;
export const MAX_PATCH_OVERDUE_DAYS = 365;

/**
 * A device's patch state: `unknown` until it reported a list, `up-to-date` with nothing pending,
 * `overdue` when an update has been pending for more than the threshold, `pending` otherwise.
 */
export const PATCH_STATES = ['up-to-date', 'pending', 'overdue', 'unknown'] as const;
export type PatchState = (typeof PATCH_STATES)[number];

export const ComplianceQuery = Type.Object(
  {
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PATCH_OVERDUE_DAYS })),
    clientId: Type.Optional(Id),
    state: Type.Optional(Type.Union(PATCH_STATES.map((s) => Type.Literal(s)))),
    rebootPending: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type ComplianceQuery = Static<typeof ComplianceQuery>;

export const DeviceCompliance = Type.Object(
  {
    deviceId: Id,
    hostname: Type.String(),
    clientId: Id,
    clientName: Type.String(),
    siteId: Id,
    siteName: Type.String(),
    platform: Nullable(Type.String()),
    source: Nullable(Type.Union(PATCH_SOURCES.map((s) => Type.Literal(s)))),
    /** When the agent last listed its updates. */
    collectedAt: Nullable(Millis),
    pending: Type.Integer({ minimum: 0 }),
    security: Type.Integer({ minimum: 0 }),
    /** Pending for more than the threshold. */
    overdue: Type.Integer({ minimum: 0 }),
    oldestPendingSince: Nullable(Millis),
    rebootPending: Nullable(Type.Boolean()),
    state: Type.Union(PATCH_STATES.map((s) => Type.Literal(s))),
  },
  strict,
);
export type DeviceCompliance = Static<typeof DeviceCompliance>;

export const ComplianceSummary = Type.Object(
  {
    devices: Type.Integer({ minimum: 0 }),
    upToDate: Type.Integer({ minimum: 0 }),
    pending: Type.Integer({ minimum: 0 }),
    overdue: Type.Integer({ minimum: 0 }),
    unknown: Type.Integer({ minimum: 0 }),
    rebootPending: Type.Integer({ minimum: 0 }),
    /** Devices with at least one pending security update. */
    withSecurity: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type ComplianceSummary = Static<typeof ComplianceSummary>;

export const ComplianceResponse = Type.Object(
  { days: Type.Integer(), generatedAt: Millis, summary: ComplianceSummary, devices: Type.Array(DeviceCompliance) },
  strict,
);
export type ComplianceResponse = Static<typeof ComplianceResponse>;

export const DevicePatch = Type.Object(
  {
    name: Type.String(),
    arch: Nullable(Type.String()),
    installedVersion: Nullable(Type.String()),
    candidateVersion: Type.String(),
    security: Type.Boolean(),
    rebootRequired: Type.Boolean(),
    title: Nullable(Type.String()),
    origin: Nullable(Type.String()),
    firstSeenAt: Millis,
    lastSeenAt: Millis,
    /** null while pending; when it stopped being pending (installed, or no longer offered). */
    resolvedAt: Nullable(Millis),
  },
  strict,
);
export type DevicePatch = Static<typeof DevicePatch>;

export const DevicePatchesResponse = Type.Object(
  {
    deviceId: Id,
    source: Nullable(Type.Union(PATCH_SOURCES.map((s) => Type.Literal(s)))),
    collectedAt: Nullable(Millis),
    rebootPending: Nullable(Type.Boolean()),
    truncated: Type.Boolean(),
    pending: Type.Array(DevicePatch),
    /** Resolved in the last 90 days, newest first. */
    recent: Type.Array(DevicePatch),
  },
  strict,
);
export type DevicePatchesResponse = Static<typeof DevicePatchesResponse>;

/**
 * A patch policy for a client, a site or a device; each level sets what it wants and the narrower
 * one wins key by key — except `excluded`, which adds up (a device cannot take back a package its
 * client excluded). Security updates go in automatically during a maintenance window; every other
 * update needs a technician's approval; an excluded package is never installed, approved or not.
 */
export const PatchPolicy = Type.Object(
  {
    /** Install pending security updates automatically while a maintenance window is open. */
    securityInWindow: Type.Optional(Type.Boolean()),
    /** Package names never installed (`*` at the end matches a prefix: `linux-image-*`). */
    excluded: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9][A-Za-z0-9+._:~-]*\\*?$' }), { maxItems: 200 })),
    /** never: the machine is not restarted by Vigie; ask: a restart pending is shown for a technician to order; window: restarted after updates installed in a maintenance window. */
    reboot: Type.Optional(Type.Union([Type.Literal('never'), Type.Literal('ask'), Type.Literal('window')])),
    rebootDelayMin: Type.Optional(Type.Integer({ minimum: 0, maximum: 120 })),
  },
  strict,
);
export type PatchPolicy = Static<typeof PatchPolicy>;
export type EffectivePatchPolicy = Required<PatchPolicy>;
export const DEFAULT_PATCH_POLICY: EffectivePatchPolicy = { securityInWindow: true, excluded: [], reboot: 'ask', rebootDelayMin: 5 };

/** Whether a package name is excluded by one of the patterns. */
export function isExcluded(name: string, excluded: readonly string[]): boolean {
  return excluded.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

export const ApprovePatchesBody = Type.Object(
  {
    packages: Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }), arch: Type.Optional(Type.String({ maxLength: 64 })) }, strict), {
      minItems: 1,
      maxItems: 500,
    }),
  },
  strict,
);
export type ApprovePatchesBody = Static<typeof ApprovePatchesBody>;
