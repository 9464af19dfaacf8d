export { main } from './cli.js';
export { AgentRuntime } from './runtime.js';
export { AGENT_VERSION, VERSION_LINE } from './version.js';
