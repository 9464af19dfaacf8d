import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDurable } from './durable-file.js';

interface Seen {
  commandId: string;
  /** Kept until the envelope's expiry: past it, the envelope is refused as expired anyway. */
  expiresAt: number;
}

export const noncesPath = (stateDir: string) => join(stateDir, 'remote-nonces.json');

/**
 * The nonces of every envelope accepted and not yet expired, on disk: an envelope runs at most once,
 * across restarts. Bounded by the envelopes' lifetime (a week at most), pruned at each write.
 */
export class NonceStore {
  private constructor(
    private readonly path: string,
    private readonly seen: Map<string, Seen>,
  ) {}

  static async open(stateDir: string): Promise<NonceStore> {
    const path = noncesPath(stateDir);
    let entries: [string, Seen][] = [];
    try {
      entries = Object.entries(JSON.parse(await readFile(path, 'utf8')) as Record<string, Seen>);
    } catch (err) {
      // A missing file is a fresh agent; a damaged one must not silently forget what already ran.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new Error(`${path} cannot be read (${(err as Error).message}): refusing to forget used nonces`);
    }
    return new NonceStore(path, new Map(entries));
  }

  get(nonce: string): Seen | undefined {
    return this.seen.get(nonce);
  }

  /** Records the nonce on disk; only then may the command run. */
  async remember(nonce: string, commandId: string, expiresAt: number, now = Date.now()): Promise<void> {
    for (const [n, s] of this.seen) if (s.expiresAt < now) this.seen.delete(n);
    this.seen.set(nonce, { commandId, expiresAt });
    await writeDurable(this.path, JSON.stringify(Object.fromEntries(this.seen)));
  }

  get size(): number {
    return this.seen.size;
  }
}
