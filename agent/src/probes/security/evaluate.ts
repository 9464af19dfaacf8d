import type { CheckResult, SecurityAspect, SecurityProbeConfig } from '@vigie/shared';
import type { Observations } from './model.js';

type Verdict = Pick<CheckResult, 'status' | 'code' | 'message'> & { values?: CheckResult['values'] };
type Rules = { [A in SecurityAspect]: (o: Observations[A], cfg: SecurityProbeConfig) => Verdict };

const list = (xs: readonly string[], max = 10) => (xs.length > max ? `${xs.slice(0, max).join(', ')}…` : xs.join(', '));

/** The thresholds of the policy applied to what was observed. Pure: table-tested. */
export const RULES: Rules = {
  'disk-encryption': (o, cfg) => {
    if (o.encrypted) return { status: 'ok', code: 'DISK_ENCRYPTED', message: `System volume encrypted (${o.detail})` };
    if (o.inProgress) return { status: 'warning', code: 'DISK_ENCRYPTION_IN_PROGRESS', message: `Encryption in progress (${o.detail})` };
    return { status: cfg.requireDiskEncryption ? 'critical' : 'warning', code: 'DISK_NOT_ENCRYPTED', message: `System volume not encrypted (${o.detail})` };
  },
  firewall: (o, cfg) =>
    o.enabled
      ? { status: 'ok', code: 'FIREWALL_ENABLED', message: `Firewall active (${o.detail})` }
      : { status: cfg.requireFirewall ? 'critical' : 'warning', code: 'FIREWALL_DISABLED', message: `No active firewall (${o.detail})` },
  updates: (o, cfg) => {
    // The counts as values too: the collector's texts (French, English) are written from them.
    const values = { pending: o.pending, security: o.security };
    if (o.security !== null && o.security > cfg.maxPendingSecurityUpdates) {
      return {
        status: 'warning',
        code: 'SECURITY_UPDATES_PENDING',
        message: `${o.security} security update(s) pending, ${o.pending} in all (${o.detail})`,
        values,
      };
    }
    if (cfg.maxPendingUpdates !== null && o.pending > cfg.maxPendingUpdates) {
      return {
        status: 'warning',
        code: 'UPDATES_PENDING',
        message: `${o.pending} update(s) pending, more than ${cfg.maxPendingUpdates} (${o.detail})`,
        values,
      };
    }
    return {
      status: 'ok',
      code: 'UPDATES_OK',
      message: `${o.pending} update(s) pending${o.security !== null ? `, ${o.security} for security` : ''} (${o.detail})`,
      values,
    };
  },
  admins: (o, cfg) => {
    const values = { count: o.admins.length, admins: list(o.admins, 50) };
    if (!cfg.expectedAdmins) return { status: 'ok', code: 'ADMINS_LISTED', message: `Administrators: ${list(o.admins)}`, values };
    const expected = new Set(cfg.expectedAdmins.map(accountKey));
    const extra = o.admins.filter((a) => !expected.has(accountKey(a)));
    return extra.length > 0
      ? {
          status: 'warning',
          code: 'ADMINS_UNEXPECTED',
          message: `Unexpected administrator(s): ${list(extra)}`,
          values: { ...values, unexpected: list(extra, 50) },
        }
      : { status: 'ok', code: 'ADMINS_EXPECTED', message: `Administrators as expected: ${list(o.admins)}`, values };
  },
  'usb-storage': (o, cfg) =>
    o.blocked
      ? { status: 'ok', code: 'USB_STORAGE_BLOCKED', message: `USB mass storage blocked (${o.detail})` }
      : { status: cfg.requireUsbStorageBlocked ? 'warning' : 'ok', code: 'USB_STORAGE_ALLOWED', message: `USB mass storage allowed (${o.detail})` },
  'password-policy': (o, cfg) => {
    const issues: string[] = [];
    if (cfg.minPasswordLength > 0 && (o.minLength ?? 0) < cfg.minPasswordLength)
      issues.push(`minimum length ${o.minLength ?? 'none'} < ${cfg.minPasswordLength}`);
    if (cfg.maxLockoutThreshold > 0 && (o.lockoutThreshold === null || o.lockoutThreshold > cfg.maxLockoutThreshold)) {
      issues.push(
        o.lockoutThreshold === null ? 'no lockout after failed attempts' : `lockout after ${o.lockoutThreshold} attempts > ${cfg.maxLockoutThreshold}`,
      );
    }
    if (cfg.maxPasswordAgeDays !== null && (o.maxAgeDays === null || o.maxAgeDays > cfg.maxPasswordAgeDays)) {
      issues.push(o.maxAgeDays === null ? 'passwords never expire' : `expiry ${o.maxAgeDays} days > ${cfg.maxPasswordAgeDays}`);
    }
    const summary = `min length ${o.minLength ?? 'none'}, lockout ${o.lockoutThreshold ?? 'none'}, expiry ${o.maxAgeDays === null ? 'never' : `${o.maxAgeDays} days`}`;
    const values = { minLength: o.minLength, lockoutThreshold: o.lockoutThreshold, maxAgeDays: o.maxAgeDays };
    return issues.length > 0
      ? { status: 'warning', code: 'PASSWORD_POLICY_WEAK', message: `Password policy weak: ${issues.join('; ')}`, values }
      : { status: 'ok', code: 'PASSWORD_POLICY_OK', message: `Password policy: ${summary}`, values };
  },
  quotas: (o) => {
    if (o.filesystems.length === 0) return { status: 'ok', code: 'QUOTAS_NONE', message: 'No file system mounted with quotas' };
    const over = o.overLimit === null ? '' : `, ${o.overLimit} over a limit`;
    return {
      status: o.overLimit ? 'warning' : 'ok',
      code: o.overLimit ? 'QUOTAS_EXCEEDED' : 'QUOTAS_CONFIGURED',
      message: `Quotas on ${list(o.filesystems)}${over}`,
      values: { filesystems: list(o.filesystems, 50), overLimit: o.overLimit },
    };
  },
};

/** `PC01\Alice`, `alice`, `AzureAD\Alice` all name the account `alice` for comparison. */
export function accountKey(name: string): string {
  return name.slice(name.lastIndexOf('\\') + 1).toLowerCase();
}

export function evaluate<A extends SecurityAspect>(aspect: A, o: Observations[A], cfg: SecurityProbeConfig, observedAt: number): CheckResult {
  const v = RULES[aspect](o, cfg);
  return {
    check: 'security',
    target: aspect,
    status: v.status,
    code: v.code,
    message: v.message.slice(0, 2000),
    values: { ...o.values, ...v.values },
    observedAt,
  };
}

/** An aspect that could not be read: the others still report. */
export function aspectFailed(aspect: SecurityAspect, err: unknown, observedAt: number): CheckResult {
  return {
    check: 'security',
    target: aspect,
    status: 'unknown',
    code: 'SECURITY_CHECK_FAILED',
    message: `${aspect}: ${(err as Error).message ?? String(err)}`.slice(0, 2000),
    observedAt,
  };
}
