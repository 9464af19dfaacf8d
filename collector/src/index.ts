export { COLLECTOR_VERSION, type Collector, createCollector } from './app.js';
export { type CollectorConfig, defaultConfig } from './config.js';
