import type { Generated } from 'kysely';

/**
 * Signed commands (migration 010) and maintenance windows (004), declared for the patch schedule
 * and the agent rollout, which queue commands and read windows. The commands and incidents folders
 * own these tables: whoever converts them keeps one declaration.
 */
export type CommandState = 'queued' | 'sent' | 'running' | 'succeeded' | 'failed' | 'refused' | 'expired' | 'cancelled';
export interface CommandsTable {
  id: string;
  run_id: number | null;
  client_id: number;
  device_id: number;
  agent_id: string;
  action: string;
  script_version_id: number | null;
  /** JSON. */
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
}
export interface MaintenanceWindowsTable {
  id: Generated<number>;
  scope: string;
  scope_id: number;
  starts_at: number;
  ends_at: number;
  reason: string;
  created_by: number | null;
  created_at: number;
}
export interface CommandTables {
  commands: CommandsTable;
  maintenance_windows: MaintenanceWindowsTable;
}
