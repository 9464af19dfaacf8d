import { MAX_GRANT_LIFETIME_MS } from '@vigie/shared';
import { appendAuditInTransaction } from '../audit/repository.js';
import type { RelationalStore } from '../store/relational-store.js';
import { type EnvelopeDraft, signEnvelope } from './signer.js';
import type { PublicSigningKey, SigningKeys } from './signing-keys.js';

/**
 * Rotates the provider key: a new key pair, and for every agent a `key-rotate` envelope carrying
 * the new public key, signed by the old one (the only key the agent trusts), queued like any
 * command (an offline agent gets it when it returns, within 30 days). Commands queued before keep
 * their old signature and are delivered first, in order (queue order). Standing grants are signed
 * again. The caller refreshes the audit head afterwards and announces the queued agents.
 */
export async function rotateSigningKey(
  db: RelationalStore,
  keys: SigningKeys,
  by: { userId: number | null; name: string },
  now = Date.now(),
): Promise<{ previous: PublicSigningKey; next: PublicSigningKey; agents: string[] }> {
  const { previous, next } = keys.rotate(now);
  const agents = await db.kysely.transaction().execute(async (tx) => {
    const rows = await tx
      .selectFrom('agents as a')
      .innerJoin('devices as d', 'd.id', 'a.device_id')
      .select(['a.id as agentId', 'd.id as deviceId', 'd.client_id as clientId'])
      .where('a.revoked_at', 'is', null)
      .orderBy('d.id')
      .orderBy('a.id')
      .execute();
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
      await tx
        .insertInto('commands')
        .values({
          id: s.commandId,
          run_id: null,
          client_id: r.clientId,
          device_id: r.deviceId,
          agent_id: r.agentId,
          action: 'key-rotate',
          script_version_id: null,
          args: JSON.stringify(args),
          key_id: s.keyId,
          envelope: s.envelope,
          signature: s.signature,
          nonce: s.nonce,
          state: 'queued',
          created_at: now,
          not_before: now,
          expires_at: now + MAX_GRANT_LIFETIME_MS,
          issued_by: by.userId,
          session_id: null,
        })
        .execute();
    }
    await tx.deleteFrom('policy_grants').execute();
    await appendAuditInTransaction(
      tx,
      db.dialect,
      by.userId !== null ? `user:${by.userId}` : `cli:${by.name}`,
      'key.rotate',
      `signing-key:${next.keyId}`,
      { previous: previous.keyId, next: next.keyId, agents: rows.length },
      { result: 'ok' },
      now,
    );
    return rows.map((r) => r.agentId);
  });
  return { previous, next, agents };
}
