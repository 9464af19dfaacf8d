import { type Static, Type } from '@sinclair/typebox';
import { type ProbeConfigSpec, ProbeScheduling } from './common.js';

/** The aspects of the security posture; each is one result (`target`) and runs on its own. */
export const SECURITY_ASPECTS = ['disk-encryption', 'firewall', 'updates', 'admins', 'usb-storage', 'password-policy', 'quotas'] as const;
export type SecurityAspect = (typeof SECURITY_ASPECTS)[number];

const Account = Type.String({ minLength: 1, maxLength: 256 });

export const SecurityProbeConfig = Type.Object(
  {
    ...ProbeScheduling,
    // The posture changes slowly, and a Windows Update search can take a minute.
    intervalSec: Type.Integer({ minimum: 60, maximum: 86_400, default: 21_600 }),
    timeoutSec: Type.Integer({ minimum: 5, maximum: 600, default: 180 }),
    aspects: Type.Array(Type.Union(SECURITY_ASPECTS.map((a) => Type.Literal(a))), {
      uniqueItems: true,
      maxItems: SECURITY_ASPECTS.length,
      default: [...SECURITY_ASPECTS],
    }),
    /** The system volume not encrypted is critical (warning when false). */
    requireDiskEncryption: Type.Boolean({ default: true }),
    /** No active firewall is critical (warning when false). */
    requireFirewall: Type.Boolean({ default: true }),
    /** More pending security updates than this is a warning. */
    maxPendingSecurityUpdates: Type.Integer({ minimum: 0, maximum: 10_000, default: 0 }),
    /** More pending updates of any kind than this is a warning (null: no limit). */
    maxPendingUpdates: Type.Union([Type.Integer({ minimum: 0, maximum: 10_000 }), Type.Null()], { default: null }),
    /** The administrators the client expects; any other is a warning. Absent: reported, not judged. */
    expectedAdmins: Type.Optional(Type.Array(Account, { maxItems: 256 })),
    /** USB mass storage allowed is a warning when true (reported as ok otherwise). */
    requireUsbStorageBlocked: Type.Boolean({ default: false }),
    /** Minimum password length below which the policy is a warning (ANSSI: 12 for a password alone). */
    minPasswordLength: Type.Integer({ minimum: 0, maximum: 128, default: 12 }),
    /** Lockout after at most this many failed attempts; none or more is a warning (0: lockout not required). */
    maxLockoutThreshold: Type.Integer({ minimum: 0, maximum: 1000, default: 10 }),
    /** Passwords must expire within this many days (null: expiry not required, as ANSSI now advises). */
    maxPasswordAgeDays: Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], { default: null }),
    /** Linux/macOS: configuration files (etc/group, etc/login.defs, etc/modprobe.d, proc/mounts…) are read under this root. For tests and chroots. */
    fileRoot: Type.String({ minLength: 1, maxLength: 1024, pattern: '^/', default: '/' }),
  },
  { additionalProperties: false },
);
export type SecurityProbeConfig = Static<typeof SecurityProbeConfig>;

export const securityProbeSpec: ProbeConfigSpec<typeof SecurityProbeConfig> = {
  id: 'security',
  schema: SecurityProbeConfig,
  defaults: {
    enabled: true,
    // Posture changes rarely and the update check is the costliest command the agent runs: every 6 h.
    intervalSec: 21_600,
    timeoutSec: 180,
    aspects: [...SECURITY_ASPECTS],
    requireDiskEncryption: true,
    requireFirewall: true,
    maxPendingSecurityUpdates: 0,
    maxPendingUpdates: null,
    requireUsbStorageBlocked: false,
    minPasswordLength: 12,
    maxLockoutThreshold: 10,
    maxPasswordAgeDays: null,
    fileRoot: '/',
  },
};
