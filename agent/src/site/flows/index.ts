// Network-flow receiver of the agent's site role: NetFlow v5/v9 and IPFIX in, bucket summaries out.
export { DEFAULT_BUCKET_MS, DEFAULT_SITE_SUBNETS, FlowAggregator, type FlowAggregatorOptions } from './aggregator.js';
export { FlowDecoder, type FlowDecoderStats } from './flow-decoder.js';
export { decodeIpfix } from './ipfix.js';
export { type DecodeOutcome, type ExportVersion, type FlowRecord, REJECT_REASONS, type RejectReason } from './model.js';
export { decodeNetflowV5 } from './netflow-v5.js';
export { decodeNetflowV9 } from './netflow-v9.js';
export { DEFAULT_FLOW_PORT, type ExporterStats, FlowReceiver, type FlowReceiverOptions, type FlowReceiverStats, type FlowSink } from './receiver.js';
export { protocolName, serviceOf } from './services.js';
export { SubnetSet } from './subnets.js';
export { DEFAULT_TOP_N, FlowSummary, mergeSummaries } from './summary.js';
export { DEFAULT_TEMPLATE_LIMITS, TemplateStore, type TemplateStoreLimits } from './template-store.js';
export { type DecodeCounters, emptyCounters } from './templated-message.js';
