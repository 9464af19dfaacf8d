import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { CommandId, KeyId, SignatureB64 } from '../remote/envelope.js';
import { COMMAND_OUTPUT_CHUNK_BYTES, MAX_SCRIPT_BYTES } from '../remote/limits.js';
import { FlowsBody } from './flows.js';
import { InventoryBody } from './inventory.js';
import { MAX_CHECK_RESULTS_PER_FRAME, MAX_METRIC_VALUES_PER_FRAME, MAX_STRING, PROTOCOL_VERSION } from './limits.js';

const strict = { additionalProperties: false } as const;
const Str = Type.String({ maxLength: MAX_STRING });
const ShortStr = Type.String({ minLength: 1, maxLength: 256 });
const Millis = Type.Integer({ minimum: 0 });

/** `{v, type, seq, ts, body}`: every frame on the agent channel, both directions. */
export const Envelope = Type.Object(
  {
    v: Type.Integer(),
    type: Type.String({ maxLength: 64 }),
    /** Per-sender sequence. Agent messages that must be delivered (everything but hello) have seq ≥ 1. */
    seq: Type.Integer({ minimum: 0 }),
    ts: Millis,
    body: Type.Unknown(),
  },
  strict,
);
export type Envelope = Static<typeof Envelope>;

// ---- agent → collector ----

export const HelloBody = Type.Object(
  {
    agentVersion: ShortStr,
    protocol: Type.Literal(PROTOCOL_VERSION),
    hostname: ShortStr,
    platform: ShortStr,
    arch: ShortStr,
    /** Hash of the last inventory the agent sent; lets the collector ask for a full one if it lacks it. */
    inventoryHash: Type.Optional(Type.String({ maxLength: 128 })),
    /** Next seq the agent will assign: lets the collector detect a wiped agent state. */
    nextSeq: Type.Integer({ minimum: 1 }),
    spool: Type.Object(
      { pendingFrames: Type.Integer({ minimum: 0 }), pendingBytes: Type.Integer({ minimum: 0 }), droppedFrames: Type.Integer({ minimum: 0 }) },
      strict,
    ),
  },
  strict,
);

export const MetricSample = Type.Object(
  {
    ts: Millis,
    /** Keys are series keys (SERIES_KEY_PATTERN); the codec checks them with a cache of known keys. */
    values: Type.Record(Type.String(), Type.Number()),
  },
  strict,
);
/**
 * A device without an agent that a site agent watches for the collector (site role), e.g.
 * `snmp:192.168.1.20` or `snmp:[fd00::1]:1161`. Metrics and checks that carry one are that
 * device's, not the sending agent's.
 */
export const DeviceKey = Type.String({ pattern: '^[a-z][a-z0-9]{0,15}:[A-Za-z0-9._:\\[\\]%-]{1,200}$' });

export const MetricsBody = Type.Object(
  {
    device: Type.Optional(DeviceKey),
    samples: Type.Array(MetricSample, { minItems: 1, maxItems: MAX_METRIC_VALUES_PER_FRAME }),
  },
  strict,
);

export const CheckStatus = Type.Union([Type.Literal('ok'), Type.Literal('warning'), Type.Literal('critical'), Type.Literal('unknown')]);
export const CheckResult = Type.Object(
  {
    check: Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' }),
    target: Type.String({ maxLength: 1024 }),
    status: CheckStatus,
    /** Stable machine code of the finding, e.g. `BACKUP_TOO_OLD`. */
    code: Type.String({ pattern: '^[A-Z][A-Z0-9_]{0,63}$' }),
    message: Str,
    values: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.Number(), Type.String({ maxLength: 4096 }), Type.Boolean(), Type.Null()])),
    ),
    observedAt: Millis,
  },
  strict,
);
export const ChecksBody = Type.Object(
  { device: Type.Optional(DeviceKey), results: Type.Array(CheckResult, { minItems: 1, maxItems: MAX_CHECK_RESULTS_PER_FRAME }) },
  strict,
);

