import { type Static, Type } from '@sinclair/typebox';
import { type ProbeConfigSpec, ProbeScheduling } from './common.js';

/**
 * The pending-updates list (agent/src/probes/patches): what could be installed, per package. Reading
 * it never refreshes the package lists (that is the system's own timer's job) nor takes a lock.
 */
export const PatchesProbeConfig = Type.Object(
  {
    ...ProbeScheduling,
    intervalSec: Type.Integer({ minimum: 60, maximum: 86_400, default: 21_600 }),
    // A Windows Update search or softwareupdate asking Apple's servers can take minutes.
    timeoutSec: Type.Integer({ minimum: 5, maximum: 600, default: 300 }),
    /** Linux: state files (run/reboot-required, run/reboot-needed) are read under this root. For tests and chroots. */
    fileRoot: Type.String({ minLength: 1, maxLength: 1024, pattern: '^/', default: '/' }),
  },
  { additionalProperties: false },
);
export type PatchesProbeConfig = Static<typeof PatchesProbeConfig>;

export const patchesProbeSpec: ProbeConfigSpec<typeof PatchesProbeConfig> = {
  id: 'patches',
  schema: PatchesProbeConfig,
  // Every 6 h, as the security probe: apt's simulation is computed again only when its inputs changed.
  defaults: { enabled: true, intervalSec: 21_600, timeoutSec: 300, fileRoot: '/' },
};
