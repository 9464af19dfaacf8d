import { type Static, Type } from '@sinclair/typebox';
import { Id, Ms, Nullable, Severity, strict } from './common.js';

export const IncidentStatus = Type.Union([Type.Literal('open'), Type.Literal('recovering'), Type.Literal('resolved')]);
export const IncidentQuery = Type.Object({
  status: Type.Optional(IncidentStatus),
  deviceId: Type.Optional(Id),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
});

export const Incident = Type.Object({
  id: Type.Integer(),
  fingerprint: Type.String(),
  client_id: Type.Integer(),
  client_name: Type.String(),
  site_id: Type.Integer(),
  device_id: Nullable(Type.Integer()),
  device_name: Nullable(Type.String()),
  rule_id: Type.Integer(),
  target: Type.String(),
  severity: Severity,
  status: IncidentStatus,
  flapping: Type.Integer(),
  suppressed: Nullable(Type.String()),
  message: Type.String(),
  opened_at: Ms,
  recovered_at: Nullable(Ms),
  resolved_at: Nullable(Ms),
  ticket_id: Nullable(Type.Integer()),
  /** A technician saw it and took it in hand. */
  acknowledged_at: Nullable(Ms),
  acknowledged_by_name: Nullable(Type.String()),
});
export type Incident = Static<typeof Incident>;
export const IncidentList = Type.Object({ incidents: Type.Array(Incident) });

export const RuleType = Type.Union([Type.Literal('threshold'), Type.Literal('absence'), Type.Literal('check'), Type.Literal('warranty')]);
export type RuleType = Static<typeof RuleType>;
export const ThresholdParams = Type.Object(
  {
    metric: Type.String({ pattern: '^[a-z][a-z0-9_.]{0,63}$' }),
    op: Type.Union([Type.Literal('>'), Type.Literal('<')]),
    value: Type.Number(),
    forSec: Type.Integer({ minimum: 0, maximum: 86400 }),
    recoverValue: Type.Optional(Type.Number()),
  },
  strict,
);
export const AbsenceParams = Type.Object({ minutes: Type.Integer({ minimum: 1, maximum: 10080 }) }, strict);
export const CheckRuleParams = Type.Object(
  {
    check: Type.Optional(Type.String({ maxLength: 64 })),
    codes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
    minStatus: Type.Union([Type.Literal('unknown'), Type.Literal('warning'), Type.Literal('critical')]),
  },
  strict,
);
/** Warranty: supplied items whose warranty ends within this many days. */
export const WarrantyParams = Type.Object({ days: Type.Integer({ minimum: 1, maximum: 3650 }) }, strict);
export const RuleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    type: RuleType,
    severity: Severity,
    enabled: Type.Optional(Type.Boolean()),
    params: Type.Union([ThresholdParams, AbsenceParams, CheckRuleParams, WarrantyParams]),
  },
  strict,
);
export type RuleBody = Static<typeof RuleBody>;
export const Rule = Type.Object({
  id: Type.Integer(),
  key: Nullable(Type.String()),
  name: Type.String(),
  type: RuleType,
  severity: Severity,
  enabled: Type.Integer(),
  params: Type.Record(Type.String(), Type.Unknown()),
  updated_at: Ms,
});
export type Rule = Static<typeof Rule>;
export const RuleList = Type.Object({ rules: Type.Array(Rule) });

export const WindowBody = Type.Object(
  {
    scope: Type.Union([Type.Literal('client'), Type.Literal('site'), Type.Literal('device')]),
    scopeId: Id,
    startsAt: Type.Integer({ minimum: 0 }),
    endsAt: Type.Integer({ minimum: 0 }),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
  },
  strict,
);
export type WindowBody = Static<typeof WindowBody>;
export const MaintenanceWindow = Type.Object({
  id: Type.Integer(),
  scope: Type.Union([Type.Literal('client'), Type.Literal('site'), Type.Literal('device')]),
  scope_id: Type.Integer(),
  starts_at: Ms,
  ends_at: Ms,
  reason: Type.String(),
  created_by: Nullable(Type.Integer()),
  created_at: Ms,
});
export type MaintenanceWindow = Static<typeof MaintenanceWindow>;
export const WindowList = Type.Object({ windows: Type.Array(MaintenanceWindow) });
export const Created = Type.Object({ id: Type.Integer() });

export type IncidentStatus = Static<typeof IncidentStatus>;
export type IncidentQuery = Static<typeof IncidentQuery>;
export type IncidentList = Static<typeof IncidentList>;
export type ThresholdParams = Static<typeof ThresholdParams>;
export type AbsenceParams = Static<typeof AbsenceParams>;
export type CheckRuleParams = Static<typeof CheckRuleParams>;
export type WarrantyParams = Static<typeof WarrantyParams>;
export type RuleList = Static<typeof RuleList>;
export type WindowList = Static<typeof WindowList>;
export type Created = Static<typeof Created>;
