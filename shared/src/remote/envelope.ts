import { type Static, Type } from '@sinclair/typebox';
import type { CeilingNeed } from './ceiling.js';
import { MAX_LOG_FETCH_BYTES, MAX_REBOOT_DELAY_MIN, MAX_SCRIPT_TIMEOUT_SEC } from './limits.js';
import { ScriptLanguage, ScriptParamValues } from './scripts.js';

const strict = { additionalProperties: false } as const;
const Millis = Type.Integer({ minimum: 0 });
export const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });
/** First 16 hex digits of the SHA-256 of the raw 32-byte Ed25519 public key. */
export const KeyId = Type.String({ pattern: '^[0-9a-f]{16}$' });
export const CommandId = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' });
/** A raw Ed25519 public key (32 bytes), base64url. */
export const PublicKeyB64 = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });
export const SignatureB64 = Type.String({ pattern: '^[A-Za-z0-9_-]{86}$' });

const ScriptArgs = Type.Object(
  {
    language: ScriptLanguage,
    scriptName: Type.String({ minLength: 1, maxLength: 200 }),
    scriptVersion: Type.Integer({ minimum: 1 }),
    params: ScriptParamValues,
    timeoutSec: Type.Integer({ minimum: 1, maximum: MAX_SCRIPT_TIMEOUT_SEC }),
  },
  strict,
);

/** Common to every envelope: who signed it for whom, when it is valid, and its one-time nonce. */
const common = {
  v: Type.Literal(1),
  keyId: KeyId,
  commandId: CommandId,
  clientId: Type.Integer({ minimum: 1 }),
  deviceId: Type.Integer({ minimum: 1 }),
  agentId: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }),
  /** The account the agent runs it as: its own service account (LocalSystem, root, or `vigie-agent` on Linux). */
  runAs: Type.Literal('agent'),
  notBefore: Millis,
  expiresAt: Millis,
  issuedAt: Millis,
  /** 128 random bits, hex: the agent runs an envelope with a given nonce at most once. */
  nonce: Type.String({ pattern: '^[0-9a-f]{32}$' }),
  issuedBy: Type.Object({ userId: Type.Integer({ minimum: 0 }), name: Type.String({ maxLength: 200 }) }, strict),
};

export const ScriptEnvelope = Type.Object({ ...common, action: Type.Literal('script'), scriptSha256: Sha256Hex, args: ScriptArgs }, strict);
/**
 * A standing grant: the script a policy names (e.g. a backup status check), which the agent's probe
 * may run on its schedule while the grant is valid. Re-signed at every policy push.
 */
export const PolicyScriptEnvelope = Type.Object({ ...common, action: Type.Literal('policy-script'), scriptSha256: Sha256Hex, args: ScriptArgs }, strict);
export const RebootEnvelope = Type.Object(
  {
    ...common,
    action: Type.Literal('reboot'),
    args: Type.Object(
      { delayMin: Type.Integer({ minimum: 0, maximum: MAX_REBOOT_DELAY_MIN }), message: Type.String({ maxLength: 200, pattern: '^[^\\x00-\\x1f]*$' }) },
      strict,
    ),
  },
  strict,
);
/** A service name as systemd, launchd and the Windows service manager spell them; never an option. */
export const ServiceName = Type.String({ pattern: '^[A-Za-z0-9_][A-Za-z0-9_.@:-]{0,127}$' });
export const ServiceRestartEnvelope = Type.Object(
  { ...common, action: Type.Literal('service-restart'), args: Type.Object({ service: ServiceName }, strict) },
  strict,
);
export const ProcessKillEnvelope = Type.Object(
  {
    ...common,
    action: Type.Literal('process-kill'),
    args: Type.Object(
      {
        pid: Type.Integer({ minimum: 2, maximum: 2 ** 31 - 1 }),
        /** The process's name as the technician saw it: refused if the pid now names another program. */
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
        force: Type.Boolean(),
      },
      strict,
    ),
  },
  strict,
);
export const LogFetchEnvelope = Type.Object(
  {
    ...common,
    action: Type.Literal('log-fetch'),
    args: Type.Object(
      {
        /** Absolute, normalised, inside the platform's log folders; no symbolic link anywhere on the way. */
        path: Type.String({ minLength: 2, maxLength: 1024 }),
        maxBytes: Type.Integer({ minimum: 1, maximum: MAX_LOG_FETCH_BYTES }),
      },
      strict,
    ),
  },
  strict,
);
/** A new provider key, signed by the one the agent trusts now. */
export const KeyRotateEnvelope = Type.Object(
  { ...common, action: Type.Literal('key-rotate'), args: Type.Object({ newKeyId: KeyId, newPublicKey: PublicKeyB64 }, strict) },
  strict,
);

export const CommandEnvelope = Type.Union([
  ScriptEnvelope,
  PolicyScriptEnvelope,
  RebootEnvelope,
  ServiceRestartEnvelope,
  ProcessKillEnvelope,
  LogFetchEnvelope,
  KeyRotateEnvelope,
]);
export type CommandEnvelope = Static<typeof CommandEnvelope>;
export type RemoteAction = CommandEnvelope['action'];
export type EnvelopeOf<A extends RemoteAction> = Extract<CommandEnvelope, { action: A }>;

export const REMOTE_ACTIONS: readonly RemoteAction[] = ['script', 'policy-script', 'reboot', 'service-restart', 'process-kill', 'log-fetch', 'key-rotate'];

/** The ceiling level each action needs. */
export const ACTION_NEEDS: Record<RemoteAction, CeilingNeed> = {
  script: 'scripts',
  'policy-script': 'scripts',
  reboot: 'actions',
  'service-restart': 'actions',
  'process-kill': 'actions',
  'log-fetch': 'actions',
  'key-rotate': 'trust',
};
