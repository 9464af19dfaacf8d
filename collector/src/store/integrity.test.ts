import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quickCheck, RunMarker } from './integrity.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-integrity-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Two tables of a few hundred pages each; returns a leaf page of `victim` (a table or an index) to spoil. */
function storeWithPages(path: string, victim: string): { page: number; pageSize: number } {
  const db = new BetterSqlite3(path);
  db.exec(
    'CREATE TABLE samples (device_id INTEGER, ts INTEGER, v REAL, PRIMARY KEY (device_id, ts)) WITHOUT ROWID; CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); CREATE INDEX notes_body ON notes (body)',
  );
  const s = db.prepare('INSERT INTO samples VALUES (?, ?, ?)');
  const n = db.prepare('INSERT INTO notes (body) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < 20_000; i++) s.run(i % 50, i, Math.random());
    for (let i = 0; i < 2_000; i++) n.run(`note ${i} ${'x'.repeat(100)}`);
  })();
  const page = (db.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 3").get(victim) as { pageno: number })
    .pageno;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  return { page, pageSize };
}

function spoil(path: string, page: number, pageSize: number): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, (page - 1) * pageSize + 8); // over the cell pointers of a b-tree page
  } finally {
    closeSync(fd);
  }
}

describe('store check (quick_check)', () => {
  it('finds nothing in a sound store', () => {
    const path = join(dir, 'ok.db');
    storeWithPages(path, 'samples');
    const db = new BetterSqlite3(path);
    expect(quickCheck(db)).toEqual({ problems: [], damagedTables: [] });
    db.close();
  });

  it.each([
    ['a table page', 'samples', 'samples'],
    ['an index page (told as its table)', 'notes_body', 'notes'],
  ])('places a damaged %s in its table', (_what, victim, table) => {
    const path = join(dir, 'damaged.db');
    const { page, pageSize } = storeWithPages(path, victim);
    spoil(path, page, pageSize);
    const db = new BetterSqlite3(path);
    const r = quickCheck(db);
    db.close();
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.damagedTables).toContain(table);
    expect(r.damagedTables.filter((t) => t !== table && t !== '*')).toEqual([]);
  });
});

describe('run marker', () => {
  it('tells an unclean stop (marker left) from a clean one (marker cleared)', () => {
    const db = join(dir, 'vigie.db');
    const first = new RunMarker(db, 1);
    expect(first.foundAtStart).toBe(false);
    expect(first.set()).toBeNull();
    // Killed: the marker stays.
    expect(new RunMarker(db, 1).foundAtStart).toBe(true);
    expect(new RunMarker(db, 2).foundAtStart).toBe(false); // each worker has its own
    first.clear();
    expect(existsSync(first.path)).toBe(false);
    expect(new RunMarker(db, 1).foundAtStart).toBe(false);
  });
});
