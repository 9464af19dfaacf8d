import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { RelationalStore } from '../store/relational-store.js';
import { AUDIT_GENESIS, auditHash } from './chain.js';

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** Each problem found, in order: which entry, and what is wrong with it. */
  problems: { id: number | null; problem: string }[];
}

interface Row {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  details: string | null;
  client_id: number | null;
  device_id: number | null;
  result: string | null;
  prev_hash: string | null;
  hash: string | null;
}

/** Entries read per query while walking the log (keyset pages: memory stays flat on a long log). */
const PAGE = 1000;

/**
 * Walks the audit log in order and recomputes every hash: an edited entry no longer matches its
 * hash, a removed one breaks the next entry's link, a removed tail shows against SQLite's
 * AUTOINCREMENT counter and the head file kept outside the database. Works on a running store:
 * the counter and the head file are read before the walk, so entries appended meanwhile (the log
 * only grows) are never taken for a removed tail.
 */
export async function verifyAuditLog(db: RelationalStore, headFile?: string): Promise<AuditVerification> {
  const problems: AuditVerification['problems'] = [];
  // SQLite only: PostgreSQL's sequences also advance for inserts that were rolled back, so a gap
  // there proves nothing (the head file still covers the tail).
  const seq =
    db.dialect === 'sqlite'
      ? (await sql<{ seq: number }>`SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'`.execute(db.kysely)).rows[0]?.seq
      : undefined;
  let head: { id: number; hash: string } | undefined;
  if (headFile) {
    try {
      head = JSON.parse(readFileSync(headFile, 'utf8')) as { id: number; hash: string };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') problems.push({ id: null, problem: `head file ${headFile} unreadable: ${(err as Error).message}` });
    }
  }
  let prev = AUDIT_GENESIS;
  let entries = 0;
  let lastId = 0;
  let headSeen: string | undefined;
  for (;;) {
    const rows: Row[] = await db.kysely.selectFrom('audit_log').selectAll().where('id', '>', lastId).orderBy('id').limit(PAGE).execute();
    for (const r of rows) {
      entries++;
      if (r.prev_hash !== prev) problems.push({ id: r.id, problem: `does not follow the entry before it (an entry before it was removed or changed)` });
      const expected = auditHash(r.prev_hash ?? prev, {
        at: r.at,
        actor: r.actor,
        action: r.action,
        target: r.target,
        details: r.details,
        clientId: r.client_id,
        deviceId: r.device_id,
        result: r.result,
      });
      if (r.hash !== expected) problems.push({ id: r.id, problem: `was edited: its content no longer matches its hash` });
      prev = r.hash ?? expected;
      lastId = r.id;
      if (head && r.id === head.id) headSeen = r.hash ?? '';
    }
    if (rows.length < PAGE) break;
  }
  if (seq !== undefined && seq > lastId) problems.push({ id: seq, problem: `entries ${lastId + 1}–${seq} were removed from the end of the log` });
  if (head && headSeen !== head.hash) problems.push({ id: head.id, problem: `the head file names entry ${head.id}, which the log no longer holds as written` });
  return { ok: problems.length === 0, entries, problems };
}
