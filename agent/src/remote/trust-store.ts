import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDurable } from './durable-file.js';

/** The provider key this agent obeys, pinned at enrollment and replaced only by a rotation it signed. */
export interface PinnedKey {
  keyId: string;
  /** Raw 32-byte Ed25519 public key, base64url. */
  publicKey: string;
  pinnedAt: number;
  via: 'enrollment' | 'rotation';
}

export interface TrustFile {
  current: PinnedKey;
  /** Keys trusted before, newest first: kept for the record, never used to verify. */
  previous: PinnedKey[];
}

export const trustPath = (stateDir: string) => join(stateDir, 'remote-trust.json');

/** Ed25519 SPKI DER prefix: the raw key is the last 32 bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function publicKeyFromRaw(rawB64: string): KeyObject {
  const raw = Buffer.from(rawB64, 'base64url');
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function keyIdOf(rawB64: string): string {
  return createHash('sha256').update(Buffer.from(rawB64, 'base64url')).digest('hex').slice(0, 16);
}

export async function loadTrust(stateDir: string): Promise<TrustFile | undefined> {
  let text: string;
  try {
    text = await readFile(trustPath(stateDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const t = JSON.parse(text) as TrustFile;
  if (!t.current || keyIdOf(t.current.publicKey) !== t.current.keyId) throw new Error(`${trustPath(stateDir)} is damaged: key id and key differ`);
  return t;
}

/** At enrollment: the collector's answer names its key; the id must match the key. */
export async function pinKey(stateDir: string, key: { keyId: string; publicKey: string }, now = Date.now()): Promise<TrustFile> {
  if (keyIdOf(key.publicKey) !== key.keyId) throw new Error('the provider key id does not match its key');
  publicKeyFromRaw(key.publicKey); // refuses anything that is not an Ed25519 key
  const t: TrustFile = { current: { ...key, pinnedAt: now, via: 'enrollment' }, previous: [] };
  await writeDurable(trustPath(stateDir), `${JSON.stringify(t, null, 2)}\n`);
  return t;
}

/** A rotation the current key signed: the new key replaces it, durably, before the agent says so. */
export async function rotateKey(stateDir: string, t: TrustFile, next: { keyId: string; publicKey: string }, now = Date.now()): Promise<TrustFile> {
  if (keyIdOf(next.publicKey) !== next.keyId) throw new Error('the new key id does not match the new key');
  publicKeyFromRaw(next.publicKey);
  const out: TrustFile = { current: { ...next, pinnedAt: now, via: 'rotation' }, previous: [t.current, ...t.previous].slice(0, 10) };
  await writeDurable(trustPath(stateDir), `${JSON.stringify(out, null, 2)}\n`);
  return out;
}
