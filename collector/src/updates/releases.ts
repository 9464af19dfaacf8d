import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VigieError } from '@vigie/shared';
import { appendAudit, refreshAuditHead } from '../audit/repository.js';
import { type AgentAuthResult, authenticateAgent } from '../ingest/agent-auth.js';
import type { Database } from '../store/database.js';

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
 * served are the bytes hashed then), with their SHA-256 and size.
 */
export class Releases {
  constructor(
    private readonly db: Database,
    private readonly dataDir: string,
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
    const id = await this.db.writeTransaction(() => {
      if (this.db.sqlite.prepare('SELECT 1 FROM agent_releases WHERE version = ? AND platform = ?').get(f.version, f.platform))
        throw new VigieError('CONFLICT', `La version ${f.version} pour ${f.platform} existe déjà`);
      const r = this.db.sqlite
        .prepare('INSERT INTO agent_releases (version, platform, sha256, size, file, notes, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(f.version, f.platform, sha256, bytes.length, file, f.notes ?? null, now, f.by);
      appendAudit(this.db.sqlite, f.by, 'agent.release.add', `release:${f.version}/${f.platform}`, { sha256, size: bytes.length }, { result: 'ok' }, now);
      return Number(r.lastInsertRowid);
    });
    refreshAuditHead(this.db);
    return { id, version: f.version, platform: f.platform, sha256, size: bytes.length, file, createdAt: now };
  }

  get(version: string, platform: string): Release | undefined {
    const r = this.db.sqlite
      .prepare('SELECT id, version, platform, sha256, size, file, created_at FROM agent_releases WHERE version = ? AND platform = ?')
      .get(version, platform) as (Omit<Release, 'createdAt'> & { created_at: number }) | undefined;
    return r ? { id: r.id, version: r.version, platform: r.platform, sha256: r.sha256, size: r.size, file: r.file, createdAt: r.created_at } : undefined;
  }

  list(): Omit<Release, 'file'>[] {
    return (
      this.db.sqlite.prepare('SELECT id, version, platform, sha256, size, created_at FROM agent_releases ORDER BY created_at DESC, id DESC').all() as (Omit<
        Release,
        'createdAt' | 'file'
      > & { created_at: number })[]
    ).map((r) => ({ id: r.id, version: r.version, platform: r.platform, sha256: r.sha256, size: r.size, createdAt: r.created_at }));
  }

  /** The agent asking for a release, from its channel's credential (read under the write lock, as routes' reads are). */
  authenticate(header: string | undefined): Promise<AgentAuthResult> {
    return authenticateAgent(this.db, header);
  }

  /** The file as it is on disk now (a tampered file is served as it is: the agent's hash check is what refuses it). */
  stream(r: Release): { size: number; stream: NodeJS.ReadableStream } {
    return { size: statSync(r.file).size, stream: createReadStream(r.file) };
  }
}
