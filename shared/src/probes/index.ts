import { antivirusProbeSpec } from './antivirus.js';
import { backupProbeSpec } from './backup.js';
import type { ProbeConfigSpec } from './common.js';
import { flowsProbeSpec } from './flows.js';
import { networkProbeSpec } from './network.js';
import { patchesProbeSpec } from './patches.js';
import { securityProbeSpec } from './security.js';
import { servicesProbeSpec } from './services.js';
import { snmpProbeSpec } from './snmp.js';

export * from './antivirus.js';
export * from './backup.js';
export * from './common.js';
export * from './flows.js';
export * from './network.js';
export * from './patches.js';
export * from './security.js';
export * from './services.js';
export * from './snmp.js';

/** Configuration schemas of every probe, by id: the collector validates policies with them, the agent applies them. */
export const PROBE_CONFIG_SPECS: Record<string, ProbeConfigSpec> = {
  [networkProbeSpec.id]: networkProbeSpec as unknown as ProbeConfigSpec,
  [antivirusProbeSpec.id]: antivirusProbeSpec as unknown as ProbeConfigSpec,
  [backupProbeSpec.id]: backupProbeSpec as unknown as ProbeConfigSpec,
  [servicesProbeSpec.id]: servicesProbeSpec as unknown as ProbeConfigSpec,
  [securityProbeSpec.id]: securityProbeSpec as unknown as ProbeConfigSpec,
  [patchesProbeSpec.id]: patchesProbeSpec as unknown as ProbeConfigSpec,
  [snmpProbeSpec.id]: snmpProbeSpec as unknown as ProbeConfigSpec,
  [flowsProbeSpec.id]: flowsProbeSpec as unknown as ProbeConfigSpec,
};
