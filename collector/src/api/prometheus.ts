import type { ChannelStats } from '../ingest/agent-channel.js';
import type { PipelineStats } from '../ingest/pipeline.js';
import type { RuleEngineStats } from '../rules/engine.js';
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
  rules?: RuleEngineStats;
  influx?: InfluxStoreStats;
  tickets?: TicketStats;
}

export function prometheusText(channel: ChannelStats, pipeline: PipelineStats, workerId = 1, optional: OptionalStats = {}): string {
  const { rules, influx, tickets } = optional;
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
    { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes', type: 'gauge', value: mem.rss },
    { name: 'nodejs_heap_used_bytes', help: 'V8 heap used in bytes', type: 'gauge', value: mem.heapUsed },
    { name: 'process_cpu_seconds_total', help: 'User and system CPU time in seconds', type: 'counter', value: (cpu.user + cpu.system) / 1e6 },
  ];
  const label = `{worker="${workerId}"}`;
  return `${rows.map((r) => `# HELP ${r.name} ${r.help}\n# TYPE ${r.name} ${r.type}\n${r.name}${label} ${r.value}`).join('\n')}\n`;
}
