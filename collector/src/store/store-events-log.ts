import type { FastifyBaseLogger } from 'fastify';
import { InfluxMetricStore } from './influx/influx-metric-store.js';
import type { MetricStore } from './metric-store.js';
import { PgMetricStore } from './postgres/pg-metric-store.js';
import { PostgresDatabase } from './postgres-database.js';
import type { RelationalStore } from './relational-store.js';

/** What the stores' engines report on their own (lost pool connections, samples InfluxDB refused), in the collector's log. */
export function logStoreEvents(log: FastifyBaseLogger, db: RelationalStore, metrics: MetricStore): void {
  if (db instanceof PostgresDatabase)
    db.onConnectionError = (err) => log.warn({ err: err.message }, 'PostgreSQL relational store: a connection was lost; the pool reconnects');
  if (metrics instanceof PgMetricStore)
    metrics.onConnectionError = (err) => log.warn({ err: err.message }, 'PostgreSQL metric store: a connection was lost; the pool reconnects');
  if (metrics instanceof InfluxMetricStore)
    metrics.onExpired = (deviceId, values, oldestTs) =>
      log.warn({ deviceId, values, oldest: new Date(oldestTs).toISOString() }, 'samples older than the raw retention: refused by InfluxDB, not stored');
}
