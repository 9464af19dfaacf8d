import type { CommandEnvelope } from '@vigie/shared';
import type { Transaction } from 'kysely';
import { appendAuditInTransaction } from '../audit/repository.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';
import { type EnvelopeDraft, signEnvelope } from './signer.js';
import type { SigningKeys } from './signing-keys.js';

export interface SystemCommand {
  device: { clientId: number; deviceId: number; agentId: string };
  action: Extract<CommandEnvelope['action'], 'patch-install' | 'agent-update'>;
  args: Record<string, unknown>;
  lifetimeMs: number;
  /** Who it is issued for: the approving user, or 0 and a name for the collector's own schedules (policy, rollout). */
  issuedBy: { userId: number | null; name: string };
  /** The audit entry's actor: `user:12`, `system:patches`, `system:updates`. */
  actor: string;
  details?: Record<string, unknown>;
}

/**
 * Queues one signed command for one agent, inside the caller's Kysely transaction (either engine): signed once,
 * stored exactly as signed, audited. Delivery (in order, when the agent is connected, never after
 * its expiry) is the commands domain's, as for any other command; the caller publishes the agent
 * id once its transaction committed.
 */
export async function queueSignedCommand(
  tx: Transaction<DB>,
  dialect: RelationalStore['dialect'],
  keys: SigningKeys,
  c: SystemCommand,
  now = Date.now(),
): Promise<string> {
  const draft = {
    action: c.action,
    args: c.args,
    clientId: c.device.clientId,
    deviceId: c.device.deviceId,
    agentId: c.device.agentId,
    notBefore: now,
    expiresAt: now + c.lifetimeMs,
    issuedBy: { userId: c.issuedBy.userId ?? 0, name: c.issuedBy.name },
  } as EnvelopeDraft;
  const s = signEnvelope(keys, draft, { now });
  await tx
    .insertInto('commands')
    .values({
      id: s.commandId,
      run_id: null,
      client_id: c.device.clientId,
      device_id: c.device.deviceId,
      agent_id: c.device.agentId,
      action: c.action,
      script_version_id: null,
      args: JSON.stringify(c.args),
      key_id: s.keyId,
      envelope: s.envelope,
      signature: s.signature,
      nonce: s.nonce,
      state: 'queued',
      created_at: now,
      not_before: now,
      expires_at: now + c.lifetimeMs,
      issued_by: c.issuedBy.userId,
      session_id: null,
    })
    .execute();
  await appendAuditInTransaction(
    tx,
    dialect,
    c.actor,
    'command.create',
    `command:${s.commandId}`,
    { action: c.action, args: c.args, expiresAt: now + c.lifetimeMs, ...(c.details ?? {}) },
    { clientId: c.device.clientId, deviceId: c.device.deviceId, result: 'queued' },
    now,
  );
  return s.commandId;
}
