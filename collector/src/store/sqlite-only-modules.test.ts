/**
 * SQLITE_ONLY_MODULES says which source files still reach the raw SQLite handle; while it is not
 * empty `serve --database postgres://…` refuses to start. This keeps it equal to the source: a file
 * converted to Kysely (or a new raw use) makes this fail until the list says so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SQLITE_ONLY_MODULES } from './open-relational-store.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The raw handle, a function taking it, or the SQLite-only transaction helpers of `Database`. */
const RAW_SQLITE = /\b(db|database)\.sqlite\b|SqliteHandle|\.writeTransaction\(|\.writeLock\(/;
/**
 * Files that are SQLite by nature, not blockers: the SQLite store itself and its tools, the SQLite
 * metric store and ingest writer (chosen only for a SQLite store), app.ts (its SQLite start-up
 * checks run only on a SQLite store), and the CLI commands that read a SQLite file offline
 * (`store check`, `audit verify`), which `serve` does not run.
 */
const SQLITE_BY_NATURE = new Set([
  'app.ts',
  'audit/verify.ts',
  'cli/main.ts',
  'ingest/sqlite-ingest-writer.ts',
  'store/database.ts',
  'store/integrity.ts',
  'store/open-relational-store.ts',
  'store/sqlite-metric-store.ts',
  'store/wal-inspect.ts',
]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

describe('modules that keep the collector off PostgreSQL', () => {
  it('are exactly the source files still using the raw SQLite handle', () => {
    const found = sources(SRC)
      .map((f) => relative(SRC, f).split('\\').join('/'))
      .filter((f) => !SQLITE_BY_NATURE.has(f) && RAW_SQLITE.test(readFileSync(join(SRC, f), 'utf8')))
      .sort();
    expect([...SQLITE_ONLY_MODULES].sort()).toEqual(found);
  });
});
