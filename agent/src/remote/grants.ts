import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson, type EnvelopeOf, type ScriptParamValues } from '@vigie/shared';
import { writeDurable } from './durable-file.js';

/** A verified standing grant and the script text whose SHA-256 it signs. */
export interface Grant {
  envelope: EnvelopeOf<'policy-script'>;
  script: string;
}

const grantsPath = (stateDir: string) => join(stateDir, 'remote-grants.json');
const keyOf = (sha256: string, params: ScriptParamValues) => `${sha256}:${canonicalJson(params)}`;

/**
 * Scripts a policy may make a probe run (a backup status check): only those the provider signed
 * for this device, with exactly these parameters, until the grant expires. Kept on disk so a
 * restarted agent keeps checking before it reaches the collector.
 */
export class GrantStore {
  private constructor(
    private readonly stateDir: string,
    private readonly grants: Map<string, Grant>,
  ) {}

  static async open(stateDir: string): Promise<GrantStore> {
    let list: Grant[] = [];
    try {
      list = JSON.parse(await readFile(grantsPath(stateDir), 'utf8')) as Grant[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return new GrantStore(stateDir, new Map(list.map((g) => [keyOf(g.envelope.scriptSha256, g.envelope.args.params), g])));
  }

  /** The grant for this script and these parameters, if one is valid now. */
  find(sha256: string, params: ScriptParamValues, now = Date.now()): Grant | undefined {
    const g = this.grants.get(keyOf(sha256, params));
    return g && g.envelope.expiresAt >= now && g.envelope.notBefore <= now + 60_000 ? g : undefined;
  }

  async add(g: Grant, now = Date.now()): Promise<void> {
    for (const [k, old] of this.grants) if (old.envelope.expiresAt < now) this.grants.delete(k);
    const k = keyOf(g.envelope.scriptSha256, g.envelope.args.params);
    const prev = this.grants.get(k);
    if (prev && prev.envelope.issuedAt > g.envelope.issuedAt) return;
    this.grants.set(k, g);
    await writeDurable(grantsPath(this.stateDir), JSON.stringify([...this.grants.values()]));
  }
}
