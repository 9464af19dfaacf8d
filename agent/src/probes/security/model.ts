import type { SecurityAspect, SecurityProbeConfig } from '@vigie/shared';
import type { PendingList } from '../patches/model.js';
import type { ProbeContext } from '../probe.js';

/** What one platform saw for each aspect, before thresholds make it a status. */
type Values = Record<string, number | string | boolean | null>;

export interface DiskEncryption {
  encrypted: boolean;
  /** Encryption under way (BitLocker conversion, FileVault). */
  inProgress?: boolean;
  detail: string;
  values: Values;
}
export interface Firewall {
  enabled: boolean;
  detail: string;
  values: Values;
}
export interface Updates {
  pending: number;
  /** null when the tool cannot tell security updates apart. */
  security: number | null;
  detail: string;
  values: Values;
}
export interface Admins {
  admins: string[];
  values: Values;
}
export interface UsbStorage {
  blocked: boolean;
  detail: string;
  values: Values;
}
export interface PasswordPolicy {
  /** null: no minimum enforced. */
  minLength: number | null;
  /** null: passwords do not expire. */
  maxAgeDays: number | null;
  /** null: no lockout after failed attempts. */
  lockoutThreshold: number | null;
  values: Values;
}
export interface Quotas {
  /** File systems mounted with quotas. */
  filesystems: string[];
  /** Users or groups over a soft or hard limit, when the quota tools say. */
  overLimit: number | null;
  values: Values;
}

export interface Observations {
  'disk-encryption': DiskEncryption;
  firewall: Firewall;
  updates: Updates;
  admins: Admins;
  'usb-storage': UsbStorage;
  'password-policy': PasswordPolicy;
  quotas: Quotas;
}

/** One platform's collectors: an aspect it cannot check is absent (no result), one that fails throws. */
export type PlatformCollectors = {
  [A in SecurityAspect]?: (ctx: ProbeContext, cfg: SecurityProbeConfig) => Promise<Observations[A]>;
};

/** The command's stdout, or an error naming it when it exits non-zero. */
export async function stdoutOf(
  ctx: ProbeContext,
  file: string,
  args: readonly string[],
  okCodes: readonly number[] = [0],
  timeoutMs = 60_000,
): Promise<string> {
  const r = await ctx.run(file, args, { timeoutMs });
  if (!okCodes.includes(r.code)) throw new Error(`${file} exited with ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0]?.slice(0, 300)}` : ''}`);
  return r.stdout;
}

/** The counts of the patches probe's list (one parser per tool, for both probes). */
export function updatesFrom(list: PendingList): Updates {
  const security = list.updates.filter((u) => u.security);
  return {
    pending: list.updates.length,
    security: security.length,
    detail: list.source,
    values: {
      method: list.source,
      securityPackages: security
        .slice(0, 20)
        .map((u) => u.name)
        .join(' '),
    },
  };
}
