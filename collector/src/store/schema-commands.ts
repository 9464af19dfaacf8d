import type { Generated } from 'kysely';

/** Remote intervention's tables (commands/, migration 010-remote), as Kysely sees them. */
export interface ScriptsTable {
  id: Generated<number>;
  name: string;
  description: Generated<string>;
  created_by: number | null;
  created_at: number;
}
/** A script's numbered version: immutable once written (a trigger), approved once. */
export interface ScriptVersionsTable {
  id: Generated<number>;
  script_id: number;
  version: number;
  language: 'sh' | 'bash' | 'zsh' | 'powershell';
  content: string;
  sha256: string;
  /** The parameter definitions (JSON). */
  params: string;
  timeout_sec: number;
  notes: Generated<string>;
  created_by: number | null;
  created_at: number;
  approved_by: number | null;
  approved_at: number | null;
}
export interface DeviceSelectionsTable {
  id: Generated<number>;
  name: string;
  /** The device ids (JSON array). */
  device_ids: string;
  created_by: number | null;
  created_at: number;
}
export interface CommandRunsTable {
  id: Generated<number>;
  action: string;
  target_kind: 'device' | 'site' | 'client' | 'selection';
  target_id: number;
  script_version_id: number | null;
  args: string;
  concurrency: number;
  session_id: number | null;
  created_by: number;
  created_at: number;
}
export type CommandState = 'queued' | 'sent' | 'running' | 'succeeded' | 'failed' | 'refused' | 'expired' | 'cancelled';
/** One signed command for one agent: the envelope exactly as signed, its delivery state, its result. */
export interface CommandsTable {
  id: string;
  run_id: number | null;
  client_id: number;
  device_id: number;
  agent_id: string;
  action: string;
  script_version_id: number | null;
  args: string;
  key_id: string;
  envelope: string;
  signature: string;
  nonce: string;
  state: CommandState;
  created_at: number;
  not_before: number;
  expires_at: number;
  sent_at: number | null;
  acked_at: number | null;
  finished_at: number | null;
  exit_code: number | null;
  duration_ms: number | null;
  timed_out: Generated<number>;
  output: Generated<string>;
  output_bytes: Generated<number>;
  truncated: Generated<number>;
  error_code: string | null;
  error_message: string | null;
  issued_by: number | null;
  session_id: number | null;
  /** Queue order (migration 018), filled by a trigger on insert (rowid on SQLite, a sequence on PostgreSQL): an agent's commands go in this order. */
  queue_seq: number | null;
}
/** A standing grant: a script a device's policy names, signed ahead so its probe may run it. */
export interface PolicyGrantsTable {
  device_id: number;
  grant_key: string;
  command_id: string;
  script_version_id: number;
  key_id: string;
  envelope: string;
  signature: string;
  expires_at: number;
  state: Generated<string>;
  created_at: number;
}
export interface RemoteSessionsTable {
  id: Generated<number>;
  ticket_id: number;
  client_id: number;
  device_id: number;
  user_id: number;
  started_at: number;
  ended_at: number | null;
  state: 'open' | 'ended' | 'confirmed' | 'discarded';
  /** The draft intervention's price (JSON), once ended. */
  quote: string | null;
  intervention_id: number | null;
  created_at: number;
}
export interface CommandsTables {
  scripts: ScriptsTable;
  script_versions: ScriptVersionsTable;
  device_selections: DeviceSelectionsTable;
  command_runs: CommandRunsTable;
  commands: CommandsTable;
  policy_grants: PolicyGrantsTable;
  remote_sessions: RemoteSessionsTable;
}
