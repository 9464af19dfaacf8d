export * from './api.js';
export * from './wire.js';
