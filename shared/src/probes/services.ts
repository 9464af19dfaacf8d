import { type Static, Type } from '@sinclair/typebox';
import { type ProbeConfigSpec, ProbeScheduling } from './common.js';

/**
 * A unit / service / launchd label: no leading dash (it would read as an option of systemctl),
 * no control characters. Matching is case-insensitive on Windows.
 */
const ServiceName = Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_@.:+][A-Za-z0-9_@.:+ ()\\\\-]*$' });

export const ServicesProbeConfig = Type.Object(
  {
    ...ProbeScheduling,
    /** Services that must be running: systemd units (`ssh` or `ssh.service`), Windows service names or display names, launchd labels. */
    required: Type.Array(ServiceName, { maxItems: 64, default: [] }),
    /** How many processes to report by CPU and by memory (0: no top-processes result). */
    topN: Type.Integer({ minimum: 0, maximum: 20, default: 5 }),
    /** Linux: CPU use is measured over this interval (two reads of /proc/<pid>/stat). */
    cpuSampleMs: Type.Integer({ minimum: 100, maximum: 5000, default: 500 }),
  },
  { additionalProperties: false },
);
export type ServicesProbeConfig = Static<typeof ServicesProbeConfig>;

export const servicesProbeSpec: ProbeConfigSpec<typeof ServicesProbeConfig> = {
  id: 'services',
  schema: ServicesProbeConfig,
  defaults: { enabled: true, intervalSec: 300, timeoutSec: 30, required: [], topN: 5, cpuSampleMs: 500 },
};
