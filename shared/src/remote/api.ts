import { type Static, Type } from '@sinclair/typebox';
import { MAX_SCRIPT_BYTES, MAX_SCRIPT_TIMEOUT_SEC } from './limits.js';
import { ScriptLanguage, ScriptParamDefs, ScriptParamName } from './scripts.js';

/** REST bodies of remote intervention (`/api/v1/commands`, `/scripts`, `/auth/totp`…), shared with the dashboard. */
const strict = { additionalProperties: false } as const;
const Id = Type.Integer({ minimum: 1 });

export const RunTarget = Type.Object(
  { kind: Type.Union([Type.Literal('device'), Type.Literal('site'), Type.Literal('client'), Type.Literal('selection')]), id: Id },
  strict,
);
export const RunAction = Type.Union([
  Type.Literal('script'),
  Type.Literal('reboot'),
  Type.Literal('service-restart'),
  Type.Literal('process-kill'),
  Type.Literal('log-fetch'),
]);
export const CreateRunBody = Type.Object(
  {
    target: RunTarget,
    action: RunAction,
    scriptVersionId: Type.Optional(Id),
    /**
     * Typed values, checked against the script's definitions. Unknown here on purpose: a union of
     * string, integer and boolean would let the HTTP layer's type coercion turn 7 into "7".
     */
    params: Type.Optional(Type.Record(ScriptParamName, Type.Unknown())),
    /** The built-in action's arguments; checked (without coercion) against the envelope's schema for that action. */
    args: Type.Optional(Type.Record(Type.String({ maxLength: 32 }), Type.Unknown())),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    expiresInMin: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 24 * 60 })),
    sessionId: Type.Optional(Id),
  },
  strict,
);
export type CreateRunBody = Static<typeof CreateRunBody>;

const VersionFields = {
  language: ScriptLanguage,
  content: Type.String({ minLength: 1, maxLength: MAX_SCRIPT_BYTES }),
  params: Type.Optional(ScriptParamDefs),
  timeoutSec: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SCRIPT_TIMEOUT_SEC })),
  notes: Type.Optional(Type.String({ maxLength: 2000 })),
};
export const CreateScriptBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), description: Type.Optional(Type.String({ maxLength: 2000 })), ...VersionFields },
  strict,
);
export type CreateScriptBody = Static<typeof CreateScriptBody>;
export const NewScriptVersionBody = Type.Object(VersionFields, strict);
export type NewScriptVersionBody = Static<typeof NewScriptVersionBody>;

export const DeviceSelectionBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), deviceIds: Type.Array(Id, { minItems: 1, maxItems: 10_000 }) },
  strict,
);
export const StartRemoteSessionBody = Type.Object({ deviceId: Id }, strict);
export const ConfirmRemoteSessionBody = Type.Object({ notes: Type.Optional(Type.String({ maxLength: 2000 })) }, strict);

/** A 6-digit code from the authenticator app. */
export const TotpCodeBody = Type.Object({ code: Type.String({ pattern: '^\\s*\\d{6}\\s*$' }) }, strict);
export const RemotePermissionsBody = Type.Object({ clientIds: Type.Array(Id, { maxItems: 10_000 }) }, strict);
