import type { BusStats, RelayStats } from '../cluster/bus.js';
import type { LeaseStats } from '../cluster/lease.js';
import type { ChannelStats } from '../ingest/agent-channel.js';
import type { PipelineStats } from '../ingest/pipeline.js';
import type { RuleEngineStats } from '../rules/engine.js';
import type { StoreCondition } from '../store/health.js';
import type { InfluxStoreStats } from '../store/influx/influx-metric-store.js';
import type { TicketStats } from '../tickets/service.js';

interface Gauge {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  value: number;
}

/**
 * The collector's own health in Prometheus text exposition format 0.0.4. In cluster mode each
 * worker process answers for itself: every series carries its `worker` label, so that scrapes
 * landing on different workers are different series, not one counter going up and down.
 */
/** Counters of the parts a collector may or may not run (an InfluxDB store only when configured). */
export interface OptionalStats {
  /** The store's condition (full or damaged: agent data refused). */
  store?: StoreCondition;
  rules?: RuleEngineStats;
  influx?: InfluxStoreStats;
  tickets?: TicketStats;
  /** The bus to the other collectors (NATS), when configured. */
  bus?: BusStats & { connectFailures?: number; refused?: number };
  /** The relay between worker processes (`serve --workers N`), when this process is one. */
  relay?: RelayStats;
  /** The scheduled jobs' lease (serving collectors). */
  lease?: LeaseStats;
  /** Runs of the once-in-the-cluster jobs on this collector. */
  jobRuns?: { invoicing: number };
}