/** Site role: the identity of the agentless devices this agent watches (sent when it changes, and hourly). */
export const SiteDevice = Type.Object(
  {
    key: DeviceKey,
    address: Type.String({ minLength: 1, maxLength: 253 }),
    kind: Type.Union([Type.Literal('network'), Type.Literal('printer'), Type.Literal('ups'), Type.Literal('unknown')]),
    /** sysName, or the address when the device gives none. */
    name: Type.String({ minLength: 1, maxLength: 256 }),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    objectId: Type.Optional(Type.String({ maxLength: 256 })),
    uptimeSec: Type.Optional(Type.Number({ minimum: 0 })),
    /** sysLocation and sysContact, when the device's administrator set them. */
    location: Type.Optional(Type.String({ maxLength: 256 })),
    contact: Type.Optional(Type.String({ maxLength: 256 })),
    serials: Type.Array(
      Type.Object(
        {
          serial: Type.String({ minLength: 1, maxLength: 256 }),
          description: Type.Optional(Type.String({ maxLength: 1024 })),
          class: Type.Optional(Type.String({ maxLength: 64 })),
        },
        strict,
      ),
      { maxItems: 64 },
    ),
    reachable: Type.Boolean(),
    observedAt: Millis,
  },
  strict,
);
export const SiteDevicesBody = Type.Object({ devices: Type.Array(SiteDevice, { minItems: 1, maxItems: 512 }) }, strict);

export const EventSeverity = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]);
export const EventBody = Type.Object(
  {
    kind: Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$' }),
    severity: EventSeverity,
    message: Str,
    data: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.Number(), Type.String({ maxLength: 4096 }), Type.Boolean(), Type.Null()])),
    ),
    occurredAt: Millis,
  },
  strict,
);

export const CommandResultBody = Type.Object(
  {
    commandId: ShortStr,
    ok: Type.Boolean(),
    output: Type.Optional(Str),
    error: Type.Optional(Type.Object({ code: ShortStr, message: Str }, strict)),
    // Signed commands: how the run ended (the output itself came in command-output frames).
    exitCode: Type.Optional(Type.Integer()),
    durationMs: Type.Optional(Type.Integer({ minimum: 0 })),
    timedOut: Type.Optional(Type.Boolean()),
    /** Output bytes the command produced, and whether the agent cut what it sent. */
    outputBytes: Type.Optional(Type.Integer({ minimum: 0 })),
    truncated: Type.Optional(Type.Boolean()),
  },
  strict,
);

/**
 * The agent's answer to a signed command before it runs anything: accepted, refused (with the
 * reason's code: bad signature, another device's, expired, replayed, beyond the local ceiling…),
 * or a duplicate of a command it already received (delivered again after a reconnect: not re-run).
 */
export const CommandAckBody = Type.Object(
  {
    commandId: ShortStr,
    state: Type.Union([Type.Literal('accepted'), Type.Literal('refused'), Type.Literal('duplicate')]),
    code: Type.Optional(Type.String({ pattern: '^VIGIE_E_[A-Z0-9_]+$' })),
    message: Type.Optional(Type.String({ maxLength: 2000 })),
    /** The local ceiling the agent applied. */
    ceiling: Type.Optional(Type.Union([Type.Literal('off'), Type.Literal('actions'), Type.Literal('scripts')])),
    at: Millis,
  },
  strict,
);

/** A piece of a running command's output, in order (`index` from 0 per command). */
export const CommandOutputBody = Type.Object(
  {
    commandId: ShortStr,
    stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')]),
    index: Type.Integer({ minimum: 0 }),
    data: Type.String({ maxLength: COMMAND_OUTPUT_CHUNK_BYTES }),
    at: Millis,
  },
  strict,
);

// ---- collector → agent ----

export const AckBody = Type.Object({ seq: Type.Integer({ minimum: 0 }) }, strict);

