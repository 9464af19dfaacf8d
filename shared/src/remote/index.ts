export * from './api.js';
export * from './ceiling.js';
export * from './envelope.js';
export * from './limits.js';
export * from './scripts.js';
