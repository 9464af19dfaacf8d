import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { createMigrator, Database } from './database.js';
import { recordSchemaSteps, type SchemaStep } from './sqlite-schema-steps.js';
import { type MigrationStatements, recordMigrationStatements } from './sqlite-statements-log.js';

/**
 * Installations have run these migrations on SQLite: what they create there must never change, byte
 * for byte, whatever is added for other engines. The fixture was recorded once, with this same
 * recorder, from the migrations on `main` at commit fa624b9 (before PostgreSQL support), on a fresh
 * file: per migration, every `sqlite_master` object it created or whose text it changed.
 * Migrations added after that commit are applied too and left out of the comparison.
 */
const FROZEN: SchemaStep[] = JSON.parse(readFileSync(join(import.meta.dirname, 'testdata', 'sqlite-schema-main-fa624b9.json'), 'utf8'));

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

test('every released migration leaves in sqlite_master exactly the SQL text it left on main at fa624b9', async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-frozen-'));
  const db = new Database({ path: join(dir, 'vigie.db') });
  try {
    const steps = await recordSchemaSteps(db.kysely, createMigrator(db.kysely, 'sqlite'));
    const byName = new Map(steps.map((s) => [s.migration, s.objects]));
    expect(FROZEN.length).toBe(24);
    for (const frozen of FROZEN) {
      expect(byName.has(frozen.migration), `${frozen.migration} ran`).toBe(true);
      expect(byName.get(frozen.migration), frozen.migration).toEqual(frozen.objects);
    }
  } finally {
    await db.close();
  }
});

/**
 * The same for everything each migration sends to SQLite, backfills included (they run on a fresh
 * database too): its ordered SQL texts, recorded once with this recorder from main at fa624b9.
 */
const FROZEN_STATEMENTS: MigrationStatements[] = JSON.parse(
  readFileSync(join(import.meta.dirname, 'testdata', 'sqlite-migration-statements-main-fa624b9.json'), 'utf8'),
);

test('each released migration sends SQLite exactly the statements it sent on main at fa624b9, in the same order', async () => {
  const steps = await recordMigrationStatements((db) => createMigrator(db, 'sqlite'));
  const byName = new Map(steps.map((s) => [s.migration, s.statements]));
  expect(FROZEN_STATEMENTS.length).toBe(24);
  for (const frozen of FROZEN_STATEMENTS) {
    expect(byName.has(frozen.migration), `${frozen.migration} ran`).toBe(true);
    expect(byName.get(frozen.migration), frozen.migration).toEqual(frozen.statements);
  }
});
