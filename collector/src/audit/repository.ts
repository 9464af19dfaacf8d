import { writeFileSync } from 'node:fs';
import { sql, type Transaction } from 'kysely';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';
import { AUDIT_GENESIS, type AuditContent, auditHash } from './chain.js';

export interface AuditExtra {
  /** The client whose data or machines this is about: the client reads its own entries. */
  clientId?: number | null;
  deviceId?: number | null;
  /** How it ended: `ok`, `refused: <code>`, `failed`… */
  result?: string | null;
}

/** Where the newest entry's id and hash are also written, outside the database (a deleted tail shows), per store. */
const heads = new WeakMap<RelationalStore, string>();

export function setAuditHeadFile(db: RelationalStore, path: string): void {
  heads.set(db, path);
}

/** What one entry says and its hash covers, the same for both ways of appending. */
function auditContent(
  actor: string,
  action: string,
  target: string,
  details: Record<string, unknown> | null | undefined,
  extra: AuditExtra,
  at: number,
): AuditContent {
  return {
    at,
    actor,
    action,
    target,
    details: details ? JSON.stringify(details) : null,
    clientId: extra.clientId ?? null,
    deviceId: extra.deviceId ?? null,
    result: extra.result ?? null,
  };
}

/**
 * Appends one entry to the hash-chained audit log inside the caller's Kysely transaction (the ingest
 * writer's, a service's), on either engine: it reads the last hash and inserts after it in the same
 * transaction, so two writers can never fork the chain; a trigger refuses any other insert, and any
 * UPDATE or DELETE. SQLite's
 * transactions hold the write lock from BEGIN IMMEDIATE; on PostgreSQL a transaction-scoped
 * advisory lock makes appenders take turns, so two never read the same last hash (the chain
 * trigger would refuse the second).
 */
export async function appendAuditInTransaction(
  tx: Transaction<DB>,
  dialect: RelationalStore['dialect'],
  actor: string,
  action: string,
  target: string,
  details?: Record<string, unknown> | null,
  extra: AuditExtra = {},
  at = Date.now(),
): Promise<number> {
  if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext('vigie.audit_log'))`.execute(tx);
  const last = await tx.selectFrom('audit_log').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const prev = last?.hash ?? AUDIT_GENESIS;
  const c = auditContent(actor, action, target, details, extra, at);
  const row = await tx
    .insertInto('audit_log')
    .values({
      at: c.at,
      actor: c.actor,
      action: c.action,
      target: c.target,
      details: c.details,
      client_id: c.clientId,
      device_id: c.deviceId,
      result: c.result,
      prev_hash: prev,
      hash: auditHash(prev, c),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Copies the newest entry's id and hash to the head file, after a commit: `audit verify` then sees
 * a log whose tail was deleted (with the triggers dropped) even though the chain itself still holds.
 * Either engine; only a store given a head file (setAuditHeadFile) has one.
 */
export async function refreshAuditHeadOf(db: RelationalStore): Promise<void> {
  const head = heads.get(db);
  if (!head) return;
  const last = await db.kysely.selectFrom('audit_log').select(['id', 'hash']).orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (last) writeAuditHead(head, last);
}

function writeAuditHead(path: string, last: { id: number; hash: string }): void {
  writeFileSync(path, `${JSON.stringify({ id: last.id, hash: last.hash })}\n`, { mode: 0o600 });
}

/** Every state change is written here: who, what, on which target (and for which client, with what result). */
export async function audit(
  db: RelationalStore,
  actor: string,
  action: string,
  target: string,
  details?: Record<string, unknown>,
  extra: AuditExtra = {},
): Promise<void> {
  await db.kysely.transaction().execute((tx) => appendAuditInTransaction(tx, db.dialect, actor, action, target, details, extra));
  await refreshAuditHeadOf(db);
}

export interface AuditFilter {
  clientId?: number;
  /** A prefix of the action (`command.` lists every command entry). */
  action?: string;
  actor?: string;
  beforeId?: number;
  limit?: number;
}

/** The newest entries first, filtered, with their details parsed. */
export async function listAudit(db: RelationalStore, f: AuditFilter): Promise<Record<string, unknown>[]> {
  let q = db.kysely.selectFrom('audit_log').selectAll();
  if (f.clientId !== undefined) q = q.where('client_id', '=', f.clientId);
  if (f.action !== undefined) {
    // A prefix, taken literally (escaped wildcards). SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE does the same.
    const prefix = sql<string>`${`${f.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`;
    q = q.where('action', db.dialect === 'postgres' ? 'ilike' : 'like', prefix);
  }
  if (f.actor !== undefined) q = q.where('actor', '=', f.actor);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(f.limit ?? 200)
    .execute();
  return rows.map((r) => ({ ...r, details: r.details ? JSON.parse(r.details) : null }));
}
