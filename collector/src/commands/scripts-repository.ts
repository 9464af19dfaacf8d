import { createHash } from 'node:crypto';
import { DEFAULT_SCRIPT_TIMEOUT_SEC, MAX_SCRIPT_BYTES, MAX_SCRIPT_TIMEOUT_SEC, type ScriptLanguage, type ScriptParamDef, VigieError } from '@vigie/shared';
import type { Kysely, Transaction } from 'kysely';
import { appendAuditInTransaction } from '../audit/repository.js';
import type { SessionUser } from '../auth/repository.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';

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

type VersionJoined = ScriptVersionRow & { name: string; created_name: string | null; approved_name: string | null };

/**
 * The script library: scripts with immutable, numbered versions (content hashed with SHA-256,
 * typed parameters, a timeout), each approved once by an admin before any agent may run it.
 * Every change is in the audit log (the routes refresh the audit head after each).
 */
export class ScriptsRepository {
  constructor(private readonly db: RelationalStore) {}

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

  private async insertVersion(tx: Transaction<DB>, scriptId: number, version: number, v: NewVersion, user: SessionUser, now: number): Promise<number> {
    const sha = scriptSha256(v.content);
    const { id } = await tx
      .insertInto('script_versions')
      .values({
        script_id: scriptId,
        version,
        language: v.language,
        content: v.content,
        sha256: sha,
        params: JSON.stringify(v.params ?? []),
        timeout_sec: v.timeoutSec ?? DEFAULT_SCRIPT_TIMEOUT_SEC,
        notes: v.notes ?? '',
        created_by: user.id,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await appendAuditInTransaction(
      tx,
      this.db.dialect,
      `user:${user.id}`,
      'script.version.create',
      `script-version:${id}`,
      { scriptId, version, sha256: sha, language: v.language },
      { result: 'ok' },
      now,
    );
    return id;
  }

  /** A new script and its version 1. Two creations of one name: the unique name lets one through, the other gets the same conflict. */
  async create(input: { name: string; description?: string } & NewVersion, user: SessionUser, now = Date.now()): Promise<ScriptVersionView> {
    this.checkVersion(input);
    const conflict = () => new VigieError('CONFLICT', `Un script s’appelle déjà « ${input.name} »`);
    const id = await this.db.kysely.transaction().execute(async (tx) => {
      if (await tx.selectFrom('scripts').select('id').where('name', '=', input.name).executeTakeFirst()) throw conflict();
      const s = await tx
        .insertInto('scripts')
        .values({ name: input.name, description: input.description ?? '', created_by: user.id, created_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!s) throw conflict();
      await appendAuditInTransaction(tx, this.db.dialect, `user:${user.id}`, 'script.create', `script:${s.id}`, { name: input.name }, { result: 'ok' }, now);
      return this.insertVersion(tx, s.id, 1, input, user, now);
    });
    return (await this.version(id))!;
  }

  /**
   * The next version of a script. On PostgreSQL the script's row is locked first, so two additions
   * at once number 2 and 3 (the unique (script_id, version) would refuse the second otherwise).
   */
  async addVersion(scriptId: number, input: NewVersion, user: SessionUser, now = Date.now()): Promise<ScriptVersionView> {
    this.checkVersion(input);
    const id = await this.db.kysely.transaction().execute(async (tx) => {
      const script = await tx
        .selectFrom('scripts')
        .select('id')
        .where('id', '=', scriptId)
        .$if(this.db.dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (!script) throw new VigieError('NOT_FOUND');
      const last = await tx
        .selectFrom('script_versions')
        .select((eb) => eb.fn.max('version').as('v'))
        .where('script_id', '=', scriptId)
        .executeTakeFirst();
      if (last?.v === null || last?.v === undefined) throw new VigieError('NOT_FOUND');
      return this.insertVersion(tx, scriptId, Number(last.v) + 1, input, user, now);
    });
    return (await this.version(id))!;
  }

  /** An admin approves one version, once: from then on it may be sent to agents (a conditional update: two approvals, one wins). */
  async approve(versionId: number, admin: SessionUser, now = Date.now()): Promise<ScriptVersionView> {
    await this.db.kysely.transaction().execute(async (tx) => {
      const v = await tx.selectFrom('script_versions').select(['id', 'sha256', 'approved_at']).where('id', '=', versionId).executeTakeFirst();
      if (!v) throw new VigieError('NOT_FOUND');
      const done = () => new VigieError('CONFLICT', 'Cette version est déjà approuvée');
      if (v.approved_at !== null) throw done();
      const r = await tx
        .updateTable('script_versions')
        .set({ approved_by: admin.id, approved_at: now })
        .where('id', '=', versionId)
        .where('approved_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw done();
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${admin.id}`,
        'script.version.approve',
        `script-version:${versionId}`,
        { sha256: v.sha256 },
        { result: 'ok' },
        now,
      );
    });
    return (await this.version(versionId))!;
  }

  private view(r: VersionJoined): ScriptVersionView {
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

  private select(q: Kysely<DB>) {
    return q
      .selectFrom('script_versions as v')
      .innerJoin('scripts as s', 's.id', 'v.script_id')
      .leftJoin('users as cu', 'cu.id', 'v.created_by')
      .leftJoin('users as au', 'au.id', 'v.approved_by')
      .selectAll('v')
      .select(['s.name', 'cu.name as created_name', 'au.name as approved_name']);
  }

  async version(id: number, q: Kysely<DB> = this.db.kysely): Promise<ScriptVersionView | undefined> {
    const r = await this.select(q).where('v.id', '=', id).executeTakeFirst();
    return r ? this.view(r as VersionJoined) : undefined;
  }

  /** The approved version with this content hash (what a policy names), if any: the newest. */
  async approvedBySha(sha256: string, q: Kysely<DB> = this.db.kysely): Promise<ScriptVersionView | undefined> {
    const r = await this.select(q).where('v.sha256', '=', sha256).where('v.approved_at', 'is not', null).orderBy('v.id', 'desc').limit(1).executeTakeFirst();
    return r ? this.view(r as VersionJoined) : undefined;
  }

  /** `list` for a route. */
  listed(): Promise<Awaited<ReturnType<ScriptsRepository['list']>>> {
    return this.list();
  }

  /** Scripts by name (unique), each with its versions newest first. */
  async list(): Promise<{ id: number; name: string; description: string; versions: ScriptVersionView[] }[]> {
    const scripts = await this.db.kysely.selectFrom('scripts').select(['id', 'name', 'description']).orderBy('name').execute();
    const versions = (await this.select(this.db.kysely).orderBy('v.version', 'desc').orderBy('v.id', 'desc').execute()).map((r) =>
      this.view(r as VersionJoined),
    );
    return scripts.map((s) => ({ ...s, versions: versions.filter((v) => v.scriptId === s.id) }));
  }
}
