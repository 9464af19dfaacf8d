import { type Kysely, sql } from 'kysely';
import { AUDIT_GENESIS, auditHash } from '../../audit/chain.js';
import type { MigrationEngine } from './engine.js';
import { type EngineStatement, postgresRefusal, runStatements } from './sql-for-engine.js';

const APPEND_ONLY = 'VIGIE_IMMUTABLE: the audit log is append-only';
const CHAIN = 'VIGIE_IMMUTABLE: an audit entry must extend the chain';
const VERSION_FROZEN = 'VIGIE_IMMUTABLE: a script version never changes: add a new version';
const APPROVED_ONCE = 'VIGIE_IMMUTABLE: this version is already approved';
const VERSION_KEPT = 'VIGIE_IMMUTABLE: a script version is kept for the audit trail';
const FROZEN_COLUMNS = 'script_id, version, language, content, sha256, params, timeout_sec';

/**
 * Remote intervention (issue 16): the audit log becomes append-only and hash-chained (existing
 * entries are chained in id order first); the script library (immutable versions, approved once);
 * per-client `remote` permissions; TOTP second factor, recovery codes and session step-ups; command
 * runs and commands (the signed envelope as sent, delivery state, result, capped output); standing
 * grants for scripts a policy names; remote sessions from a ticket.
 */
