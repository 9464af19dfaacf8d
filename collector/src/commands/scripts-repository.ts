import { createHash } from 'node:crypto';
import { DEFAULT_SCRIPT_TIMEOUT_SEC, MAX_SCRIPT_BYTES, MAX_SCRIPT_TIMEOUT_SEC, type ScriptLanguage, type ScriptParamDef, VigieError } from '@vigie/shared';
import { appendAudit } from '../audit/repository.js';
import type { SessionUser } from '../auth/repository.js';
import type { Database } from '../store/database.js';

export interface ScriptVersionRow {
  id: number;
  script_id: number;
  version: number;
  language: ScriptLanguage;
  content: string;
  sha256: string;
  params: string;
  timeout_sec: number;
  notes: string;
  created_by: number | null;
  created_at: number;
  approved_by: number | null;
  approved_at: number | null;
}

export interface ScriptVersionView {
  id: number;
  scriptId: number;
  name: string;
  version: number;
  language: ScriptLanguage;
  content: string;
  sha256: string;
  params: ScriptParamDef[];
  timeoutSec: number;
  notes: string;
  createdBy: string | null;
  createdAt: number;
  approvedBy: string | null;
  approvedAt: number | null;
}

export interface NewVersion {
  language: ScriptLanguage;
  content: string;
  params?: ScriptParamDef[];
  timeoutSec?: number;
  notes?: string;
}

export const scriptSha256 = (content: string) => createHash('sha256').update(Buffer.from(content, 'utf8')).digest('hex');

/**
 * The script library: scripts with immutable, numbered versions (content hashed with SHA-256,
 * typed parameters, a timeout), each approved once by an admin before any agent may run it.
 * Every change is in the audit log.
 */
export class ScriptsRepository {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  private checkVersion(v: NewVersion): void {
    if (Buffer.byteLength(v.content) > MAX_SCRIPT_BYTES) throw new VigieError('VALIDATION', `Script trop long : ${MAX_SCRIPT_BYTES / 1024} Kio au plus`);
    if (v.content.trim() === '') throw new VigieError('VALIDATION', 'Le script est vide');
    const names = new Set<string>();
    for (const p of v.params ?? []) {
      const key = p.name.toUpperCase();
      if (names.has(key)) throw new VigieError('VALIDATION', `Paramètre en double : ${p.name}`);
      names.add(key);
      if (p.type === 'choice' && !p.choices?.length) throw new VigieError('VALIDATION', `${p.name} : une liste de valeurs est requise`);
    }
    const t = v.timeoutSec ?? DEFAULT_SCRIPT_TIMEOUT_SEC;
    if (t < 1 || t > MAX_SCRIPT_TIMEOUT_SEC) throw new VigieError('VALIDATION', `Délai maximal entre 1 et ${MAX_SCRIPT_TIMEOUT_SEC} s`);
  }