export const PolicyBody = Type.Object(
  {
    version: Type.Integer({ minimum: 0 }),
    metricsIntervalSec: Type.Integer({ minimum: 1, maximum: 3600 }),
    inventoryIntervalSec: Type.Integer({ minimum: 60, maximum: 7 * 86400 }),
    heartbeatSec: Type.Integer({ minimum: 5, maximum: 600 }),
    /** Probe configurations by probe id; each probe validates its own part. */
    probes: Type.Record(Type.RegExp(/^[a-z][a-z0-9-]{0,63}$/), Type.Unknown(), { additionalProperties: false }),
  },
  strict,
);

export const CommandAction = Type.Union([Type.Literal('refresh-inventory'), Type.Literal('run-probe'), Type.Literal('update')]);
/** Collection requests that make the agent run nothing but its own probes: no signature needed. */
export const CollectionCommandBody = Type.Object(
  { commandId: ShortStr, action: CommandAction, args: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown())) },
  strict,
);
/**
 * Anything that makes the agent act: the envelope's canonical JSON bytes (base64url) exactly as
 * signed, the Ed25519 signature over them, and for a script its text (the envelope holds its SHA-256).
 */
export const SignedCommandBody = Type.Object(
  {
    commandId: CommandId,
    keyId: KeyId,
    envelope: Type.String({ minLength: 4, maxLength: 32 * 1024, pattern: '^[A-Za-z0-9_-]+$' }),
    signature: SignatureB64,
    script: Type.Optional(Type.String({ maxLength: MAX_SCRIPT_BYTES })),
  },
  strict,
);
export const CommandBody = Type.Union([CollectionCommandBody, SignedCommandBody]);

export const ErrorBody = Type.Object(
  {
    code: Type.String({ pattern: '^VIGIE_E_[A-Z0-9_]+$' }),
    message: Str,
    fatal: Type.Boolean(),
    /** The agent seq the error is about, when one frame was refused. */
    refSeq: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  strict,
);

export const AgentMessageBodies = {
  hello: HelloBody,
  inventory: InventoryBody,
  metrics: MetricsBody,
  checks: ChecksBody,
  'site-devices': SiteDevicesBody,
  flows: FlowsBody,
  event: EventBody,
  'command-result': CommandResultBody,
  'command-ack': CommandAckBody,
  'command-output': CommandOutputBody,
} as const satisfies Record<string, TSchema>;

export const CollectorMessageBodies = {
  ack: AckBody,
  policy: PolicyBody,
  command: CommandBody,
  error: ErrorBody,
} as const satisfies Record<string, TSchema>;

export type AgentMessageType = keyof typeof AgentMessageBodies;
export type CollectorMessageType = keyof typeof CollectorMessageBodies;
export type AgentBody<T extends AgentMessageType> = Static<(typeof AgentMessageBodies)[T]>;
export type CollectorBody<T extends CollectorMessageType> = Static<(typeof CollectorMessageBodies)[T]>;

export type AgentMessage = { [T in AgentMessageType]: { v: 1; type: T; seq: number; ts: number; body: AgentBody<T> } }[AgentMessageType];
export type CollectorMessage = { [T in CollectorMessageType]: { v: 1; type: T; seq: number; ts: number; body: CollectorBody<T> } }[CollectorMessageType];

export type HelloBody = Static<typeof HelloBody>;
export type MetricsBody = Static<typeof MetricsBody>;
export type SiteDevice = Static<typeof SiteDevice>;
export type SiteDevicesBody = Static<typeof SiteDevicesBody>;
export type MetricSample = Static<typeof MetricSample>;
export type CheckResult = Static<typeof CheckResult>;
export type ChecksBody = Static<typeof ChecksBody>;
export type EventBody = Static<typeof EventBody>;
export type CommandResultBody = Static<typeof CommandResultBody>;
export type AckBody = Static<typeof AckBody>;
export type PolicyBody = Static<typeof PolicyBody>;
export type CommandBody = Static<typeof CommandBody>;
export type CollectionCommandBody = Static<typeof CollectionCommandBody>;
export type SignedCommandBody = Static<typeof SignedCommandBody>;
export type CommandAckBody = Static<typeof CommandAckBody>;
export type CommandOutputBody = Static<typeof CommandOutputBody>;
export type ErrorBody = Static<typeof ErrorBody>;
