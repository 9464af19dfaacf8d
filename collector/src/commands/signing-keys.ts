import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A provider key's public face: what agents pin and what the API may show. */
export interface PublicSigningKey {
  keyId: string;
  /** Raw 32-byte Ed25519 public key, base64url. */
  publicKey: string;
  createdAt: number;
  retiredAt: number | null;
}

export const keyIdOf = (rawB64: string) => createHash('sha256').update(Buffer.from(rawB64, 'base64url')).digest('hex').slice(0, 16);

/**
 * The provider's Ed25519 command-signing keys, each private key in its own 0600 file under
 * `<data dir>/keys` (0700), never in the database or an API answer. The list of public keys sits
 * beside them; the newest not retired signs. A private key file that others can read is refused.
 */
export class SigningKeys {
  private keys: PublicSigningKey[] = [];
  private loadedMtime = 0;
  private readonly privates = new Map<string, KeyObject>();

  private constructor(readonly dir: string) {}

  static open(dataDir: string, now = Date.now()): SigningKeys {
    const k = new SigningKeys(join(dataDir, 'keys'));
    mkdirSync(k.dir, { recursive: true, mode: 0o700 });
    chmodSync(k.dir, 0o700);
    k.load();
    if (k.keys.length === 0) {
      try {
        k.generate(now, { exclusive: true });
      } catch (err) {
        // Another worker of the cluster created it first: read theirs.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      k.load();
    }
    return k;
  }

  private get listFile(): string {
    return join(this.dir, 'command-keys.json');
  }

  private privateFile(keyId: string): string {
    return join(this.dir, `command-key-${keyId}.pem`);
  }

  /** Reads the list again (after another worker rotated). */
  load(): void {
    let text: string;
    try {
      text = readFileSync(this.listFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    this.keys = JSON.parse(text) as PublicSigningKey[];
    this.loadedMtime = statSync(this.listFile).mtimeMs;
    this.privates.clear();
  }

  private privateKey(keyId: string): KeyObject {
    let key = this.privates.get(keyId);
    if (key) return key;
    const file = this.privateFile(keyId);
    const st = statSync(file);
    if (st.mode & 0o077) throw new Error(`${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}): refusing to sign with it; chmod 600 it`);
    key = createPrivateKey(readFileSync(file, 'utf8'));
    this.privates.set(keyId, key);
    return key;
  }

  private generate(now: number, opts: { exclusive?: boolean } = {}): PublicSigningKey {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32).toString('base64url');
    const entry: PublicSigningKey = { keyId: keyIdOf(raw), publicKey: raw, createdAt: now, retiredAt: null };
    writeFileSync(this.privateFile(entry.keyId), privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600, flag: 'wx' });
    const list = [...this.keys, entry];
    const tmp = `${this.listFile}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(list, null, 2)}\n`, { mode: 0o600 });
    if (opts.exclusive) {
      // First key: never overwrite a list another process wrote meanwhile.
      writeFileSync(this.listFile, readFileSync(tmp), { mode: 0o600, flag: 'wx' });
    } else renameSync(tmp, this.listFile);
    this.keys = list;
    this.loadedMtime = statSync(this.listFile).mtimeMs;
    return entry;
  }

  /** The key that signs now. */
  current(): PublicSigningKey {
    // Rotated by the CLI or another worker meanwhile: read the list again.
    if (statSync(this.listFile).mtimeMs !== this.loadedMtime) this.load();
    const k = this.keys.filter((x) => x.retiredAt === null).at(-1);
    if (!k) throw new Error(`no command-signing key in ${this.dir}`);
    return k;
  }

  all(): PublicSigningKey[] {
    return [...this.keys];
  }

  sign(keyId: string, bytes: Buffer): Buffer {
    return sign(null, bytes, this.privateKey(keyId));
  }

  /**
   * A new key; the old one is retired (it stays on disk only to sign the rotation envelopes that
   * carry the new key to agents). Returns both.
   */
  rotate(now = Date.now()): { previous: PublicSigningKey; next: PublicSigningKey } {
    const previous = this.current();
    const next = this.generate(now);
    this.keys = this.keys.map((k) => (k.keyId === previous.keyId ? { ...k, retiredAt: now } : k));
    writeFileSync(`${this.listFile}.tmp`, `${JSON.stringify(this.keys, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${this.listFile}.tmp`, this.listFile);
    this.loadedMtime = statSync(this.listFile).mtimeMs;
    return { previous, next };
  }
}
