import { VigieError } from '@vigie/shared';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { Database } from './database.js';
import type { StoreHealth } from './health.js';
import { describeStoreCheck, type StoreCheck } from './integrity.js';

/** Tables an agent frame writes to: damage in any of them means frames cannot be stored safely. */
export const INGEST_TABLES = new Set([
  'agents',
  'devices',
  'series',
  'samples',
  'rollup_dirty',
  'inventory_snapshots',
  'inventory_changes',
  'device_search',
  'check_results',
  'check_state',
  'agent_events',
  'command_results',
  'flow_buckets',
  'kv',
  // Remote intervention: what agents answer about signed commands is recorded in the ingest batch.
  'commands',
  'policy_grants',
  'audit_log',
]);

export function timed<T extends object>(fn: () => T): T & { ms: number } {
  const started = performance.now();
  const out = fn();
  return { ...out, ms: Math.round(performance.now() - started) };
}

/** Opens the store; a disk too full for SQLite to open it is said in the catalogue's terms, not as a bare SQLite error. */
export function openStore(path: string, synchronous: 'full' | 'normal'): Database {
  try {
    return new Database({ path, synchronous });
  } catch (err) {
    const code = String((err as { code?: unknown }).code ?? '');
    if (/^SQLITE_(FULL|IOERR)/.test(code)) {
      throw new VigieError(
        'STORE_FULL',
        `Cannot open the store ${path}: its disk is full (${code}) and no reserve was left to give up. Free some space, then start again.`,
      );
    }
    throw err;
  }
}

/** Migrations need room to write: on a full disk, say so instead of failing with SQLite's bare error. */
export async function migrateOrExplain(db: Database): Promise<void> {
  try {
    await db.migrate();
  } catch (err) {
    const text = String((err as Error).message ?? err);
    if (/SQLITE_FULL|disk is full/i.test(text)) {
      throw new VigieError('STORE_FULL', `The store needs migrating and its disk is full: free some space, then start again (${text})`);
    }
    throw err;
  }
}

/**
 * Says loudly what the start-up check found after an unclean stop, and refuses agent data when a
 * table that ingest writes to is damaged (reads go on being served).
 */
export function reportStoreCheck(check: StoreCheck | null, health: StoreHealth, log: Logger, markerError: string | null): void {
  if (markerError) log.warn({ code: markerError }, 'could not mark the store as in use: an unclean stop will not be detected at the next start');
  if (!check) return;
  const lost = check.wal?.lostCommits ?? 0;
  const summary = describeStoreCheck(check);
  const details = { wal: check.wal, problems: check.problems.slice(0, 20), damagedTables: check.damagedTables, checkMs: check.ms };
  if (lost > 0 || check.problems.length > 0) log.error(details, `STORE CHECK after an unclean stop: ${summary}`);
  else log.warn(details, `store checked after an unclean stop: ${summary}`);
  const hit = check.damagedTables.filter((t) => t === '*' || INGEST_TABLES.has(t));
  if (hit.length > 0) health.enter('damaged', `quick_check found damage in ${hit.join(', ')}`);
}
