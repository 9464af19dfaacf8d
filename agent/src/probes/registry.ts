import { antivirusProbe } from './antivirus/index.js';
import { backupProbe } from './backup/index.js';
import { networkProbe } from './network/index.js';
import { patchesProbe } from './patches/index.js';
import type { ProbeDefinition } from './probe.js';
import { securityProbe } from './security/index.js';
import { servicesProbe } from './services/index.js';

/** Every check probe the agent has. Adding one is adding its folder and a line here. */
export const PROBES: readonly ProbeDefinition[] = [
  networkProbe as unknown as ProbeDefinition,
  antivirusProbe as unknown as ProbeDefinition,
  backupProbe as unknown as ProbeDefinition,
  servicesProbe as unknown as ProbeDefinition,
  securityProbe as unknown as ProbeDefinition,
  patchesProbe as unknown as ProbeDefinition,
];
