import { PROTOCOL_VERSION } from '@vigie/shared';
import type { FastifyInstance } from 'fastify';
import type { ClusterBus } from '../cluster/bus.js';
import type { AgentChannel } from '../ingest/agent-channel.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import type { RuleEngine } from '../rules/engine.js';
import type { ScheduledJobs } from '../scheduled-jobs.js';
import type { StoreHealth } from '../store/health.js';
import { InfluxMetricStore } from '../store/influx/influx-metric-store.js';
import { describeStoreCheck, type StoreCheck } from '../store/integrity.js';
import type { MetricStore } from '../store/metric-store.js';
import type { TicketService } from '../tickets/service.js';
import { prometheusText } from './prometheus.js';

/** `/healthz` (for load balancers and people) and `/metrics` (Prometheus): this process's state. */
export function registerHealthRoutes(
  app: FastifyInstance,
  o: {
    version: string;
    /** Answers once the relational store answers a trivial read (outside any route's transaction). */
    ping: () => Promise<void>;
    health: StoreHealth;
    /** What the start-up check of the store found after an unclean stop (null after a clean one). */
    check: StoreCheck | null;
    channel: AgentChannel;
    pipeline: IngestPipeline;
    bus: ClusterBus;
    /** The timers, started after the routes are registered. */
    jobs: () => ScheduledJobs | undefined;
    rules: RuleEngine;
    metrics: MetricStore;
    tickets: TicketService;
  },
): void {
  const { ping, health, check, channel, pipeline, bus, rules, metrics, tickets } = o;
  app.get('/healthz', { schema: { hide: true } }, async () => {
    await ping();
    const store = health.condition;
    // Reads are served whatever the store's state; `degraded` says agent data is not being accepted, and why.
    return {
      status: store.state === 'ok' ? 'ok' : 'degraded',
      version: o.version,
      protocol: PROTOCOL_VERSION,
      agentsConnected: channel.stats.connections,
      store: { ...store, lostAcknowledgedFrames: channel.stats.storeLostFrames, lastCheck: check ? describeStoreCheck(check) : null },
    };
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.type('text/plain; version=0.0.4');
    const jobs = o.jobs();
    return prometheusText(channel.stats, pipeline.stats, bus.nodeId, {
      bus: bus.stats,
      relay: bus.relay,
      lease: jobs?.lease?.stats,
      jobRuns: jobs?.runs,
      store: health.condition,
      rules: rules.stats,
      influx: metrics instanceof InfluxMetricStore ? metrics.stats : undefined,
      tickets: tickets.stats,
    });
  });
}
