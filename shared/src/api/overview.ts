import { type Static, Type } from '@sinclair/typebox';
import { Ms, Nullable } from './common.js';
import { CheckText } from './devices.js';

const Counts = Type.Object({
  total: Type.Integer(),
  ok: Type.Integer(),
  warning: Type.Integer(),
  critical: Type.Integer(),
  offline: Type.Integer(),
});

/**
 * One thing that needs someone: an open incident, or a failing check no incident covers yet. Sorted
 * by severity, then age (oldest first).
 */
export const AttentionItem = Type.Object({
  kind: Type.Union([Type.Literal('incident'), Type.Literal('check')]),
  severity: Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('unknown')]),
  since: Ms,
  clientId: Type.Integer(),
  clientName: Type.String(),
  deviceId: Nullable(Type.Integer()),
  deviceName: Nullable(Type.String()),
  check: Nullable(Type.String()),
  target: Nullable(Type.String()),
  /** What is wrong, in each language. */
  text: CheckText,
  incidentId: Nullable(Type.Integer()),
  ticketId: Nullable(Type.Integer()),
  acknowledged: Type.Boolean(),
});
export type AttentionItem = Static<typeof AttentionItem>;

export const ClientOverview = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  devices: Counts,
  openIncidents: Type.Integer(),
  criticalIncidents: Type.Integer(),
  openTickets: Type.Integer(),
});

export const SlaAtRisk = Type.Object({
  ticketId: Type.Integer(),
  clientId: Type.Integer(),
  clientName: Type.String(),
  title: Type.String(),
  deadlineAt: Ms,
  status: Type.String(),
  priority: Type.String(),
});

export const Overview = Type.Object({
  generatedAt: Ms,
  clients: Type.Array(ClientOverview),
  attention: Type.Array(AttentionItem),
  slaAtRisk: Type.Array(SlaAtRisk),
});
export type Overview = Static<typeof Overview>;

export type ClientOverview = Static<typeof ClientOverview>;
export type SlaAtRisk = Static<typeof SlaAtRisk>;
