import type { CommandEnvelope } from '@vigie/shared';
import { appendAudit } from '../audit/repository.js';
import type { SqliteHandle } from '../store/database.js';
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
 * Queues one signed command for one agent, inside the caller's write transaction: signed once,
 * stored exactly as signed, audited. Delivery (in order, when the agent is connected, never after
 * its expiry) is the commands domain's, as for any other command; the caller publishes the agent
 * id once its transaction committed.
 */
export function queueSignedCommand(sql: SqliteHandle, keys: SigningKeys, c: SystemCommand, now = Date.now()): string {
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
  sql
    .prepare(
      `INSERT INTO commands (id, run_id, client_id, device_id, agent_id, action, script_version_id, args, key_id, envelope, signature, nonce, state,
         created_at, not_before, expires_at, issued_by, session_id) VALUES (?, NULL, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, NULL)`,
    )
    .run(
      s.commandId,
      c.device.clientId,
      c.device.deviceId,
      c.device.agentId,
      c.action,
      JSON.stringify(c.args),
      s.keyId,
      s.envelope,
      s.signature,
      s.nonce,
      now,
      now,
      now + c.lifetimeMs,
      c.issuedBy.userId,
    );
  appendAudit(
    sql,
    c.actor,
    'command.create',
    `command:${s.commandId}`,
    { action: c.action, args: c.args, expiresAt: now + c.lifetimeMs, ...(c.details ?? {}) },
    { clientId: c.device.clientId, deviceId: c.device.deviceId, result: 'queued' },
    now,
  );
  return s.commandId;
}
