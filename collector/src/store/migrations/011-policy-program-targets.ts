import { type Kysely, sql } from 'kysely';
import { AUDIT_GENESIS, type AuditContent, auditHash } from '../../audit/chain.js';
import { PROGRAM_TARGET_REMOVED, programTargetNotice, withoutProgramTargets } from '../../policies/program-targets.js';

interface PolicyRow {
  scope: 'client' | 'site' | 'device';
  scope_id: number;
  body: string;
  version: number;
}

/**
 * Stored policies written before issue 16 may hold backup targets that name a program
 * (`{kind: 'command', command, args}`): agents refuse such a policy's backup part as a whole. Each
 * such target is taken out (the other targets stay), the policy gets a new version (agents receive
 * it at their next hello), and the removal is appended to the hash-chained audit log with a notice
 * for staff, in French and English, that the policy's page shows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const rows = (await sql<PolicyRow>`SELECT scope, scope_id, body, version FROM policies ORDER BY scope, scope_id`.execute(db)).rows;
  const now = Date.now();
  for (const row of rows) {
    let overrides: Record<string, unknown>;
    try {
      overrides = JSON.parse(row.body) as Record<string, unknown>;
    } catch {
      continue; // not JSON: nothing this migration can read or fix (the policy service reports it)
    }
    const { overrides: kept, removed } = withoutProgramTargets(overrides);
    if (removed.length === 0) continue;
    await sql`UPDATE policies SET body = ${JSON.stringify(kept)}, version = ${row.version + 1}, updated_at = ${now}, updated_by = NULL
              WHERE scope = ${row.scope} AND scope_id = ${row.scope_id}`.execute(db);
    const clientId =
      row.scope === 'client'
        ? row.scope_id
        : ((
            await sql<{ client_id: number }>`SELECT client_id FROM ${sql.table(row.scope === 'site' ? 'sites' : 'devices')} WHERE id = ${row.scope_id}`.execute(
              db,
            )
          ).rows[0]?.client_id ?? null);
    const last = (await sql<{ hash: string }>`SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`.execute(db)).rows[0];
    const prev = last?.hash ?? AUDIT_GENESIS;
    const entry: AuditContent = {
      at: now,
      actor: 'system:migration',
      action: PROGRAM_TARGET_REMOVED,
      target: `${row.scope}:${row.scope_id}`,
      details: JSON.stringify({ removed, version: row.version + 1, notice: programTargetNotice(removed) }),
      clientId,
      deviceId: row.scope === 'device' ? row.scope_id : null,
      result: 'ok',
    };
    const hash = auditHash(prev, entry);
    await sql`INSERT INTO audit_log (at, actor, action, target, details, client_id, device_id, result, prev_hash, hash)
              VALUES (${entry.at}, ${entry.actor}, ${entry.action}, ${entry.target}, ${entry.details}, ${entry.clientId}, ${entry.deviceId}, ${entry.result}, ${prev}, ${hash})`.execute(
      db,
    );
  }
}
