import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SAMPLE_INSERT_CHUNK, SAMPLES_DDL, sampleInsertSql } from '../../../collector/src/store/sqlite-metric-store.js';

/**
 * The ceiling: better-sqlite3 inserting the same rows into the same `samples` table, with the same
 * pragmas and the same multi-row statements the collector uses, one transaction per `framesPerTx`
 * frames. Nothing else: no network, no JSON, no validation.
 */
export function rawInsertRate(opts: { devices: number; valuesPerFrame: number; rows: number; framesPerTx: number; synchronous: 'FULL' | 'NORMAL' }): {
  rowsPerSec: number;
  seconds: number;
} {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-raw-'));
  const db = new BetterSqlite3(join(dir, 'raw.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous}`);
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -65536');
    db.pragma('wal_autocheckpoint = 4000');
    for (const ddl of SAMPLES_DDL) db.exec(ddl);
    const many = db.prepare(sampleInsertSql(SAMPLE_INSERT_CHUNK));
    const one = db.prepare(sampleInsertSql(1));
    const t0 = 1_790_000_000_000;
    const params: number[] = [];
    let frame = 0;
    let done = 0;
    // Frames arrive agent after agent; each frame is one device's values at one time.
    const insertTx = db.transaction(() => {
      for (let f = 0; f < opts.framesPerTx && done < opts.rows; f++, frame++) {
        const device = 1 + (frame % opts.devices);
        const ts = t0 + Math.floor(frame / opts.devices) * 1000;
        for (let k = 0; k < opts.valuesPerFrame; k++, done++) {
          params.push(device, ts, device * opts.valuesPerFrame + k, (k % 1000) / 10);
          if (params.length === SAMPLE_INSERT_CHUNK * 4) {
            many.run(params);
            params.length = 0;
          }
        }
      }
      for (let i = 0; i < params.length; i += 4) one.run(params[i], params[i + 1], params[i + 2], params[i + 3]);
      params.length = 0;
    });
    const started = performance.now();
    while (done < opts.rows) insertTx();
    const seconds = (performance.now() - started) / 1000;
    return { rowsPerSec: done / seconds, seconds };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
