export * from './codec.js';
export * from './enroll.js';
export * from './inventory.js';
export * from './inventory-canonical.js';
export * from './limits.js';
export * from './messages.js';
export * from './series-key.js';
