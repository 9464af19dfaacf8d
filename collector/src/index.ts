export { type Collector, COLLECTOR_VERSION, createCollector } from './app.js';
export { type CollectorConfig, defaultConfig } from './config.js';
