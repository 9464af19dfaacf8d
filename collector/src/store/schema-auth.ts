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
export interface AuthTables {
  login_failures: LoginFailuresTable;
  login_devices: LoginDevicesTable;
  password_resets: PasswordResetsTable;
}
