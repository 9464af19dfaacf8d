import { MAX_GRANT_LIFETIME_MS } from '@vigie/shared';
import { appendAudit, refreshAuditHead } from '../audit/repository.js';
import type { Database } from '../store/database.js';
import { type EnvelopeDraft, signEnvelope } from './signer.js';
import type { PublicSigningKey, SigningKeys } from './signing-keys.js';

/**
 * Rotates the provider key: a new key pair, and for every agent a `key-rotate` envelope carrying
 * the new public key, signed by the old one (the only key the agent trusts), queued like any
 * command (an offline agent gets it when it returns, within 30 days). Commands queued before keep
 * their old signature and are delivered first, in order. Standing grants are signed again.
 */
export async function rotateSigningKey(
  db: Database,
  keys: SigningKeys,
  by: { userId: number | null; name: string },
  now = Date.now(),
): Promise<{ previous: PublicSigningKey; next: PublicSigningKey; agents: string[] }> {
  const { previous, next } = keys.rotate(now);
  const agents = await db.writeTransaction(() => {
    const rows = db.sqlite
      .prepare(
        'SELECT a.id AS agentId, d.id AS deviceId, d.client_id AS clientId FROM agents a JOIN devices d ON d.id = a.device_id WHERE a.revoked_at IS NULL',
      )
      .all() as { agentId: string; deviceId: number; clientId: number }[];
    const insert = db.sqlite.prepare(
      `INSERT INTO commands (id, run_id, client_id, device_id, agent_id, action, script_version_id, args, key_id, envelope, signature, nonce, state,
         created_at, not_before, expires_at, issued_by, session_id) VALUES (?, NULL, ?, ?, ?, 'key-rotate', NULL, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, NULL)`,
    );
    const args = { newKeyId: next.keyId, newPublicKey: next.publicKey };
    for (const r of rows) {
      const draft = {
        action: 'key-rotate',
        args,
        clientId: r.clientId,
        deviceId: r.deviceId,
        agentId: r.agentId,
        notBefore: now,
        expiresAt: now + MAX_GRANT_LIFETIME_MS,
        issuedBy: { userId: by.userId ?? 0, name: by.name },
      } as EnvelopeDraft;
      const s = signEnvelope(keys, draft, { keyId: previous.keyId, now });
      insert.run(
        s.commandId,
        r.clientId,
        r.deviceId,
        r.agentId,
        JSON.stringify(args),
        s.keyId,
        s.envelope,
        s.signature,
        s.nonce,
        now,
        now,
        now + MAX_GRANT_LIFETIME_MS,
        by.userId,
      );
    }
    db.sqlite.prepare('DELETE FROM policy_grants').run();
    appendAudit(
      db.sqlite,
      by.userId !== null ? `user:${by.userId}` : `cli:${by.name}`,
      'key.rotate',
      `signing-key:${next.keyId}`,
      { previous: previous.keyId, next: next.keyId, agents: rows.length },
      { result: 'ok' },
      now,
    );
    return rows.map((r) => r.agentId);
  });
  refreshAuditHead(db);
  return { previous, next, agents };
}
