import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { ErrorCodes, type ErrorKey } from '../errors.js';
import { MAX_FRAME_BYTES, MAX_METRIC_VALUES_PER_FRAME, PROTOCOL_VERSION } from './limits.js';
import {
  type AgentMessage,
  AgentMessageBodies,
  type AgentMessageType,
  type CollectorMessage,
  CollectorMessageBodies,
  type CollectorMessageType,
  Envelope,
  type MetricsBody,
  UNSEQUENCED_AGENT_TYPES,
} from './messages.js';
import { isSeriesKey } from './series-key.js';

// Validators are compiled once, at module load.
const envelopeCheck = TypeCompiler.Compile(Envelope);
function compileAll<M extends Record<string, TSchema>>(bodies: M): Map<string, TypeCheck<TSchema>> {
  return new Map(Object.entries(bodies).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]));
}
const agentChecks = compileAll(AgentMessageBodies);
const collectorChecks = compileAll(CollectorMessageBodies);

export type DecodeFailure = { ok: false; code: string; message: string; seq?: number; fatal: boolean };
/** `values`: the number of metric values of a metrics frame (0 for other types). */
export type Decoded<M> = { ok: true; msg: M; values: number } | DecodeFailure;

function fail(key: ErrorKey, detail?: string, seq?: number): DecodeFailure {
  const e = ErrorCodes[key];
  const out: DecodeFailure = { ok: false, code: e.code, message: detail ? `${e.message}: ${detail}` : e.message, fatal: true };
  if (seq !== undefined) out.seq = seq;
  return out;
}

function firstError(check: TypeCheck<TSchema>, value: unknown): string {
  const err = check.Errors(value).First();
  if (!err) return 'invalid';
  return `${err.path || '/'} ${err.message}`.slice(0, 300);
}

/**
 * Series keys already seen valid. Agents send the same few dozen keys in every frame, so the
 * pattern is tested once per key rather than once per value (bounded, cleared when full).
 */
const knownKeys = new Set<string>();
const KNOWN_KEYS_MAX = 200_000;

/** Counts the values of a metrics body, or returns the first invalid series key. */
function checkMetricKeys(body: MetricsBody): { count: number } | { badKey: string } {
  let count = 0;
  for (const s of body.samples) {
    for (const key in s.values) {
      count++;
      if (knownKeys.has(key)) continue;
      if (!isSeriesKey(key)) return { badKey: key };
      if (knownKeys.size >= KNOWN_KEYS_MAX) knownKeys.clear();
      knownKeys.add(key);
    }
  }
  return { count };
}

function decode<M>(raw: string | Buffer, own: Map<string, TypeCheck<TSchema>>, other: Map<string, TypeCheck<TSchema>>): Decoded<M> {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size > MAX_FRAME_BYTES) return fail('FRAME_TOO_LARGE', `${size} bytes > ${MAX_FRAME_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return fail('MALFORMED_FRAME');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('INVALID_ENVELOPE', 'not an object');
  const v = (value as { v?: unknown }).v;
  if (v !== PROTOCOL_VERSION) return fail('UNSUPPORTED_VERSION', `v=${JSON.stringify(v)?.slice(0, 20)}, this side speaks v${PROTOCOL_VERSION}`);
  if (!envelopeCheck.Check(value)) return fail('INVALID_ENVELOPE', firstError(envelopeCheck, value));
  const env = value as Envelope;
  const check = own.get(env.type);
  if (!check) {
    if (other.has(env.type)) return fail('WRONG_DIRECTION', env.type, env.seq);
    return fail('UNKNOWN_TYPE', JSON.stringify(env.type).slice(0, 70), env.seq);
  }
  if (!check.Check(env.body)) return fail('INVALID_BODY', `${env.type} ${firstError(check, env.body)}`, env.seq);
  let values = 0;
  if (env.type === 'metrics' && own === agentChecks) {
    const keys = checkMetricKeys(env.body as MetricsBody);
    if ('badKey' in keys) return fail('INVALID_BODY', `metrics: ${JSON.stringify(keys.badKey.slice(0, 80))} is not a series key`, env.seq);
    if (keys.count > MAX_METRIC_VALUES_PER_FRAME) return fail('INVALID_BODY', `metrics holds more than ${MAX_METRIC_VALUES_PER_FRAME} values`, env.seq);
    values = keys.count;
  }
  if (own === agentChecks && env.seq < 1 && !UNSEQUENCED_AGENT_TYPES.has(env.type as AgentMessageType))
    return fail('SEQ_INVALID', `${env.type} needs seq >= 1`, env.seq);
  return { ok: true, msg: env as M, values };
}

/** Collector side: decode and validate a frame sent by an agent. Never throws. */
export function decodeAgentFrame(raw: string | Buffer): Decoded<AgentMessage> {
  return decode<AgentMessage>(raw, agentChecks, collectorChecks);
}

/** Agent side: decode and validate a frame sent by the collector. Never throws. */
export function decodeCollectorFrame(raw: string | Buffer): Decoded<CollectorMessage> {
  return decode<CollectorMessage>(raw, collectorChecks, agentChecks);
}

export function isValidAgentBody(type: AgentMessageType, body: unknown): boolean {
  return agentChecks.get(type)?.Check(body) ?? false;
}

export function agentBodyError(type: AgentMessageType, body: unknown): string | undefined {
  const check = agentChecks.get(type);
  if (!check) return 'unknown type';
  return check.Check(body) ? undefined : firstError(check, body);
}

export function isValidCollectorBody(type: CollectorMessageType, body: unknown): boolean {
  return collectorChecks.get(type)?.Check(body) ?? false;
}

export function encodeMessage<T extends { type: string; seq: number; ts?: number; body: unknown }>(m: T): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, type: m.type, seq: m.seq, ts: m.ts ?? Date.now(), body: m.body });
}
