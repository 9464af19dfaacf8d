import { type Static, Type } from '@sinclair/typebox';
import { loose, Ms, Nullable } from './common.js';

export const PolicyScope = Type.Union([Type.Literal('client'), Type.Literal('site'), Type.Literal('device')]);
export type PolicyScope = Static<typeof PolicyScope>;
export const ScopeParams = Type.Object({ scope: PolicyScope, id: Type.Integer({ minimum: 1 }) });

/** What a policy sets at one scope; each probe's settings are checked against that probe's own schema. */
export const PolicyOverrides = Type.Object(
  {
    metricsIntervalSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    inventoryIntervalSec: Type.Optional(Type.Integer({ minimum: 60, maximum: 7 * 86400 })),
    probes: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' }), Type.Object({}, { additionalProperties: true }))),
  },
  { additionalProperties: false },
);
export type PolicyOverrides = Static<typeof PolicyOverrides>;

export const ProbeCatalogue = Type.Object({
  policy: Type.Object({ metricsIntervalSec: Type.Integer(), inventoryIntervalSec: Type.Integer() }),
  probes: Type.Array(
    Type.Object({
      id: Type.String(),
      siteRole: Type.Boolean(),
      defaults: Type.Record(Type.String(), Type.Unknown()),
      /** The probe's settings as JSON Schema (the editor renders a field per property). */
      schema: Type.Unknown(),
    }),
  ),
});
export const PolicyAtScope = Type.Object({
  scope: PolicyScope,
  id: Type.Integer(),
  overrides: loose(PolicyOverrides),
  version: Type.Integer(),
  updatedAt: Nullable(Ms),
  /** What the collector changed in this policy itself (a migration that took targets out), in both languages. */
  notices: Type.Array(Type.Object({ at: Ms, fr: Type.String(), en: Type.String() })),
});
export const PolicySaved = Type.Object({ scope: PolicyScope, id: Type.Integer(), version: Type.Integer(), devices: Type.Integer() });
export const EffectivePolicy = Type.Object({ deviceId: Type.Integer(), policy: Type.Unknown() });

export type ScopeParams = Static<typeof ScopeParams>;
export type ProbeCatalogue = Static<typeof ProbeCatalogue>;
export type PolicyAtScope = Static<typeof PolicyAtScope>;
export type PolicySaved = Static<typeof PolicySaved>;
export type EffectivePolicy = Static<typeof EffectivePolicy>;
