import { createHash } from 'node:crypto';
import { canonicalJson } from '@vigie/shared';

/** The hash before the first entry. */
export const AUDIT_GENESIS = '0'.repeat(64);

/** What an audit entry says; its hash covers all of it and the previous entry's hash. */
export interface AuditContent {
  at: number;
  actor: string;
  action: string;
  target: string;
  /** JSON text as stored, or null. */
  details: string | null;
  clientId: number | null;
  deviceId: number | null;
  result: string | null;
}

/** sha256(previous hash, newline, canonical JSON of the entry): editing, inserting or removing an entry breaks every hash after it. */
export function auditHash(prevHash: string, c: AuditContent): string {
  const canonical = canonicalJson({
    at: c.at,
    actor: c.actor,
    action: c.action,
    target: c.target,
    details: c.details,
    clientId: c.clientId,
    deviceId: c.deviceId,
    result: c.result,
  });
  return createHash('sha256').update(`${prevHash}\n${canonical}`).digest('hex');
}
