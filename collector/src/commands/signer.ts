import { randomBytes, randomUUID } from 'node:crypto';
import { type CommandEnvelope, canonicalJson } from '@vigie/shared';
import type { SigningKeys } from './signing-keys.js';

export interface Signed {
  commandId: string;
  keyId: string;
  nonce: string;
  /** The canonical JSON bytes exactly as signed, base64url: stored and sent as they are. */
  envelope: string;
  signature: string;
}

/** What a caller says; the signer adds the key, the nonce, the id and the issue time. */
export type EnvelopeDraft = CommandEnvelope extends infer E
  ? E extends CommandEnvelope
    ? Omit<E, 'v' | 'keyId' | 'nonce' | 'commandId' | 'issuedAt' | 'runAs'>
    : never
  : never;

export const newCommandId = () => `cmd_${randomUUID().replaceAll('-', '')}`;

/** Signs one envelope with the current key (or `keyId`, for the rotation that carries the next key). */
export function signEnvelope(keys: SigningKeys, draft: EnvelopeDraft, opts: { commandId?: string; keyId?: string; now?: number } = {}): Signed {
  const keyId = opts.keyId ?? keys.current().keyId;
  const commandId = opts.commandId ?? newCommandId();
  const nonce = randomBytes(16).toString('hex');
  const env = { ...draft, v: 1, keyId, commandId, nonce, issuedAt: opts.now ?? Date.now(), runAs: 'agent' } as CommandEnvelope;
  const bytes = Buffer.from(canonicalJson(env), 'utf8');
  return { commandId, keyId, nonce, envelope: bytes.toString('base64url'), signature: keys.sign(keyId, bytes).toString('base64url') };
}
