export { main } from './cli.js';
export { AgentRuntime, type RuntimeOptions } from './runtime.js';
export { AGENT_VERSION, VERSION_LINE } from './version.js';
