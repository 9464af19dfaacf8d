import { type Static, Type } from '@sinclair/typebox';

// Site role: what an agent sends of the network flows its site's router exports — per-period
// aggregates, never the flows themselves. The monthly flow report merges them.

const strict = { additionalProperties: false } as const;
const Count = Type.Integer({ minimum: 0 });
const Host = Type.String({ minLength: 1, maxLength: 64 });
const totalsFields = { bytes: Count, packets: Count, flows: Count };
const LIST = 2000;

export const FlowTotals = Type.Object(totalsFields, strict);
export const HostTotals = Type.Object({ host: Host, ...totalsFields }, strict);
/** Traffic between two hosts in both directions; `a` sorts before `b`. */
export const ConversationTotals = Type.Object({ a: Host, b: Host, ...totalsFields }, strict);
export const ProtocolTotals = Type.Object(
  { protocol: Type.Integer({ minimum: 0, maximum: 255 }), name: Type.String({ maxLength: 32 }), ...totalsFields },
  strict,
);
export const ServiceTotals = Type.Object({ service: Type.String({ minLength: 1, maxLength: 64 }), ...totalsFields }, strict);

export const FlowSummary = Type.Object(
  {
    /** Interval covered, ms UTC, end exclusive. Two summaries may share an interval (flows exported late): they add up. */
    start: Type.Integer({ minimum: 0 }),
    end: Type.Integer({ minimum: 0 }),
    total: FlowTotals,
    /** Relative to the site subnets: inbound (outside → site), outbound, internal (site ↔ site), transit (neither). */
    direction: Type.Object({ inbound: FlowTotals, outbound: FlowTotals, internal: FlowTotals, transit: FlowTotals }, strict),
    /** Heaviest sources and destinations by bytes; `other…` holds the rest so that top + other = total. */
    topSources: Type.Array(HostTotals, { maxItems: LIST }),
    otherSources: FlowTotals,
    topDestinations: Type.Array(HostTotals, { maxItems: LIST }),
    otherDestinations: FlowTotals,
    topConversations: Type.Array(ConversationTotals, { maxItems: LIST }),
    otherConversations: FlowTotals,
    /** Every protocol and service seen (bounded lists), heaviest first; each sums to `total`. */
    protocols: Type.Array(ProtocolTotals, { maxItems: 256 }),
    services: Type.Array(ServiceTotals, { maxItems: LIST }),
    /** Flows whose exporter clock was too far off: counted at the time they were received. */
    clockAdjustedFlows: Count,
  },
  strict,
);
export type FlowSummary = Static<typeof FlowSummary>;
export type HostTotals = Static<typeof HostTotals>;
export type ConversationTotals = Static<typeof ConversationTotals>;

/** Bytes and packets through one interface of the exporter (its SNMP ifIndex) in the period. */
export const InterfaceTotals = Type.Object(
  { index: Type.Integer({ minimum: 0, maximum: 4_294_967_295 }), inBytes: Count, inPackets: Count, outBytes: Count, outPackets: Count },
  strict,
);
export type InterfaceTotals = Static<typeof InterfaceTotals>;

export const FlowBucket = Type.Object(
  {
    /** The exporter's address (the router or firewall). */
    exporter: Type.String({ minLength: 2, maxLength: 45, pattern: '^[0-9A-Fa-f:.]+$' }),
    summary: FlowSummary,
    interfaces: Type.Array(InterfaceTotals, { maxItems: 1024 }),
  },
  strict,
);
export type FlowBucket = Static<typeof FlowBucket>;

export const FlowsBody = Type.Object({ buckets: Type.Array(FlowBucket, { minItems: 1, maxItems: 120 }) }, strict);
export type FlowsBody = Static<typeof FlowsBody>;