  private insertVersion(scriptId: number, version: number, v: NewVersion, user: SessionUser, now: number): number {
    const sha = scriptSha256(v.content);
    const r = this.sql
      .prepare(
        `INSERT INTO script_versions (script_id, version, language, content, sha256, params, timeout_sec, notes, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        scriptId,
        version,
        v.language,
        v.content,
        sha,
        JSON.stringify(v.params ?? []),
        v.timeoutSec ?? DEFAULT_SCRIPT_TIMEOUT_SEC,
        v.notes ?? '',
        user.id,
        now,
      );
    const id = Number(r.lastInsertRowid);
    appendAudit(
      this.sql,
      `user:${user.id}`,
      'script.version.create',
      `script-version:${id}`,
      { scriptId, version, sha256: sha, language: v.language },
      { result: 'ok' },
      now,
    );
    return id;
  }

  async create(input: { name: string; description?: string } & NewVersion, user: SessionUser, now = Date.now()): Promise<ScriptVersionView> {
    this.checkVersion(input);
    const id = await this.db.writeTransaction(() => {
      if (this.sql.prepare('SELECT 1 FROM scripts WHERE name = ?').get(input.name))
        throw new VigieError('CONFLICT', `Un script s’appelle déjà « ${input.name} »`);
      const s = this.sql
        .prepare('INSERT INTO scripts (name, description, created_by, created_at) VALUES (?, ?, ?, ?)')
        .run(input.name, input.description ?? '', user.id, now);
      const scriptId = Number(s.lastInsertRowid);
      appendAudit(this.sql, `user:${user.id}`, 'script.create', `script:${scriptId}`, { name: input.name }, { result: 'ok' }, now);
      return this.insertVersion(scriptId, 1, input, user, now);
    });
    return this.version(id)!;
  }

  async addVersion(scriptId: number, input: NewVersion, user: SessionUser, now = Date.now()): Promise<ScriptVersionView> {
    this.checkVersion(input);
    const id = await this.db.writeTransaction(() => {
      const last = this.sql.prepare('SELECT MAX(version) AS v FROM script_versions WHERE script_id = ?').get(scriptId) as { v: number | null };
      if (last.v === null) throw new VigieError('NOT_FOUND');
      return this.insertVersion(scriptId, last.v + 1, input, user, now);
    });
    return this.version(id)!;
  }

  /** An admin approves one version, once: from then on it may be sent to agents. */
  async approve(versionId: number, admin: SessionUser, now = Date.now()): Promise<ScriptVersionView> {
    await this.db.writeTransaction(() => {
      const v = this.sql.prepare('SELECT id, sha256, approved_at FROM script_versions WHERE id = ?').get(versionId) as
        | { id: number; sha256: string; approved_at: number | null }
        | undefined;
      if (!v) throw new VigieError('NOT_FOUND');
      if (v.approved_at !== null) throw new VigieError('CONFLICT', 'Cette version est déjà approuvée');
      this.sql.prepare('UPDATE script_versions SET approved_by = ?, approved_at = ? WHERE id = ?').run(admin.id, now, versionId);
      appendAudit(this.sql, `user:${admin.id}`, 'script.version.approve', `script-version:${versionId}`, { sha256: v.sha256 }, { result: 'ok' }, now);
    });
    return this.version(versionId)!;
  }

  private view(r: ScriptVersionRow & { name: string; created_name: string | null; approved_name: string | null }): ScriptVersionView {
    return {
      id: r.id,
      scriptId: r.script_id,
      name: r.name,
      version: r.version,
      language: r.language,
      content: r.content,
      sha256: r.sha256,
      params: JSON.parse(r.params) as ScriptParamDef[],
      timeoutSec: r.timeout_sec,
      notes: r.notes,
      createdBy: r.created_name,
      createdAt: r.created_at,
      approvedBy: r.approved_name,
      approvedAt: r.approved_at,
    };
  }

  private readonly select = `SELECT v.*, s.name, cu.name AS created_name, au.name AS approved_name FROM script_versions v
    JOIN scripts s ON s.id = v.script_id LEFT JOIN users cu ON cu.id = v.created_by LEFT JOIN users au ON au.id = v.approved_by`;

  version(id: number): ScriptVersionView | undefined {
    const r = this.sql.prepare(`${this.select} WHERE v.id = ?`).get(id) as Parameters<ScriptsRepository['view']>[0] | undefined;
    return r ? this.view(r) : undefined;
  }

  /** The approved version with this content hash (what a policy names), if any. */
  approvedBySha(sha256: string): ScriptVersionView | undefined {
    const r = this.sql.prepare(`${this.select} WHERE v.sha256 = ? AND v.approved_at IS NOT NULL ORDER BY v.id DESC LIMIT 1`).get(sha256) as
      | Parameters<ScriptsRepository['view']>[0]
      | undefined;
    return r ? this.view(r) : undefined;
  }

  /** `list` for a route, under the write lock. */
  listed(): Promise<ReturnType<ScriptsRepository['list']>> {
    return this.db.writeLock(() => this.list());
  }

  list(): { id: number; name: string; description: string; versions: ScriptVersionView[] }[] {
    const scripts = this.sql.prepare('SELECT id, name, description FROM scripts ORDER BY name').all() as { id: number; name: string; description: string }[];
    const versions = (this.sql.prepare(`${this.select} ORDER BY v.version DESC`).all() as Parameters<ScriptsRepository['view']>[0][]).map((r) => this.view(r));
    return scripts.map((s) => ({ ...s, versions: versions.filter((v) => v.scriptId === s.id) }));
  }
}
