/**
 * After an unclean stop the collector checks its store before accepting data: what the write-ahead
 * log's recovery is about to drop (wal-inspect.ts), then `PRAGMA quick_check`, and which tables
 * a damage is in. A store that lost or damaged what agents were told is committed must say so
 * loudly, and must not acknowledge data it cannot store.
 */

import { closeSync, existsSync, openSync, rmSync, writeSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { inspectWal, type WalReport } from './wal-inspect.js';

export interface StoreCheck {
  /** The previous run did not stop cleanly (or left the store marked as damaged). */
  unclean: boolean;
  wal: WalReport | null;
  /** `quick_check`'s findings; empty when the store is sound. */
  problems: string[];
  /** Tables (and the tables of indexes) the problems are in; `*` when one cannot be placed. */
  damagedTables: string[];
  ms: number;
}

/**
 * A file beside the database while a collector process runs it (one per worker): still there at
 * start-up means the last run did not stop cleanly.
 */
export class RunMarker {
  readonly path: string;
  readonly foundAtStart: boolean;

  constructor(dbPath: string, workerId: number) {
    this.path = `${dbPath}.running-${workerId}`;
    this.foundAtStart = dbPath !== ':memory:' && existsSync(this.path);
  }

  /** Best effort: on a full disk the marker may not be written, and the next start is then taken as clean. */
  set(): string | null {
    if (this.path.startsWith(':memory:')) return null;
    try {
      const fd = openSync(this.path, 'w', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return null;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code ?? String(err);
    }
  }

  clear(): void {
    rmSync(this.path, { force: true });
  }
}

/** What recovery will drop: call before the database is opened. */
export function inspectWalBeforeOpen(dbPath: string): WalReport | null {
  return dbPath === ':memory:' ? null : inspectWal(`${dbPath}-wal`);
}

/**
 * `quick_check` (or the slower `integrity_check`, which also compares indexes with their tables),
 * and where its findings are; a check that itself fails on corruption counts as damage everywhere.
 */
export function quickCheck(
  db: BetterSqlite3.Database,
  pragma: 'quick_check' | 'integrity_check' = 'quick_check',
): Pick<StoreCheck, 'problems' | 'damagedTables'> {
  let problems: string[];
  try {
    problems = (db.pragma(`${pragma}(1000)`) as Record<string, string>[]).map((r) => Object.values(r)[0] ?? '').filter((m) => m !== 'ok');
  } catch (err) {
    return { problems: [`quick_check failed: ${(err as Error).message}`], damagedTables: ['*'] };
  }
  if (problems.length === 0) return { problems, damagedTables: [] };
  const schema = db.prepare("SELECT name, tbl_name AS tbl, rootpage FROM sqlite_schema WHERE type IN ('table', 'index')").all() as {
    name: string;
    tbl: string;
    rootpage: number;
  }[];
  const byRoot = new Map(schema.map((s) => [s.rootpage, s.tbl]));
  const byName = new Map(schema.map((s) => [s.name, s.tbl]));
  const damaged = new Set<string>();
  for (const p of problems) {
    const tree = /Tree (\d+) page/.exec(p)?.[1];
    const index = /index (\S+)/.exec(p)?.[1];
    const table = tree !== undefined ? byRoot.get(Number(tree)) : index !== undefined ? byName.get(index) : undefined;
    damaged.add(table ?? '*');
  }
  return { problems, damagedTables: [...damaged].sort() };
}

/** `vigie-collector store check`: the same check on demand, read-only (the collector may be running). */
export function checkStoreFile(dbPath: string, full: boolean): StoreCheck {
  const started = performance.now();
  const wal = inspectWalBeforeOpen(dbPath);
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  try {
    return { unclean: false, wal, ...quickCheck(db, full ? 'integrity_check' : 'quick_check'), ms: Math.round(performance.now() - started) };
  } finally {
    db.close();
  }
}

export function describeStoreCheck(c: StoreCheck): string {
  const parts: string[] = [];
  if (c.wal?.stop && c.wal.lostCommits > 0) {
    parts.push(
      `the write-ahead log is damaged at frame ${c.wal.stop.frame}: ${c.wal.lostCommits} committed transactions after it (${c.wal.framesAfterStop} frames) are lost; agents acknowledged in them are asked for their acknowledged window again`,
    );
  } else if (c.wal) parts.push(`write-ahead log replayed: ${c.wal.commits} transactions${c.wal.stop?.why === 'cut' ? ' (an unfinished one dropped)' : ''}`);
  parts.push(
    c.problems.length === 0
      ? 'quick_check: ok'
      : `quick_check found ${c.problems.length} problem(s) in ${c.damagedTables.join(', ')}: ${c.problems.slice(0, 5).join(' | ')}`,
  );
  return parts.join('; ');
}
