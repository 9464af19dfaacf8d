import { type Static, Type } from '@sinclair/typebox';

/** Where a device's pending updates come from: one package manager or update service per platform. */
export const PATCH_SOURCES = ['apt', 'dnf', 'yum', 'zypper', 'windows-update', 'softwareupdate'] as const;
export type PatchSource = (typeof PATCH_SOURCES)[number];

/** Most pending updates one report carries; a machine years behind is cut there (and says so). */
export const MAX_PENDING_UPDATES = 5000;

const strict = { additionalProperties: false } as const;
const Millis = Type.Integer({ minimum: 0 });
/**
 * A package or update name (a macOS label has spaces): never starts with `-` or a space, no control
 * character — it ends up as an installer's argument (never through a shell).
 */
export const PackageName = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\s-][^\\x00-\\x1f\\x7f]*$' });
/** A version as the tool prints it (epoch, tilde, plus, colon; macOS "14.4.1 (a)"). */
export const PackageVersion = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\s-][^\\x00-\\x1f\\x7f]*$' });

/**
 * One pending update. For apt, dnf/yum and zypper: a package (name and architecture) with the
 * version installed and the one it would be upgraded to. For Windows Update: an update (name = its
 * KB, or its UpdateID when it has none; `id` = the UpdateID) with no installed version. For macOS:
 * a `softwareupdate` label.
 */
export const PendingUpdate = Type.Object(
  {
    name: PackageName,
    arch: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.+-]+$' })),
    /** null: not installed in a version the tool names (Windows and macOS updates). */
    installedVersion: Type.Union([PackageVersion, Type.Null()]),
    candidateVersion: PackageVersion,
    security: Type.Boolean(),
    /** Installing it needs a restart of the machine (kernel, firmware, an update that says so). */
    rebootRequired: Type.Boolean(),
    /** Human title (Windows Update, softwareupdate). */
    title: Type.Optional(Type.String({ maxLength: 1024 })),
    /** Where it comes from: apt archive, dnf repository, zypper alias, Windows category. */
    origin: Type.Optional(Type.String({ maxLength: 512 })),
    /** What the installer needs to name it when the name is not enough (Windows UpdateID, macOS label). */
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  strict,
);
export type PendingUpdate = Static<typeof PendingUpdate>;

/** Agent → collector `patches`: the device's whole list of pending updates as its tool sees it now. */
export const PatchesBody = Type.Object(
  {
    source: Type.Union(PATCH_SOURCES.map((s) => Type.Literal(s))),
    collectedAt: Millis,
    /** The system says it must restart to finish earlier updates; null when the platform cannot tell. */
    rebootPending: Type.Union([Type.Boolean(), Type.Null()]),
    updates: Type.Array(PendingUpdate, { maxItems: MAX_PENDING_UPDATES }),
    /** More were pending than one report carries. */
    truncated: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type PatchesBody = Static<typeof PatchesBody>;

/** The identity of a pending update on one device: the same package on another architecture is another update. */
export const updateKey = (u: { name: string; arch?: string | undefined }) => (u.arch ? `${u.name}:${u.arch}` : u.name);
