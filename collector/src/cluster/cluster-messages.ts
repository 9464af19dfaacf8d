import { type Static, type TObject, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { LiveEvent } from '../live/live-event.js';
import { BUS_NAME_MAX_LENGTH, BUS_NAME_PATTERN } from './bus-settings.js';

/**
 * What collector processes of one cluster tell each other, defined once: the TypeScript type comes
 * from these schemas and every message arriving from another process (NATS, the worker relay) is
 * checked against them before any handler sees it. Anything that can publish on the bus (a collector
 * of another version, a misconfigured or compromised NATS client) is not trusted with the shape.
 */

const strict = { additionalProperties: false } as const;

/**
 * At most this many ids in one message: publishers send more in parts (`inBusParts`; agents-held
 * numbers its parts). 2,000 agent ids stay well under NATS's 1 MB message limit.
 */
export const IDS_PER_MESSAGE = 2000;

/** A process's name on the bus (`--node-id`, with `-w<n>` under `--workers`). */
const NodeId = Type.String({ pattern: BUS_NAME_PATTERN, maxLength: BUS_NAME_MAX_LENGTH });
/** Agent ids are generated hex (enroll/service.ts); seeded stores use short names such as `agent-12`. */
const AgentId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });
const RowId = Type.Integer({ minimum: 1 });

/**
 * Why sessions ended. `second-factor-reset`: an admin reset the user's TOTP (the sessions are gone:
 * enrolling again takes the password). `second-factor-required`: the user must now enrol TOTP (a
 * technician given the remote permission): its sessions may still enrol, its live sockets close.
 */
export const SessionEndReason = Type.Union([
  Type.Literal('logout'),
  Type.Literal('password-changed'),
  Type.Literal('role-changed'),
  Type.Literal('expired'),
  Type.Literal('second-factor-reset'),
  Type.Literal('second-factor-required'),
]);
export type SessionEndReason = Static<typeof SessionEndReason>;

const kind = <K extends string, P extends Parameters<typeof Type.Object>[0]>(type: K, props: P) => Type.Object({ type: Type.Literal(type), ...props }, strict);

export const ClusterMessageKinds = {
  /** For every process's dashboards: a user may be connected to any of them. */
  live: kind('live', { event: LiveEvent }),
  'agent-connected': kind('agent-connected', { agentId: AgentId, nodeId: NodeId }),
  'agent-disconnected': kind('agent-disconnected', { agentId: AgentId, nodeId: NodeId }),
  /**
   * Every agent a collector process holds, sent now and then: a process that joined late (or was cut
   * off from the bus) learns who is connected where, and a process that died stops counting. In
   * parts of IDS_PER_MESSAGE at most; the `last` part completes the round.
   */
  'agents-held': kind('agents-held', {
    nodeId: NodeId,
    agentIds: Type.Array(AgentId, { maxItems: IDS_PER_MESSAGE }),
    /** Three heartbeats; a day at most (`--heartbeat` has no upper bound). */
    validForMs: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 3600_000 }),
    round: RowId,
    last: Type.Boolean(),
  }),
  'agent-revoked': kind('agent-revoked', { agentId: AgentId }),
  'policy-changed': kind('policy-changed', { deviceIds: Type.Array(RowId, { minItems: 1, maxItems: IDS_PER_MESSAGE }) }),
  'user-disabled': kind('user-disabled', { userId: RowId }),
  /** Sessions closed (one, `idHash`, or all of a user's): their live sockets close on every process. */
  'sessions-ended': kind('sessions-ended', {
    userId: RowId,
    idHash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    reason: SessionEndReason,
  }),
  /** Remote intervention: commands wait for these agents; the signing key changed; grants were re-signed. */
  'commands-queued': kind('commands-queued', { agentIds: Type.Array(AgentId, { minItems: 1, maxItems: IDS_PER_MESSAGE }) }),
  'signing-keys-rotated': kind('signing-keys-rotated', {}),
  'grants-changed': kind('grants-changed', {
    devices: Type.Array(Type.Object({ deviceId: RowId, agentId: AgentId }, strict), { minItems: 1, maxItems: IDS_PER_MESSAGE }),
  }),
} satisfies Record<string, TObject>;

export const ClusterMessage = Type.Union(Object.values(ClusterMessageKinds));
export type ClusterMessage = Static<typeof ClusterMessage>;
export type ClusterMessageType = ClusterMessage['type'];

// Compiled once, at module load; one checker per kind so that a refusal names the faulty field.
const checks = new Map(Object.entries(ClusterMessageKinds).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]));

export type ClusterMessageVerdict = { ok: true; msg: ClusterMessage } | { ok: false; type: string | undefined; why: string };

/** Checks a message received from another process. `why` names a field, never its value (it may hold anything). */
export function checkClusterMessage(msg: unknown): ClusterMessageVerdict {
  const type = typeof msg === 'object' && msg !== null && typeof (msg as { type?: unknown }).type === 'string' ? (msg as { type: string }).type : undefined;
  const check = type !== undefined && Object.hasOwn(ClusterMessageKinds, type) ? checks.get(type) : undefined;
  if (!check) return { ok: false, type: type?.slice(0, 64), why: 'unknown kind (a collector of another version?)' };
  if (check.Check(msg)) return { ok: true, msg: msg as ClusterMessage };
  const err = check.Errors(msg).First();
  return { ok: false, type, why: err ? `${err.path || '/'}: ${err.message}`.slice(0, 200) : 'invalid' };
}

/** Splits ids into parts a message may carry (at least one part, possibly empty). */
export function inBusParts<T>(items: readonly T[]): T[][] {
  const parts: T[][] = [];
  for (let i = 0; i === 0 || i < items.length; i += IDS_PER_MESSAGE) parts.push(items.slice(i, i + IDS_PER_MESSAGE));
  return parts;
}
