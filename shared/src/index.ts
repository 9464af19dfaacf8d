export * from './calendar/index.js';
export * from './checks/index.js';
export * from './error-reasons.js';
export * from './errors.js';
export * from './probes/index.js';
export * from './protocol/index.js';
export * from './remote/index.js';
export * from './secrets/url-credentials.js';
