import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectWal } from './wal-inspect.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-wal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A store as a crash leaves it: 20 committed transactions still only in the write-ahead log (no
 * checkpoint), the files copied while the writer still has them open, as after a SIGKILL.
 */
function crashedStore(): { db: string; wal: string; pageSize: number } {
  const live = join(dir, 'live.db');
  const db = new BetterSqlite3(live);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  db.pragma('wal_checkpoint(TRUNCATE)');
  const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
  for (let i = 0; i < 20; i++) db.transaction(() => ins.run('x'.repeat(3000)))();
  const copy = join(dir, 'crashed.db');
  copyFileSync(live, copy);
  copyFileSync(`${live}-wal`, `${copy}-wal`);
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  return { db: copy, wal: `${copy}-wal`, pageSize };
}

const rows = (path: string) => {
  const db = new BetterSqlite3(path);
  try {
    return (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('write-ahead log inspection before recovery', () => {
  it('reads an intact log as SQLite replays it', () => {
    const s = crashedStore();
    const r = inspectWal(s.wal)!;
    expect(r).toMatchObject({ pageSize: s.pageSize, commits: 20, stop: null, framesAfterStop: 0, lostCommits: 0 });
    expect(r.replayed).toBe(r.frames);
    expect(rows(s.db)).toBe(20);
  });

  it('counts the committed transactions recovery drops after a flipped byte', () => {
    const s = crashedStore();
    const frameBytes = 24 + s.pageSize;
    const buf = readFileSync(s.wal);
    const frames = (buf.length - 32) / frameBytes;
    const victim = Math.floor(frames / 2);
    buf[32 + victim * frameBytes + 24 + 100]! ^= 0x40; // one bit of a page in the middle of the log
    writeFileSync(s.wal, buf);
    const r = inspectWal(s.wal)!;
    expect(r.stop).toEqual({ frame: victim, why: 'checksum' });
    expect(r.lostCommits).toBeGreaterThan(0);
    // What recovery keeps is exactly what the inspection says it keeps.
    expect(rows(s.db)).toBe(20 - r.lostCommits);
  });

  it('takes a log cut in the middle of a frame (a torn write) as an unfinished tail, not a loss', () => {
    const s = crashedStore();
    const size = readFileSync(s.wal).length;
    truncateSync(s.wal, size - 1000);
    const r = inspectWal(s.wal)!;
    expect(r.stop?.why).toBe('cut');
    expect(r.lostCommits).toBe(0);
    expect(rows(s.db)).toBe(r.commits);
  });

  it('returns null when there is no log', () => {
    expect(inspectWal(join(dir, 'none.db-wal'))).toBeNull();
  });
});
