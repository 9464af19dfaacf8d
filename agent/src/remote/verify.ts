import { createHash, verify as verifySignature } from 'node:crypto';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import {
  ACTION_NEEDS,
  CommandEnvelope,
  ceilingAllows,
  type ErrorKey,
  MAX_CLOCK_SKEW_MS,
  MAX_COMMAND_LIFETIME_MS,
  MAX_GRANT_LIFETIME_MS,
  type RemoteAction,
  type RemoteCeiling,
  type SignedCommandBody,
} from '@vigie/shared';
import type { CeilingReading } from './ceiling.js';
import type { NonceStore } from './nonce-store.js';
import { publicKeyFromRaw, type TrustFile } from './trust-store.js';

const envelopeCheck = TypeCompiler.Compile(CommandEnvelope);
/** Per action, for a readable reason (a union's own error only says "expected union value"). */
const actionChecks = new Map(CommandEnvelope.anyOf.map((s) => [s.properties.action.const as string, TypeCompiler.Compile(s)]));

function envelopeError(value: unknown): string {
  const action = (value as { action?: unknown } | null)?.action;
  const check = typeof action === 'string' ? actionChecks.get(action) : undefined;
  if (!check) return `unknown action ${JSON.stringify(action)?.slice(0, 40)}`;
  const e = check.Errors(value).First();
  return `${e?.path ?? ''} ${e?.message ?? ''}`.trim();
}

export interface Identity {
  agentId: string;
  deviceId: number;
}

export type Verdict =
  | { ok: true; envelope: CommandEnvelope; ceiling: RemoteCeiling }
  /** Already accepted under this very command id: delivered again after a reconnect, not to be run again. */
  | { ok: 'duplicate'; envelope: CommandEnvelope }
  | { ok: false; reason: ErrorKey; detail: string; ceiling?: RemoteCeiling };

const LIFETIME: Partial<Record<RemoteAction, number>> = { 'policy-script': MAX_GRANT_LIFETIME_MS, 'key-rotate': MAX_GRANT_LIFETIME_MS };

export const sha256Hex = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');

/**
 * Every check an envelope must pass before the agent acts, in order: the pinned key signed these
 * exact bytes; they parse as an envelope; it is for this agent and device; it is inside its
 * validity window (and that window is not longer than allowed); its nonce was never used; the outer
 * command id is the signed one; the local ceiling allows the action; a script is the signed one.
 */
export async function verifySignedCommand(
  body: SignedCommandBody,
  ctx: { trust: TrustFile | undefined; me: Identity; nonces: NonceStore; ceiling: () => Promise<CeilingReading>; now: number },
): Promise<Verdict> {
  const { trust, me, now } = ctx;
  if (!trust) return { ok: false, reason: 'REMOTE_NO_TRUSTED_KEY', detail: 'no provider key was pinned at enrollment' };
  const bytes = Buffer.from(body.envelope, 'base64url');
  const signature = Buffer.from(body.signature, 'base64url');
  let valid = false;
  try {
    valid = verifySignature(null, bytes, publicKeyFromRaw(trust.current.publicKey), signature);
  } catch (err) {
    return { ok: false, reason: 'REMOTE_BAD_SIGNATURE', detail: (err as Error).message };
  }
  if (!valid) {
    if (body.keyId !== trust.current.keyId) return { ok: false, reason: 'REMOTE_UNKNOWN_KEY', detail: `key ${body.keyId}, trusted ${trust.current.keyId}` };
    return { ok: false, reason: 'REMOTE_BAD_SIGNATURE', detail: `not signed by key ${trust.current.keyId}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, reason: 'REMOTE_MALFORMED_ENVELOPE', detail: 'not JSON' };
  }
  if (!envelopeCheck.Check(value)) return { ok: false, reason: 'REMOTE_MALFORMED_ENVELOPE', detail: envelopeError(value) };
  const env = value;
  if (env.keyId !== trust.current.keyId) return { ok: false, reason: 'REMOTE_UNKNOWN_KEY', detail: `signed key id ${env.keyId}` };
  if (env.agentId !== me.agentId || env.deviceId !== me.deviceId)
    return { ok: false, reason: 'REMOTE_WRONG_DEVICE', detail: `for device ${env.deviceId} (agent ${env.agentId}), this is device ${me.deviceId}` };
  if (now < env.notBefore - MAX_CLOCK_SKEW_MS)
    return { ok: false, reason: 'REMOTE_NOT_YET_VALID', detail: `valid from ${new Date(env.notBefore).toISOString()}` };
  // No tolerance on expiry: an agent whose clock is late must not run what has expired.
  if (now > env.expiresAt) return { ok: false, reason: 'REMOTE_EXPIRED', detail: `expired at ${new Date(env.expiresAt).toISOString()}` };
  if (env.expiresAt - env.notBefore > (LIFETIME[env.action] ?? MAX_COMMAND_LIFETIME_MS))
    return { ok: false, reason: 'REMOTE_LIFETIME_TOO_LONG', detail: `${Math.round((env.expiresAt - env.notBefore) / 3600_000)} h` };
  const seen = ctx.nonces.get(env.nonce);
  if (seen) {
    if (seen.commandId === env.commandId && body.commandId === env.commandId) return { ok: 'duplicate', envelope: env };
    return { ok: false, reason: 'REMOTE_REPLAYED', detail: `nonce already used by command ${seen.commandId}` };
  }
  if (body.commandId !== env.commandId)
    return { ok: false, reason: 'REMOTE_ID_MISMATCH', detail: `delivered as ${body.commandId}, signed as ${env.commandId}` };
  const reading = await ctx.ceiling();
  if (!ceilingAllows(reading.ceiling, ACTION_NEEDS[env.action])) {
    if (reading.problem) return { ok: false, reason: 'REMOTE_CEILING_FILE_UNSAFE', detail: reading.problem, ceiling: reading.ceiling };
    return {
      ok: false,
      reason: 'REMOTE_CEILING',
      detail: `${env.action} needs "${ACTION_NEEDS[env.action]}", this machine allows "${reading.ceiling}"`,
      ceiling: reading.ceiling,
    };
  }
  if (env.action === 'script' || env.action === 'policy-script') {
    if (body.script === undefined) return { ok: false, reason: 'REMOTE_SCRIPT_HASH_MISMATCH', detail: 'no script text came with the envelope' };
    const actual = sha256Hex(body.script);
    if (actual !== env.scriptSha256)
      return { ok: false, reason: 'REMOTE_SCRIPT_HASH_MISMATCH', detail: `received ${actual}, signed ${env.scriptSha256}`, ceiling: reading.ceiling };
  }
  return { ok: true, envelope: env, ceiling: reading.ceiling };
}
