import { type Static, Type } from '@sinclair/typebox';
import { AllowLinkLocal, type ProbeConfigSpec } from './common.js';

const strict = { additionalProperties: false } as const;
const Ip = Type.String({ minLength: 2, maxLength: 45, pattern: '^[0-9A-Fa-f:.]+$' });
const Cidr = Type.String({ minLength: 4, maxLength: 49, pattern: '^[0-9A-Fa-f:.]+/\\d{1,3}$' });

/**
 * The flow part of the agent's site role: a NetFlow v5/v9 and IPFIX receiver for the site's
 * router or firewall, whose flows the agent folds into per-minute aggregates for the collector.
 */
export const FlowsProbeConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    /** UDP port the exporter sends to. */
    port: Type.Integer({ minimum: 1, maximum: 65_535, default: 2055 }),
    /** Address to listen on ('0.0.0.0', '::', or one of the agent's addresses). */
    bind: Ip,
    /** Only these exporters are accepted; datagrams from anyone else are counted and dropped. */
    exporters: Type.Array(Ip, { minItems: 1, maxItems: 64 }),
    /** The site's own networks: traffic is inbound or outbound relative to them. */
    siteSubnets: Type.Array(Cidr, { maxItems: 64, default: [] }),
    /** Aggregation period of what is sent to the collector. */
    bucketSec: Type.Integer({ minimum: 60, maximum: 3600, default: 60 }),
    /** Talkers, conversations and applications kept per period (the rest is summed as "other"). */
    topN: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    /** Accept exporters on link-local or cloud-metadata addresses (refused otherwise). */
    allowLinkLocal: Type.Optional(AllowLinkLocal),
  },
  strict,
);
export type FlowsProbeConfig = Static<typeof FlowsProbeConfig>;

export const flowsProbeSpec: ProbeConfigSpec<typeof FlowsProbeConfig> = {
  id: 'flows',
  schema: FlowsProbeConfig,
  defaults: { enabled: false, port: 2055, bind: '0.0.0.0', exporters: ['127.0.0.1'], siteSubnets: [], bucketSec: 60, topN: 20 },
};
