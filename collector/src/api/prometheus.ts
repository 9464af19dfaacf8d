import type { ChannelStats } from '../ingest/agent-channel.js';
import type { PipelineStats } from '../ingest/pipeline.js';
import type { RuleEngineStats } from '../rules/engine.js';

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
export function prometheusText(channel: ChannelStats, pipeline: PipelineStats, workerId = 1, rules?: RuleEngineStats): string {
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
    { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes', type: 'gauge', value: mem.rss },
    { name: 'nodejs_heap_used_bytes', help: 'V8 heap used in bytes', type: 'gauge', value: mem.heapUsed },
    { name: 'process_cpu_seconds_total', help: 'User and system CPU time in seconds', type: 'counter', value: (cpu.user + cpu.system) / 1e6 },
  ];
  const label = `{worker="${workerId}"}`;
  return `${rows.map((r) => `# HELP ${r.name} ${r.help}\n# TYPE ${r.name} ${r.type}\n${r.name}${label} ${r.value}`).join('\n')}\n`;
}
