import type { Generated } from 'kysely';

/** Sign-in tables beyond users and sessions (login limits, trusted browsers, password resets), as Kysely sees them. */
export interface LoginFailuresTable {
  key: string;
  at: number;
}
export interface LoginDevicesTable {
  token_hash: string;
  user_id: number;
  created_at: number;
  expires_at: number;
}
export interface PasswordResetsTable {
  token_hash: string;
  user_id: number;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}
/** A user's TOTP seed (sealed), a set-up in progress, and the last time step used (replay refused). */
export interface UserTotpTable {
  user_id: number;
  secret_enc: string | null;
  pending_enc: string | null;
  pending_at: number | null;
  enabled_at: number | null;
  last_step: Generated<number>;
}
export interface UserRecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  code_hash: string;
  used_at: number | null;
}
export interface SessionStepUpsTable {
  session_id_hash: string;
  at: number;
}
/** Who may act on a client's machines (commands/permissions.ts); the second factor reads it to know who must enrol. */
export interface RemotePermissionsTable {
  user_id: number;
  client_id: number;
  granted_by: number | null;
  granted_at: number;
}
export interface AuthTables {
  login_failures: LoginFailuresTable;
  login_devices: LoginDevicesTable;
  password_resets: PasswordResetsTable;
  user_totp: UserTotpTable;
  user_recovery_codes: UserRecoveryCodesTable;
  session_step_ups: SessionStepUpsTable;
  remote_permissions: RemotePermissionsTable;
}
