import { type Static, Type } from '@sinclair/typebox';
import { Id, MonthText, Ms, Nullable } from './common.js';

const Totals = { bytes: Type.Integer(), packets: Type.Integer(), flows: Type.Integer() };
const FlowTotals = Type.Object(Totals);
/** A host, with its name when a device's inventory (or a watched device) holds that address. */
const NamedHost = Type.Object({ host: Type.String(), name: Type.Optional(Type.String()), ...Totals });
const NamedConversation = Type.Object({
  a: Type.String(),
  b: Type.String(),
  aName: Type.Optional(Type.String()),
  bName: Type.Optional(Type.String()),
  ...Totals,
});

export const FlowViewSummary = Type.Object({
  start: Ms,
  end: Ms,
  total: FlowTotals,
  direction: Type.Object({ inbound: FlowTotals, outbound: FlowTotals, internal: FlowTotals, transit: FlowTotals }),
  topSources: Type.Array(NamedHost),
  otherSources: FlowTotals,
  topDestinations: Type.Array(NamedHost),
  otherDestinations: FlowTotals,
  topConversations: Type.Array(NamedConversation),
  otherConversations: FlowTotals,
  protocols: Type.Array(Type.Object({ protocol: Type.Integer(), name: Type.String(), ...Totals })),
  services: Type.Array(Type.Object({ service: Type.String(), ...Totals })),
  clockAdjustedFlows: Type.Integer(),
});
export type FlowViewSummary = Static<typeof FlowViewSummary>;

export const FlowInterface = Type.Object({
  exporter: Type.String(),
  index: Type.Integer(),
  /** The interface's name on the exporter when a site agent also polls it over SNMP. */
  name: Nullable(Type.String()),
  speedBps: Nullable(Type.Number()),
  inBytes: Type.Integer(),
  outBytes: Type.Integer(),
  inPackets: Type.Integer(),
  outPackets: Type.Integer(),
  /** Highest rate over one minute (bit/s), each way, and its share of the link speed. */
  peakInBps: Type.Integer(),
  peakOutBps: Type.Integer(),
  peakAt: Nullable(Ms),
  saturationPct: Nullable(Type.Number()),
});
export type FlowInterface = Static<typeof FlowInterface>;

export const FlowView = Type.Object({
  siteId: Type.Integer(),
  from: Ms,
  to: Ms,
  resolution: Type.Union([Type.Literal('detail'), Type.Literal('hour')]),
  summary: Nullable(FlowViewSummary),
  series: Type.Array(Type.Object({ t: Ms, bytes: Type.Integer(), packets: Type.Integer(), flows: Type.Integer() })),
  interfaces: Type.Array(FlowInterface),
  /** The busiest minute of the period (from the per-minute detail, kept with each hour once rolled up). */
  peak: Nullable(Type.Object({ t: Ms, bytes: Type.Integer(), bps: Type.Integer(), packets: Type.Integer(), pps: Type.Number() })),
});
export type FlowView = Static<typeof FlowView>;
export const FlowQuery = Type.Object({ from: Type.String({ maxLength: 40 }), to: Type.Optional(Type.String({ maxLength: 40 })) });
export const FlowReportQuery = Type.Object({ month: MonthText, lang: Type.Optional(Type.Union([Type.Literal('fr'), Type.Literal('en')])) });
export const SiteParams = Type.Object({ id: Id });

export type FlowQuery = Static<typeof FlowQuery>;
export type FlowReportQuery = Static<typeof FlowReportQuery>;
export type SiteParams = Static<typeof SiteParams>;
