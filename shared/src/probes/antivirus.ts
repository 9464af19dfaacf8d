import { type Static, Type } from '@sinclair/typebox';
import { type ProbeConfigSpec, ProbeScheduling } from './common.js';

const strict = { additionalProperties: false } as const;

export const AntivirusProbeConfig = Type.Object(
  {
    ...ProbeScheduling,
    /** Signature age (hours) from which a product is warning / critical. */
    signatureWarningHours: Type.Integer({ minimum: 1, maximum: 8760, default: 48 }),
    signatureCriticalHours: Type.Integer({ minimum: 1, maximum: 8760, default: 168 }),
    /** macOS: Apple ships XProtect data every few weeks, so its age limits are in days. */
    xprotectWarningDays: Type.Integer({ minimum: 1, maximum: 365, default: 30 }),
    xprotectCriticalDays: Type.Integer({ minimum: 1, maximum: 365, default: 90 }),
    /** Days since the last completed scan from which a product is warning; null: not checked. */
    scanMaxAgeDays: Type.Union([Type.Integer({ minimum: 1, maximum: 365 }), Type.Null()], { default: null }),
    /** Real-time (on-access) protection off is a warning; set false where scheduled scans are the policy. */
    requireRealTime: Type.Boolean({ default: true }),
    /** Status when no antivirus is found at all. */
    notInstalledStatus: Type.Union([Type.Literal('warning'), Type.Literal('critical')], { default: 'critical' }),
    /** Linux: where ClamAV keeps its signature database (freshclam's DatabaseDirectory). */
    clamavDatabaseDir: Type.String({ minLength: 2, maxLength: 1024, pattern: '^/', default: '/var/lib/clamav' }),
    /** Linux: a stopped clamd is critical; set false where ClamAV only runs as scheduled clamscan. */
    clamavRequireDaemon: Type.Boolean({ default: true }),
  },
  strict,
);
export type AntivirusProbeConfig = Static<typeof AntivirusProbeConfig>;

export const antivirusProbeSpec: ProbeConfigSpec<typeof AntivirusProbeConfig> = {
  id: 'antivirus',
  schema: AntivirusProbeConfig,
  defaults: {
    enabled: true,
    intervalSec: 3600,
    timeoutSec: 90,
    signatureWarningHours: 48,
    signatureCriticalHours: 168,
    xprotectWarningDays: 30,
    xprotectCriticalDays: 90,
    scanMaxAgeDays: null,
    requireRealTime: true,
    notInstalledStatus: 'critical',
    clamavDatabaseDir: '/var/lib/clamav',
    clamavRequireDaemon: true,
  },
};
