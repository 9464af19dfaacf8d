export { COLLECTOR_VERSION, type Collector, createCollector } from './app.js';
/** For embedding and test harnesses that create users directly. */
export { hashPassword } from './auth/passwords.js';
export { type CollectorConfig, defaultConfig } from './config.js';
