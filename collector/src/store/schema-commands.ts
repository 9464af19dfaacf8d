import type { Generated } from 'kysely';

/**
 * Signed commands (migration 010), declared for the patch schedule and the agent rollout, which
 * queue commands. Maintenance windows are declared in schema-incidents.ts.
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
export interface CommandTables {
  commands: CommandsTable;
}
