import { antivirusProbeSpec } from './antivirus.js';
import type { ProbeConfigSpec } from './common.js';
import { networkProbeSpec } from './network.js';

export * from './antivirus.js';
export * from './common.js';
export * from './network.js';

/** Configuration schemas of every probe, by id: the collector validates policies with them, the agent applies them. */
export const PROBE_CONFIG_SPECS: Record<string, ProbeConfigSpec> = {
  [networkProbeSpec.id]: networkProbeSpec as unknown as ProbeConfigSpec,
  [antivirusProbeSpec.id]: antivirusProbeSpec as unknown as ProbeConfigSpec,
};
