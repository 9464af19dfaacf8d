import { type Static, Type } from '@sinclair/typebox';
import { AgentVersion } from './envelope.js';

/** REST shapes of the agent self-update (`/api/v1/agent-rollout`, `/api/v1/agent-versions`…), shared with the dashboard. */
const strict = { additionalProperties: false } as const;

export const ROLLOUT_STAGES = ['canary', 'percent', 'all'] as const;
export type RolloutStage = (typeof ROLLOUT_STAGES)[number];

/** A new version has this long to reconnect and report healthy before it is rolled back. */
export const DEFAULT_UPDATE_GRACE_SEC = 300;
/** How long a signed update manifest is valid (its envelope's expiry). */
export const DEFAULT_MANIFEST_TTL_SEC = 3600;

export const RolloutBody = Type.Object(
  {
    /** null: no rollout (agents keep their version). */
    targetVersion: Type.Union([AgentVersion, Type.Null()]),
    /** canary: the named devices only; percent: those and a stable share of the others; all: everyone. */
    stage: Type.Union(ROLLOUT_STAGES.map((s) => Type.Literal(s))),
    percent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    paused: Type.Optional(Type.Boolean()),
    canary: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 1000 })),
    graceSec: Type.Optional(Type.Integer({ minimum: 10, maximum: 3600 })),
    manifestTtlSec: Type.Optional(Type.Integer({ minimum: 60, maximum: 7 * 86_400 })),
  },
  strict,
);
export type RolloutBody = Static<typeof RolloutBody>;

export const PinBody = Type.Object({ version: Type.Union([AgentVersion, Type.Null()]) }, strict);
