import { antivirusProbeSpec } from './antivirus.js';
import { backupProbeSpec } from './backup.js';
import type { ProbeConfigSpec } from './common.js';
import { networkProbeSpec } from './network.js';
import { securityProbeSpec } from './security.js';
import { servicesProbeSpec } from './services.js';

export * from './antivirus.js';
export * from './backup.js';
export * from './common.js';
export * from './network.js';
export * from './security.js';
export * from './services.js';

/** Configuration schemas of every probe, by id: the collector validates policies with them, the agent applies them. */
export const PROBE_CONFIG_SPECS: Record<string, ProbeConfigSpec> = {
  [networkProbeSpec.id]: networkProbeSpec as unknown as ProbeConfigSpec,
  [antivirusProbeSpec.id]: antivirusProbeSpec as unknown as ProbeConfigSpec,
  [backupProbeSpec.id]: backupProbeSpec as unknown as ProbeConfigSpec,
  [servicesProbeSpec.id]: servicesProbeSpec as unknown as ProbeConfigSpec,
  [securityProbeSpec.id]: securityProbeSpec as unknown as ProbeConfigSpec,
};
