// The summary an agent sends for each closed bucket, and what the monthly report merges: protocol
// v1 (`flows` message) defines it in @vigie/shared, with the merge the collector uses too.
export {
  ConversationTotals,
  DEFAULT_FLOW_TOP_N as DEFAULT_TOP_N,
  FlowSummary,
  FlowTotals,
  HostTotals,
  mergeSummaries,
  ProtocolTotals,
  ServiceTotals,
} from '@vigie/shared';
