import { duplicatesSql, type StoreReader } from './accounting.js';

/**
 * A collector's store on PostgreSQL, read for the accounting through `psql` (testkit's
 * `Postgres.psql`, bound to the collector's database): the same questions as on the SQLite file,
 * the samples in the metric store's own schema (`vigie_metrics`, where `serve --database` puts them
 * unless `--metrics` says otherwise).
 */
export function postgresStore(psql: (sql: string) => string[]): StoreReader {
  return {
    agent(agentId, deviceId) {
      if (!/^[A-Za-z0-9_-]+$/.test(agentId) || !Number.isSafeInteger(deviceId)) throw new Error(`unexpected agent id ${agentId} / device id ${deviceId}`);
      const rows = psql(`SELECT frames_stored, last_seq, spool_dropped_frames + spool_unspooled_frames FROM agents WHERE id = '${agentId}'`);
      if (rows.length !== 1) throw new Error(`agent ${agentId}: ${rows.length} rows in PostgreSQL`);
      const [framesStored, lastSeq, reported] = rows[0]!.split('|').map(Number) as [number, number, number];
      return {
        framesStored,
        lastSeq,
        reported,
        duplicated: Number(psql(duplicatesSql(String(deviceId)))[0]),
        sampleTimes: new Set(psql(`SELECT DISTINCT ts FROM vigie_metrics.samples WHERE device_id = ${deviceId}`).map(Number)),
      };
    },
    // Nothing held open: each psql call is a connection of its own.
    close: () => undefined,
  };
}
