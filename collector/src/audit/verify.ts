import { readFileSync } from 'node:fs';
import type { Database, SqliteHandle } from '../store/database.js';
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

/**
 * Walks the audit log in order and recomputes every hash: an edited entry no longer matches its
 * hash, a removed one breaks the next entry's link, a removed tail shows against SQLite's
 * AUTOINCREMENT counter and the head file kept outside the database.
 */
export function verifyAuditChain(sqlite: SqliteHandle, headFile?: string): AuditVerification {
  const problems: AuditVerification['problems'] = [];
  let prev = AUDIT_GENESIS;
  let entries = 0;
  let lastId = 0;
  const hashes = new Map<number, string>();
  for (const r of sqlite.prepare('SELECT * FROM audit_log ORDER BY id').iterate() as IterableIterator<Row>) {
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
    hashes.set(r.id, r.hash ?? '');
  }
  const seq = sqlite.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").get() as { seq: number } | undefined;
  if (seq && seq.seq > lastId) problems.push({ id: seq.seq, problem: `entries ${lastId + 1}–${seq.seq} were removed from the end of the log` });
  if (headFile) {
    let head: { id: number; hash: string } | undefined;
    try {
      head = JSON.parse(readFileSync(headFile, 'utf8')) as { id: number; hash: string };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') problems.push({ id: null, problem: `head file ${headFile} unreadable: ${(err as Error).message}` });
    }
    if (head && hashes.get(head.id) !== head.hash)
      problems.push({ id: head.id, problem: `the head file names entry ${head.id}, which the log no longer holds as written` });
  }
  return { ok: problems.length === 0, entries, problems };
}

/** The same check on a running collector's store, under its write lock (no half-written transaction seen). */
export function verifyAuditLog(db: Database, headFile?: string): Promise<AuditVerification> {
  return db.writeLock(() => verifyAuditChain(db.sqlite, headFile));
}
