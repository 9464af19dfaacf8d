import { PROTOCOL_VERSION } from '@vigie/shared';

export const AGENT_VERSION = '0.1.0';
export const VERSION_LINE = `vigie-agent ${AGENT_VERSION} (protocol v${PROTOCOL_VERSION})`;
