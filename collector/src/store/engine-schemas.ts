import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.js';

/** A column as both engines can describe it: its type family and whether it takes NULL. */
export interface ColumnShape {
  family: 'integer' | 'text' | 'real' | 'blob';
  nullable: boolean;
}
/** table → column → shape, tables of Kysely's own bookkeeping left out. */
export type SchemaShape = Record<string, Record<string, ColumnShape>>;

function family(declared: string): ColumnShape['family'] {
  const t = declared.toLowerCase();
  if (/^(integer|bigint|smallint)$/.test(t)) return 'integer';
  if (/^(text|character varying)$/.test(t)) return 'text';
  if (/^(real|double precision)$/.test(t)) return 'real';
  if (/^(blob|bytea)$/.test(t)) return 'blob';
  throw new Error(`column type ${declared} has no family`);
}

function toShape(columns: { tbl: string; name: string; type: string; nullable: boolean }[]): SchemaShape {
  const shape: SchemaShape = {};
  for (const c of columns) {
    const table = shape[c.tbl] ?? {};
    table[c.name] = { family: family(c.type), nullable: c.nullable };
    shape[c.tbl] = table;
  }
  return shape;
}

/**
 * SQLite's tables and columns. A primary key column counts as NOT NULL: the application never
 * stores NULL there, and PostgreSQL enforces it (SQLite only does for INTEGER PRIMARY KEY).
 */
export async function sqliteShape(db: Kysely<DB>): Promise<SchemaShape> {
  const rows = await sql<{ tbl: string; name: string; type: string; notnull: number; pk: number }>`
    SELECT m.name AS tbl, c.name, c.type, c."notnull", c.pk FROM sqlite_master m, pragma_table_info(m.name) c
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'kysely_%'`.execute(db);
  return toShape(rows.rows.map((r) => ({ tbl: r.tbl, name: r.name, type: r.type, nullable: r.notnull === 0 && r.pk === 0 })));
}

export async function postgresShape(db: Kysely<DB>): Promise<SchemaShape> {
  const rows = await sql<{ tbl: string; name: string; type: string; is_nullable: string }>`
    SELECT table_name AS tbl, column_name AS name, data_type AS type, is_nullable FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely_%'`.execute(db);
  return toShape(rows.rows.map((r) => ({ tbl: r.tbl, name: r.name, type: r.type, nullable: r.is_nullable === 'YES' })));
}

/** Named indexes and triggers (SQLite's automatic indexes for UNIQUE/PRIMARY KEY have no name of ours). */
export async function sqliteObjects(db: Kysely<DB>): Promise<{ indexes: string[]; triggers: string[] }> {
  const rows = await sql<{ type: string; name: string }>`SELECT type, name FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL`.execute(
    db,
  );
  return {
    indexes: rows.rows.filter((r) => r.type === 'index').map((r) => r.name),
    triggers: rows.rows.filter((r) => r.type === 'trigger').map((r) => r.name),
  };
}

export async function postgresObjects(db: Kysely<DB>): Promise<{ indexes: string[]; triggers: string[] }> {
  const indexes = await sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'`.execute(db);
  const triggers = await sql<{ name: string }>`SELECT DISTINCT trigger_name AS name FROM information_schema.triggers WHERE trigger_schema = 'public'`.execute(
    db,
  );
  return { indexes: indexes.rows.map((r) => r.name), triggers: triggers.rows.map((r) => r.name) };
}
