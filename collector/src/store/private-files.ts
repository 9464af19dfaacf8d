import { chmodSync, closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';

// The store holds password hashes, every client's data, SNMP secrets, invoices and reports: only
// the collector's own user may read it (issue 13, point 4). Modes are set on creation and
// tightened on start for a store created before.

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** The data folder: created 0700, or brought back to 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  chmodSync(dir, PRIVATE_DIR);
}

/**
 * A SQLite database file and its companions (-wal, -shm, -journal): the file is created 0600
 * before SQLite opens it — SQLite gives the WAL and shared-memory files the database file's mode —
 * and existing ones are brought back to 0600. Its folder, when it has to be made, is made 0700.
 */
export function ensurePrivateDatabaseFile(path: string, dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  closeSync(openSync(path, 'a', PRIVATE_FILE));
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) if (existsSync(file)) chmodSync(file, PRIVATE_FILE);
}

/** Any other file the collector writes (a key, an export): 0600, also when it existed with a looser mode. */
export function writePrivateFile(path: string, data: string | Uint8Array): void {
  writeFileSync(path, data, { mode: PRIVATE_FILE });
  chmodSync(path, PRIVATE_FILE);
}