export function prometheusText(channel: ChannelStats, pipeline: PipelineStats, workerId: number | string = 1, optional: OptionalStats = {}): string {
  const { store, rules, influx, tickets, bus, relay, lease, jobRuns } = optional;
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  const rows: Gauge[] = [
    { name: 'vigie_collector_worker_info', help: 'Collector process that answered (cluster mode: one per worker)', type: 'gauge', value: 1 },
    { name: 'vigie_agents_connected', help: 'Agent WebSocket connections open now', type: 'gauge', value: channel.connections },
    { name: 'vigie_agent_frames_received_total', help: 'Frames received from agents', type: 'counter', value: channel.framesReceived },
    { name: 'vigie_agent_frames_refused_total', help: 'Frames refused with an error code', type: 'counter', value: channel.framesRefused },
    { name: 'vigie_agent_frames_duplicate_total', help: 'Replayed frames recognised by their seq', type: 'counter', value: channel.duplicates },
    { name: 'vigie_agent_auth_failures_total', help: 'Agent connections refused at authentication', type: 'counter', value: channel.authFailures },
    { name: 'vigie_ingest_frames_committed_total', help: 'Frames committed to the store', type: 'counter', value: pipeline.framesCommitted },
    { name: 'vigie_ingest_values_committed_total', help: 'Metric values committed to the store', type: 'counter', value: pipeline.valuesCommitted },
    { name: 'vigie_ingest_batches_total', help: 'Group-commit transactions', type: 'counter', value: pipeline.batches },
    { name: 'vigie_ingest_commit_errors_total', help: 'Batches that failed and were retried frame by frame', type: 'counter', value: pipeline.commitErrors },
    { name: 'vigie_ingest_pending_frames', help: 'Frames waiting for the next commit', type: 'gauge', value: pipeline.pendingFrames },
    {
      name: 'vigie_ingest_frames_refused_by_store_total',
      help: 'Frames not committed because the store was full or damaged (agents keep them)',
      type: 'counter',
      value: pipeline.framesRefusedByStore,
    },
    { name: 'vigie_agent_pauses_total', help: 'Agent connections told to wait for the store', type: 'counter', value: channel.pauses },
    {
      name: 'vigie_store_lost_acknowledged_frames_total',
      help: 'Acknowledged frames agents had that the store no longer had (resent from their window)',
      type: 'counter',
      value: channel.storeLostFrames,
    },
    { name: 'vigie_store_full', help: '1 while the store is full and agent data is refused', type: 'gauge', value: store?.state === 'full' ? 1 : 0 },
    { name: 'vigie_store_damaged', help: '1 while the store is damaged and agent data is refused', type: 'gauge', value: store?.state === 'damaged' ? 1 : 0 },
    ...(rules
      ? ([
          { name: 'vigie_rules_evaluations_total', help: 'Rules evaluation rounds started', type: 'counter', value: rules.evaluations },
          {
            name: 'vigie_rules_evaluation_failures_total',
            help: 'Rules evaluation rounds that could not read the store',
            type: 'counter',
            value: rules.evaluationFailures,
          },
          {
            name: 'vigie_rules_incident_write_failures_total',
            help: 'Incident writes that failed (each is retried at the next evaluation)',
            type: 'counter',
            value: rules.incidentWriteFailures,
          },
        ] satisfies Gauge[])
      : []),
    ...(influx
      ? ([
          {
            name: 'vigie_influx_points_written_total',
            help: 'Points written to InfluxDB (samples and late marks)',
            type: 'counter',
            value: influx.pointsWritten,
          },
          {
            name: 'vigie_influx_late_samples_total',
            help: 'Samples older than the continuous queries window when written, folded in by maintenance',
            type: 'counter',
            value: influx.lateSamples,
          },
          {
            name: 'vigie_influx_expired_on_arrival_total',
            help: 'Values older than the raw retention when received, refused by InfluxDB and not stored',
            type: 'counter',
            value: influx.expiredOnArrival,
          },
          {
            name: 'vigie_influx_queries_recreated_total',
            help: 'Continuous queries found missing and created again',
            type: 'counter',
            value: influx.queriesRecreated,
          },
        ] satisfies Gauge[])
      : []),
    ...(tickets
      ? ([
          {
            name: 'vigie_ticket_listener_failures_total',
            help: 'Committed ticket changes the live view or the notifications failed to handle (logged)',
            type: 'counter',
            value: tickets.listenerFailures,
          },
        ] satisfies Gauge[])
      : []),
    ...(bus
      ? ([
          { name: 'vigie_bus_connected', help: '1 while the bus to the other collectors (NATS) is connected', type: 'gauge', value: bus.connected ? 1 : 0 },
          { name: 'vigie_bus_disconnects_total', help: 'Times the NATS connection was lost', type: 'counter', value: bus.disconnects },
          { name: 'vigie_bus_reconnects_total', help: 'Times the NATS connection came back', type: 'counter', value: bus.reconnects },
          {
            name: 'vigie_bus_connect_failures_total',
            help: 'Failed first connections to NATS (the collector retries)',
            type: 'counter',
            value: bus.connectFailures ?? 0,
          },
          { name: 'vigie_bus_messages_received_total', help: 'Messages received from other collectors', type: 'counter', value: bus.received },
          {
            name: 'vigie_bus_messages_dropped_total',
            help: 'Short-lived messages (live events, connections) not sent while NATS was unreachable',
            type: 'counter',
            value: bus.dropped,
          },
          {
            name: 'vigie_bus_durable_pending',
            help: 'Messages that must arrive (commands, policies, revocations) waiting for NATS',
            type: 'gauge',
            value: bus.pendingDurable,
          },
          {
            name: 'vigie_bus_messages_refused_total',
            help: 'Messages received on the bus and refused (unreadable, of an unknown kind, or not matching their schema): never delivered',
            type: 'counter',
            value: bus.refused ?? 0,
          },
          {
            name: 'vigie_bus_publish_errors_total',
            help: 'Publications NATS or JetStream refused (retried), or malformed (not sent, logged)',
            type: 'counter',
            value: bus.publishErrors,
          },
        ] satisfies Gauge[])
      : []),
    ...(relay
      ? ([
          {
            name: 'vigie_relay_messages_refused_total',
            help: 'Messages relayed by the primary process and refused (of an unknown kind or not matching their schema): never delivered',
            type: 'counter',
            value: relay.refused,
          },
          {
            name: 'vigie_relay_publish_errors_total',
            help: 'Messages this worker built malformed: heard here only, not relayed, logged',
            type: 'counter',
            value: relay.publishErrors,
          },
        ] satisfies Gauge[])
      : []),
    ...(lease
      ? ([
          { name: 'vigie_jobs_lease_held', help: '1 while this collector holds the scheduled jobs’ lease', type: 'gauge', value: lease.held ? 1 : 0 },
          { name: 'vigie_jobs_lease_acquisitions_total', help: 'Times this collector took the lease', type: 'counter', value: lease.acquisitions },
          { name: 'vigie_jobs_lease_losses_total', help: 'Times this collector lost the lease', type: 'counter', value: lease.losses },
          { name: 'vigie_jobs_lease_errors_total', help: 'Lease renewals the database refused', type: 'counter', value: lease.errors },
        ] satisfies Gauge[])
      : []),
    ...(jobRuns
      ? ([
          { name: 'vigie_jobs_invoicing_runs_total', help: 'Month-end invoicing passes run here', type: 'counter', value: jobRuns.invoicing },
        ] satisfies Gauge[])
      : []),
    { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes', type: 'gauge', value: mem.rss },
    { name: 'nodejs_heap_used_bytes', help: 'V8 heap used in bytes', type: 'gauge', value: mem.heapUsed },
    { name: 'process_cpu_seconds_total', help: 'User and system CPU time in seconds', type: 'counter', value: (cpu.user + cpu.system) / 1e6 },
  ];
  const label = `{worker="${workerId}"}`;
  return `${rows.map((r) => `# HELP ${r.name} ${r.help}\n# TYPE ${r.name} ${r.type}\n${r.name}${label} ${r.value}`).join('\n')}\n`;
}
