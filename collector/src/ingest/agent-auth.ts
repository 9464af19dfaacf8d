import { createHash, timingSafeEqual } from 'node:crypto';
import { parseAgentCredential } from '@vigie/shared';
import type { RelationalStore } from '../store/relational-store.js';

export interface AgentIdentity {
  agentId: string;
  deviceId: number;
  clientId: number;
  siteId: number;
  lastSeq: number;
  inventoryHash: string | null;
}

export type AgentAuthResult = { ok: true; agent: AgentIdentity } | { ok: false; key: 'AGENT_AUTH_REQUIRED' | 'AGENT_BAD_CREDENTIAL' | 'AGENT_REVOKED' };

/** Agent secrets are 256-bit random values, so a plain SHA-256 is the right hash (no stretching needed). */
export function hashAgentSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Checks an `Authorization: Bearer <agentId>.<secret>` header; the identity comes from the credential only. */
export async function authenticateAgent(db: RelationalStore, header: string | undefined): Promise<AgentAuthResult> {
  const cred = parseAgentCredential(header);
  if (!header) return { ok: false, key: 'AGENT_AUTH_REQUIRED' };
  if (!cred) return { ok: false, key: 'AGENT_BAD_CREDENTIAL' };
  const row = await db.kysely
    .selectFrom('agents as a')
    .innerJoin('devices as d', 'd.id', 'a.device_id')
    .select(['a.id', 'a.secret_hash', 'a.revoked_at', 'a.device_id', 'a.last_seq', 'd.client_id', 'd.site_id', 'd.inventory_hash'])
    .where('a.id', '=', cred.agentId)
    .executeTakeFirst();
  const given = Buffer.from(hashAgentSecret(cred.secret), 'hex');
  // Compare against a dummy when the agent is unknown, so timing does not reveal which ids exist.
  const stored = Buffer.from(row?.secret_hash ?? '0'.repeat(64), 'hex');
  const match = stored.length === given.length && timingSafeEqual(stored, given);
  if (!row || !match) return { ok: false, key: 'AGENT_BAD_CREDENTIAL' };
  if (row.revoked_at !== null) return { ok: false, key: 'AGENT_REVOKED' };
  return {
    ok: true,
    agent: {
      agentId: row.id,
      deviceId: row.device_id,
      clientId: row.client_id,
      siteId: row.site_id,
      lastSeq: Number(row.last_seq),
      inventoryHash: row.inventory_hash,
    },
  };
}
