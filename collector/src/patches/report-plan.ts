import { type AgentBody, type PatchesBody, updateKey } from '@vigie/shared';
import type { AuditExtra } from '../audit/repository.js';

/** One pending update's stored fields, as a report gives them (flags as 0/1). */
export interface PatchFields {
  installed_version: string | null;
  candidate_version: string;
  security: 0 | 1;
  reboot_required: 0 | 1;
  title: string | null;
  origin: string | null;
  update_id: string | null;
}

/** What a `patches` report changes, decided once for both ways of storing it (the SQLite writer's and Kysely's). */
export interface PatchReportPlan {
  status: { source: string; collected_at: number; received_at: number; reboot_pending: 0 | 1 | null; truncated: 0 | 1; first_reported_at: number };
  inserts: (PatchFields & { name: string; arch: string; first_seen_at: number; last_seen_at: number })[];
  updates: { id: number; fields: PatchFields & { last_seen_at: number } }[];
  /** Open rows no longer listed, resolved at the report's date. */
  resolve: { ids: number[]; at: number };
  reboot: { start: number } | { end: number; id: number } | null;
}

/**
 * A report older than the one stored (replayed after a reconnect) changes nothing (undefined); a
 * package listed twice (two repositories) is stored once; a known update keeps its first-seen date
 * while its versions follow the report; a truncated report resolves nothing (what it cut is not
 * known to be installed).
 */
export function planPatchReport(
  stored: { collectedAt: number } | undefined,
  open: readonly { id: number; name: string; arch: string }[],
  openReboot: { id: number } | undefined,
  body: PatchesBody,
  now: number,
): PatchReportPlan | undefined {
  const at = body.collectedAt;
  if (stored && stored.collectedAt > at) return undefined;
  const openIds = new Map(open.map((r) => [updateKey({ name: r.name, arch: r.arch || undefined }), r.id]));
  const plan: PatchReportPlan = {
    status: {
      source: body.source,
      collected_at: at,
      received_at: now,
      reboot_pending: body.rebootPending === null ? null : body.rebootPending ? 1 : 0,
      truncated: body.truncated ? 1 : 0,
      first_reported_at: at,
    },
    inserts: [],
    updates: [],
    resolve: { ids: [], at },
    reboot: null,
  };
  const listed = new Set<string>();
  for (const u of body.updates) {
    const key = updateKey(u);
    if (listed.has(key)) continue;
    listed.add(key);
    const fields: PatchFields = {
      installed_version: u.installedVersion,
      candidate_version: u.candidateVersion,
      security: u.security ? 1 : 0,
      reboot_required: u.rebootRequired ? 1 : 0,
      title: u.title ?? null,
      origin: u.origin ?? null,
      update_id: u.id ?? null,
    };
    const id = openIds.get(key);
    if (id !== undefined) {
      plan.updates.push({ id, fields: { ...fields, last_seen_at: at } });
      openIds.delete(key);
    } else {
      plan.inserts.push({ name: u.name, arch: u.arch ?? '', ...fields, first_seen_at: at, last_seen_at: at });
    }
  }
  if (!body.truncated) plan.resolve.ids = [...openIds.values()];
  if (body.rebootPending === true && !openReboot) plan.reboot = { start: at };
  if (body.rebootPending === false && openReboot) plan.reboot = { end: at, id: openReboot.id };
  return plan;
}

/** One package's outcome of a patch-install command: its result row, its approval's closing, its audit entry. */
export interface InstallOutcome {
  result: { name: string; arch: string; version: string; state: 'installed' | 'failed'; attempts: number; error: string | null };
  audit: { actor: string; action: string; target: string; details: Record<string, unknown>; extra: AuditExtra };
}

/** What a patch-install command's result records, package by package; `nothingTried` when no package was attempted and it failed. */
export function planInstallResult(
  deviceId: number,
  agentId: string,
  clientId: number,
  r: AgentBody<'command-result'>,
): { outcomes: InstallOutcome[]; nothingTried: string | null } {
  const outcomes = (r.packages ?? []).map((p) => ({
    result: { name: p.name, arch: p.arch ?? '', version: p.version, state: p.state, attempts: p.attempts, error: p.error ?? null },
    audit: {
      actor: `agent:${agentId}`,
      action: p.state === 'installed' ? 'patch.package.installed' : 'patch.package.failed',
      target: `device:${deviceId}`,
      details: { commandId: r.commandId, name: p.name, arch: p.arch ?? null, version: p.version, attempts: p.attempts, error: p.error ?? null },
      extra: { clientId, deviceId, result: p.state === 'installed' ? 'ok' : `failed after ${p.attempts} attempt(s)` },
    },
  }));
  // Nothing was tried (no privilege, the agent could not start): the approvals end with the reason.
  const nothingTried = outcomes.length === 0 && !r.ok ? (r.error?.message ?? 'failed') : null;
  return { outcomes, nothingTried };
}
