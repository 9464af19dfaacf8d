import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VigieError } from '@vigie/shared';
import { appendAuditInTransaction } from '../audit/repository.js';
import type { RelationalStore } from '../store/relational-store.js';

export interface Release {
  id: number;
  version: string;
  platform: string;
  sha256: string;
  size: number;
  file: string;
  createdAt: number;
}

/**
 * The agent executables the collector offers: copied into its data folder when added (so the bytes
 * served are the bytes hashed then), with their SHA-256 and size. Engine-neutral.
 */
export class Releases {
  constructor(
    private readonly db: RelationalStore,
    private readonly dataDir: string,
    /** Called after a commit that appended audit entries (the SQLite store copies its head to a file). */
    private readonly audited: () => void = () => undefined,
  ) {}

  async add(f: { file: string; version: string; platform: string; notes?: string; by: string }, now = Date.now()): Promise<Release> {
    if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(f.version)) throw new VigieError('VALIDATION', `Version « ${f.version} » : attendu N.N.N`);
    if (!/^(linux|win32|darwin)-(x64|arm64)$/.test(f.platform)) throw new VigieError('VALIDATION', `Plateforme « ${f.platform} » inconnue (ex. linux-x64)`);
    const bytes = readFileSync(f.file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const dir = join(this.dataDir, 'releases', f.version, f.platform);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, f.platform.startsWith('win32') ? 'vigie-agent.exe' : 'vigie-agent');
    copyFileSync(f.file, file);
    const conflict = () => new VigieError('CONFLICT', `La version ${f.version} pour ${f.platform} existe déjà`);
    const id = await this.db.kysely.transaction().execute(async (tx) => {
      if (await tx.selectFrom('agent_releases').select('id').where('version', '=', f.version).where('platform', '=', f.platform).executeTakeFirst())
        throw conflict();
      // Two collectors adding it at once: the unique (version, platform) keeps one, the other gets the same refusal.
      const row = await tx
        .insertInto('agent_releases')
        .values({ version: f.version, platform: f.platform, sha256, size: bytes.length, file, notes: f.notes ?? null, created_at: now, created_by: f.by })
        .onConflict((oc) => oc.columns(['version', 'platform']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!row) throw conflict();
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        f.by,
        'agent.release.add',
        `release:${f.version}/${f.platform}`,
        { sha256, size: bytes.length },
        { result: 'ok' },
        now,
      );
      return row.id;
    });
    this.audited();
    return { id, version: f.version, platform: f.platform, sha256, size: bytes.length, file, createdAt: now };
  }

  async get(version: string, platform: string): Promise<Release | undefined> {
    const r = await this.db.kysely
      .selectFrom('agent_releases')
      .select(['id', 'version', 'platform', 'sha256', 'size', 'file', 'created_at'])
      .where('version', '=', version)
      .where('platform', '=', platform)
      .executeTakeFirst();
    return r ? { id: r.id, version: r.version, platform: r.platform, sha256: r.sha256, size: r.size, file: r.file, createdAt: r.created_at } : undefined;
  }

  async list(): Promise<Omit<Release, 'file'>[]> {
    const rows = await this.db.kysely
      .selectFrom('agent_releases')
      .select(['id', 'version', 'platform', 'sha256', 'size', 'created_at'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map((r) => ({ id: r.id, version: r.version, platform: r.platform, sha256: r.sha256, size: r.size, createdAt: r.created_at }));
  }

  /** An agent downloaded a release: audited. */
  async recordDownload(r: Release, agent: { agentId: string; clientId: number; deviceId: number }, now = Date.now()): Promise<void> {
    await this.db.kysely
      .transaction()
      .execute((tx) =>
        appendAuditInTransaction(
          tx,
          this.db.dialect,
          `agent:${agent.agentId}`,
          'agent.update.download',
          `release:${r.version}/${r.platform}`,
          undefined,
          { clientId: agent.clientId, deviceId: agent.deviceId, result: 'ok' },
          now,
        ),
      );
    this.audited();
  }

  /** The file as it is on disk now (a tampered file is served as it is: the agent's hash check is what refuses it). */
  stream(r: Release): { size: number; stream: NodeJS.ReadableStream } {
    return { size: statSync(r.file).size, stream: createReadStream(r.file) };
  }
}
