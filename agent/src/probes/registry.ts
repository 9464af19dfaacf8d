import { antivirusProbe } from './antivirus/index.js';
import { networkProbe } from './network/index.js';
import type { ProbeDefinition } from './probe.js';

/** Every check probe the agent has. Adding one is adding its folder and a line here. */
export const PROBES: readonly ProbeDefinition[] = [networkProbe as unknown as ProbeDefinition, antivirusProbe as unknown as ProbeDefinition];