const STATEMENTS = [
  'ALTER TABLE audit_log ADD COLUMN client_id INTEGER',
  'ALTER TABLE audit_log ADD COLUMN device_id INTEGER',
  'ALTER TABLE audit_log ADD COLUMN result TEXT',
  'ALTER TABLE audit_log ADD COLUMN prev_hash TEXT',
  'ALTER TABLE audit_log ADD COLUMN hash TEXT',
];
const AFTER_BACKFILL: (string | EngineStatement)[] = [
  'CREATE INDEX audit_log_client ON audit_log (client_id, id)',
  {
    sqlite: `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY}'); END`,
    postgres: postgresRefusal({ name: 'audit_log_no_update', table: 'audit_log', event: 'UPDATE', message: APPEND_ONLY }),
  },
  {
    sqlite: `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY}'); END`,
    postgres: postgresRefusal({ name: 'audit_log_no_delete', table: 'audit_log', event: 'DELETE', message: APPEND_ONLY }),
  },
  {
    sqlite: `CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
     WHEN NEW.hash IS NULL OR NEW.prev_hash IS NOT COALESCE((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '${AUDIT_GENESIS}')
     BEGIN SELECT RAISE(ABORT, '${CHAIN}'); END`,
    postgres: postgresRefusal({
      name: 'audit_log_chain',
      table: 'audit_log',
      event: 'INSERT',
      when: `NEW.hash IS NULL OR NEW.prev_hash IS DISTINCT FROM COALESCE((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '${AUDIT_GENESIS}')`,
      message: CHAIN,
    }),
  },

  `CREATE TABLE scripts (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL UNIQUE,
     description TEXT NOT NULL DEFAULT '',
     created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL)`,
  `CREATE TABLE script_versions (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     script_id INTEGER NOT NULL REFERENCES scripts(id),
     version INTEGER NOT NULL,
     language TEXT NOT NULL CHECK (language IN ('sh', 'bash', 'zsh', 'powershell')),
     content TEXT NOT NULL,
     sha256 TEXT NOT NULL,
     params TEXT NOT NULL,
     timeout_sec INTEGER NOT NULL,
     notes TEXT NOT NULL DEFAULT '',
     created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL,
     approved_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     approved_at INTEGER,
     UNIQUE (script_id, version))`,
  'CREATE INDEX script_versions_sha ON script_versions (sha256)',
  {
    sqlite: `CREATE TRIGGER script_versions_frozen BEFORE UPDATE OF ${FROZEN_COLUMNS} ON script_versions
     BEGIN SELECT RAISE(ABORT, '${VERSION_FROZEN}'); END`,
    postgres: postgresRefusal({ name: 'script_versions_frozen', table: 'script_versions', event: 'UPDATE', of: FROZEN_COLUMNS, message: VERSION_FROZEN }),
  },
  {
    sqlite: `CREATE TRIGGER script_versions_approved_once BEFORE UPDATE OF approved_by, approved_at ON script_versions WHEN OLD.approved_at IS NOT NULL
     BEGIN SELECT RAISE(ABORT, '${APPROVED_ONCE}'); END`,
    postgres: postgresRefusal({
      name: 'script_versions_approved_once',
      table: 'script_versions',
      event: 'UPDATE',
      of: 'approved_by, approved_at',
      when: 'OLD.approved_at IS NOT NULL',
      message: APPROVED_ONCE,
    }),
  },
  {
    sqlite: `CREATE TRIGGER script_versions_no_delete BEFORE DELETE ON script_versions
     BEGIN SELECT RAISE(ABORT, '${VERSION_KEPT}'); END`,
    postgres: postgresRefusal({ name: 'script_versions_no_delete', table: 'script_versions', event: 'DELETE', message: VERSION_KEPT }),
  },

  `CREATE TABLE remote_permissions (
     user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
     granted_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     granted_at INTEGER NOT NULL,
     PRIMARY KEY (user_id, client_id))`,
  `CREATE TABLE user_totp (
     user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
     secret_enc TEXT,
     pending_enc TEXT,
     pending_at INTEGER,
     enabled_at INTEGER,
     last_step INTEGER NOT NULL DEFAULT 0)`,
  `CREATE TABLE user_recovery_codes (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     code_hash TEXT NOT NULL,
     used_at INTEGER)`,
  'CREATE INDEX user_recovery_codes_user ON user_recovery_codes (user_id)',
  `CREATE TABLE session_step_ups (
     session_id_hash TEXT PRIMARY KEY REFERENCES sessions(id_hash) ON DELETE CASCADE,
     at INTEGER NOT NULL)`,

  `CREATE TABLE device_selections (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL,
     device_ids TEXT NOT NULL,
     created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL)`,
  `CREATE TABLE command_runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     action TEXT NOT NULL,
     target_kind TEXT NOT NULL CHECK (target_kind IN ('device', 'site', 'client', 'selection')),
     target_id INTEGER NOT NULL,
     script_version_id INTEGER REFERENCES script_versions(id),
     args TEXT NOT NULL,
     concurrency INTEGER NOT NULL CHECK (concurrency >= 1),
     session_id INTEGER,
     created_by INTEGER NOT NULL REFERENCES users(id),
     created_at INTEGER NOT NULL)`,
  `CREATE TABLE commands (
     id TEXT PRIMARY KEY,
     run_id INTEGER REFERENCES command_runs(id),
     client_id INTEGER NOT NULL REFERENCES clients(id),
     device_id INTEGER NOT NULL REFERENCES devices(id),
     agent_id TEXT NOT NULL,
     action TEXT NOT NULL,
     script_version_id INTEGER REFERENCES script_versions(id),
     args TEXT NOT NULL,
     key_id TEXT NOT NULL,
     envelope TEXT NOT NULL,
     signature TEXT NOT NULL,
     nonce TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'running', 'succeeded', 'failed', 'refused', 'expired', 'cancelled')),
     created_at INTEGER NOT NULL,
     not_before INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     sent_at INTEGER,
     acked_at INTEGER,
     finished_at INTEGER,
     exit_code INTEGER,
     duration_ms INTEGER,
     timed_out INTEGER NOT NULL DEFAULT 0,
     output TEXT NOT NULL DEFAULT '',
     output_bytes INTEGER NOT NULL DEFAULT 0,
     truncated INTEGER NOT NULL DEFAULT 0,
     error_code TEXT,
     error_message TEXT,
     issued_by INTEGER REFERENCES users(id),
     session_id INTEGER)`,
  'CREATE INDEX commands_delivery ON commands (agent_id, state, created_at)',
  'CREATE INDEX commands_client ON commands (client_id, created_at)',
  'CREATE INDEX commands_device ON commands (device_id, created_at)',
  'CREATE INDEX commands_run ON commands (run_id, state)',
  `CREATE TABLE policy_grants (
     device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
     grant_key TEXT NOT NULL,
     command_id TEXT NOT NULL UNIQUE,
     script_version_id INTEGER NOT NULL REFERENCES script_versions(id),
     key_id TEXT NOT NULL,
     envelope TEXT NOT NULL,
     signature TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     state TEXT NOT NULL DEFAULT 'signed',
     created_at INTEGER NOT NULL,
     PRIMARY KEY (device_id, grant_key))`,
  `CREATE TABLE remote_sessions (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     ticket_id INTEGER NOT NULL REFERENCES tickets(id),
     client_id INTEGER NOT NULL REFERENCES clients(id),
     device_id INTEGER NOT NULL REFERENCES devices(id),
     user_id INTEGER NOT NULL REFERENCES users(id),
     started_at INTEGER NOT NULL,
     ended_at INTEGER,
     state TEXT NOT NULL CHECK (state IN ('open', 'ended', 'confirmed', 'discarded')),
     quote TEXT,
     intervention_id INTEGER,
     created_at INTEGER NOT NULL)`,
  'CREATE INDEX remote_sessions_ticket ON remote_sessions (ticket_id)',
];

interface OldRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  details: string | null;
}

export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, STATEMENTS);
  // Entries written before the chain existed are chained now, in order (their content unchanged).
  const rows = (await sql<OldRow>`SELECT id, at, actor, action, target, details FROM audit_log ORDER BY id`.execute(db)).rows;
  let prev = AUDIT_GENESIS;
  for (const r of rows) {
    const hash = auditHash(prev, {
      at: r.at,
      actor: r.actor,
      action: r.action,
      target: r.target,
      details: r.details,
      clientId: null,
      deviceId: null,
      result: null,
    });
    await sql`UPDATE audit_log SET prev_hash = ${prev}, hash = ${hash} WHERE id = ${r.id}`.execute(db);
    prev = hash;
  }
  await runStatements(db, engine, AFTER_BACKFILL);
}
