/**
 * `serve --database <path | postgres://…>` / VIGIE_DATABASE_URL: a bad URL is refused with its code,
 * French then English, without the password, before anything is created; a good PostgreSQL URL is
 * refused too (VIGIE_E_DATABASE_ENGINE_NOT_READY) while modules still need the SQLite store, and
 * leaves the database untouched. Against a real PostgreSQL (Debian's `postgresql`, started here).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Postgres, startPostgres } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseTarget } from '../src/store/database-target.js';
import { assertServableOn, SQLITE_ONLY_MODULES } from '../src/store/open-relational-store.js';

const COLLECTOR_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'vigie-collector.mjs');
let root: string;
let postgres: Postgres;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'vigie-database-'));
  postgres = await startPostgres({ fast: true });
});
afterAll(async () => {
  await postgres?.stop();
  rmSync(root, { recursive: true, force: true });
});

function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [COLLECTOR_BIN, 'serve', '--port', '0', ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, text: (stdout + stderr).replaceAll('\u00a0', ' ') }),
    );
  });
}

describe('serve --database', () => {
  it('refuses a PostgreSQL URL without a database name: VIGIE_E_DATABASE_URL_INVALID, French then English, no password, nothing created', async () => {
    const dataDir = join(root, 'bad-url');
    const out = await serve(['--data-dir', dataDir, '--database', 'postgres://vigie:hunter2@db.example:5432/']);
    expect(out.code).not.toBe(0);
    expect(out.text).toMatch(
      /VIGIE_E_DATABASE_URL_INVALID: --database : il manque le nom de la base \(le chemin de l’URL\) ; attendu postgres:\/\/utilisateur@hôte:port\/base\n--database: the database name \(the URL path\) is missing; expected postgres:\/\/user@host:port\/database/,
    );
    expect(out.text).not.toContain('hunter2');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('reads VIGIE_DATABASE_URL, and refuses a scheme that is neither a file nor PostgreSQL', async () => {
    const dataDir = join(root, 'mysql');
    const out = await serve(['--data-dir', dataDir], { VIGIE_DATABASE_URL: 'mysql://root:hunter2@db.example/vigie' });
    expect(out.code).not.toBe(0);
    expect(out.text).toContain('VIGIE_E_DATABASE_URL_INVALID: --database : schéma « mysql:// » inconnu');
    expect(out.text).toContain('--database: unknown scheme "mysql://"; expected a SQLite file path or postgres://user@host:port/database');
    expect(out.text).not.toContain('hunter2');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses a reachable PostgreSQL while modules still need SQLite, naming them, and leaves the database and data folder untouched', async () => {
    expect(SQLITE_ONLY_MODULES.length).toBeGreaterThan(0); // this test's premise: when it is empty, serve starts instead
    const url = await postgres.createDatabase('vigie_serve');
    const withPassword = url.replace('postgres@', 'postgres:hunter2@');
    const dataDir = join(root, 'pg');
    const tables = () => postgres.psql("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')", 'vigie_serve');
    expect(tables()).toEqual(['0']);
    const out = await serve(['--data-dir', dataDir], { VIGIE_DATABASE_URL: withPassword });
    expect(out.code).not.toBe(0);
    expect(out.text).toContain(
      `VIGIE_E_DATABASE_ENGINE_NOT_READY: --database postgres://postgres@127.0.0.1:${postgres.port}/vigie_serve : ce collecteur ne fonctionne pas encore sur PostgreSQL`,
    );
    expect(out.text).toMatch(/this collector cannot serve on PostgreSQL yet: \d+ file\(s\) still use the SQLite store directly, in [a-z]+/);
    expect(out.text).not.toContain('hunter2');
    expect(tables()).toEqual(['0']);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('lets PostgreSQL through once no module needs SQLite, and a SQLite path always', () => {
    const pg = parseDatabaseTarget(postgres.url('vigie_serve'));
    expect(() => assertServableOn(pg, ['billing/invoices/service.ts'])).toThrow(/DATABASE_ENGINE_NOT_READY|PostgreSQL/);
    expect(() => assertServableOn(pg, [])).not.toThrow();
    expect(() => assertServableOn(parseDatabaseTarget(join(root, 'v.db')))).not.toThrow();
  });
});
