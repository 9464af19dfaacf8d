import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { type CommandEnvelope, canonicalJson, type SignedCommandBody } from '@vigie/shared';
import { keyIdOf } from './trust-store.js';

/**
 * For tests: an Ed25519 key pair standing for the provider's (or an attacker's), signing envelopes
 * exactly as the collector does (canonical JSON bytes, base64url). Not used by the agent itself.
 */
export class TestSigner {
  readonly publicKey: string;
  readonly keyId: string;
  private readonly privateKey: KeyObject;

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    this.publicKey = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32).toString('base64url');
    this.keyId = keyIdOf(this.publicKey);
    this.privateKey = privateKey;
  }

  envelope<E extends CommandEnvelope>(e: Omit<E, 'v' | 'keyId' | 'nonce' | 'issuedAt' | 'runAs' | 'issuedBy'> & Partial<E>): E {
    const now = Date.now();
    return {
      v: 1,
      keyId: this.keyId,
      nonce: randomBytes(16).toString('hex'),
      issuedAt: now,
      runAs: 'agent',
      issuedBy: { userId: 1, name: 'Test Admin' },
      ...e,
    } as E;
  }

  sign(env: CommandEnvelope, extra: { script?: string; commandId?: string } = {}): SignedCommandBody {
    const bytes = Buffer.from(canonicalJson(env), 'utf8');
    return {
      commandId: extra.commandId ?? env.commandId,
      keyId: this.keyId,
      envelope: bytes.toString('base64url'),
      signature: sign(null, bytes, this.privateKey).toString('base64url'),
      ...(extra.script !== undefined ? { script: extra.script } : {}),
    };
  }
}
