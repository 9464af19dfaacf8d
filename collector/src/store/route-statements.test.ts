import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Route files reach the store only through repositories and services, whose reads hold the write
// lock and whose writes are transactions: a statement run from a route on the shared connection
// lands inside whatever transaction another request has open there, and is rolled back with it.

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Direct use of the store: the better-sqlite3 handle, a prepared statement, Kysely or raw SQL. */
const DIRECT = [
  { what: 'the better-sqlite3 handle', re: /\.sqlite\b/ },
  { what: 'a prepared statement', re: /\.prepare\s*\(/ },
  { what: 'a statement run', re: /\.run\s*\(/ },
  { what: 'raw SQL executed', re: /\.exec\s*\(/ },
  { what: 'Kysely', re: /\.kysely\b|\b(insertInto|updateTable|deleteFrom|replaceInto|mergeInto|selectFrom)\s*\(/ },
  { what: 'a transaction', re: /\.transaction\s*\(|\bwriteLock\s*\(|\bwriteTransaction\s*\(/ },
  { what: 'SQL text', re: /\bsql`|\b(SELECT|INSERT|UPDATE|DELETE)\s+(\*|INTO|FROM|[a-z_]+\s+SET)\b/ },
];

export function directStatements(source: string): string[] {
  const found: string[] = [];
  for (const [i, line] of source.split('\n').entries()) {
    if (/^\s*(\/\/|\*)/.test(line)) continue;
    for (const d of DIRECT) if (d.re.test(line)) found.push(`${i + 1}: ${d.what}: ${line.trim()}`);
  }
  return found;
}

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return routeFiles(path);
    return /^(routes|.+-routes)\.ts$/.test(e.name) ? [path] : [];
  });
}

describe('route files', () => {
  const files = routeFiles(SRC);

  it('are found (every domain has one)', () => {
    expect(files.length).toBeGreaterThanOrEqual(14);
    expect(files.map((f) => relative(SRC, f))).toEqual(expect.arrayContaining(['incidents/routes.ts', 'billing/routes.ts', 'auth/users-routes.ts']));
  });

  it.each(files.map((f) => [relative(SRC, f), f]))('%s runs no statement of its own', (_name, file) => {
    expect(directStatements(readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('the check sees what the rule and maintenance-window routes used to do', () => {
    const before = `
      const r = db.sqlite
        .prepare('INSERT INTO rules (name, type, severity, enabled, params, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(b.name, b.type, b.severity, 1, JSON.stringify(b.params), Date.now());
      if (db.sqlite.prepare('DELETE FROM maintenance_windows WHERE id = ?').run(req.params.id).changes === 0) throw new VigieError('NOT_FOUND');
      await db.kysely.insertInto('rules').values(row).execute();`;
    expect(directStatements(before).map((f) => f.split(':')[0])).toEqual(['2', '3', '3', '4', '5', '5', '5', '5', '6']);
  });
});
