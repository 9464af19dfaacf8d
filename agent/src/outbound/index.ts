// The outbound guard: every probe that connects somewhere (network checks, SNMP, the flow
// receiver's exporters) goes through it. See README.md for what is refused and why.
export { type BlockedReason, blockedReason, canonicalIp, OPT_IN_REASONS } from './blocked-addresses.js';
export { type OutboundAddress, type OutboundOptions, OutboundRefusedError, resolveOutbound } from './resolve-outbound.js';
export { type PingOptions, type PingResponse, systemPing } from './system-ping.js';
