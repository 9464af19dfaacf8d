import { PROTOCOL_VERSION } from '@vigie/shared';

/** Stamped into a build by the installers (esbuild `define`, `bundleAgent({ version })`). */
declare const __VIGIE_AGENT_VERSION__: string | undefined;

/** The sources' version, or the one a build was stamped with: what the agent says in hello and compares self-updates to. */
export const AGENT_VERSION: string = typeof __VIGIE_AGENT_VERSION__ === 'string' ? __VIGIE_AGENT_VERSION__ : '0.1.0';
export const VERSION_LINE = `vigie-agent ${AGENT_VERSION} (protocol v${PROTOCOL_VERSION})`;
