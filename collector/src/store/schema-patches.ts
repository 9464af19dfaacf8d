import type { Generated } from 'kysely';

/**
 * Patch management (migrations 013, 014) and signed agent self-update (015), as Kysely sees them.
 * Flags are 0/1 integers on both engines (the migrations' CHECKs); JSON stays TEXT.
 */
export interface DevicePatchStatusTable {
  device_id: number;
  source: string;
  collected_at: number;
  received_at: number;
  reboot_pending: 0 | 1 | null;
  truncated: Generated<0 | 1>;
  first_reported_at: number;
}
export interface DevicePatchesTable {
  id: Generated<number>;
  device_id: number;
  name: string;
  /** '' when the tool reports no architecture (part of the open-row unique index). */
  arch: Generated<string>;
  installed_version: string | null;
  candidate_version: string;
  security: 0 | 1;
  reboot_required: 0 | 1;
  title: string | null;
  origin: string | null;
  update_id: string | null;
  first_seen_at: number;
  last_seen_at: number;
  resolved_at: number | null;
}
export interface DeviceRebootPendingTable {
  id: Generated<number>;
  device_id: number;
  since: number;
  until: number | null;
}
export interface PatchPoliciesTable {
  scope: 'client' | 'site' | 'device';
  scope_id: number;
  body: string;
  version: number;
  updated_at: number;
  updated_by: number | null;
}
export type PatchApprovalState = 'approved' | 'queued' | 'installed' | 'failed' | 'withdrawn';
export interface PatchApprovalsTable {
  id: Generated<number>;
  device_id: number;
  name: string;
  arch: Generated<string>;
  version: string;
  approved_by: number | null;
  approved_at: number;
  state: PatchApprovalState;
  command_id: string | null;
  note: string | null;
  updated_at: number;
}
export interface PatchInstallResultsTable {
  id: Generated<number>;
  command_id: string;
  device_id: number;
  name: string;
  arch: Generated<string>;
  version: string;
  state: 'installed' | 'failed';
  attempts: number;
  error: string | null;
  reason: string | null;
  finished_at: number;
}
export interface AgentReleasesTable {
  id: Generated<number>;
  version: string;
  platform: string;
  sha256: string;
  size: number;
  file: string;
  notes: string | null;
  created_at: number;
  created_by: string;
}
export interface AgentRolloutTable {
  id: number;
  target_version: string | null;
  stage: 'canary' | 'percent' | 'all';
  percent: Generated<number>;
  paused: Generated<0 | 1>;
  grace_sec: number;
  manifest_ttl_sec: number;
  updated_at: number;
  updated_by: number | null;
}
export interface AgentRolloutCanaryTable {
  device_id: number;
}
export interface AgentVersionPinsTable {
  client_id: number;
  version: string;
  pinned_at: number;
  pinned_by: number | null;
}
export interface PatchTables {
  device_patch_status: DevicePatchStatusTable;
  device_patches: DevicePatchesTable;
  device_reboot_pending: DeviceRebootPendingTable;
  patch_policies: PatchPoliciesTable;
  patch_approvals: PatchApprovalsTable;
  patch_install_results: PatchInstallResultsTable;
  agent_releases: AgentReleasesTable;
  agent_rollout: AgentRolloutTable;
  agent_rollout_canary: AgentRolloutCanaryTable;
  agent_version_pins: AgentVersionPinsTable;
}
