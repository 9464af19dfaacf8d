import pg from 'pg';
import { INSERT_SAMPLES } from '../../../collector/src/store/postgres/pg-metric-sql.js';
import { Partitions } from '../../../collector/src/store/postgres/pg-partitions.js';
import { ensureSchema } from '../../../collector/src/store/postgres/pg-schema.js';

/**
 * PostgreSQL's ceiling for the same rows: the store's own partitioned `samples` table and its
 * multi-row INSERT (four arrays through `unnest`, one statement and one commit per batch of
 * `framesPerTx` frames, as one collector commit carries), on one connection, partitions created
 * beforehand. Nothing else: no WebSocket, no JSON, no validation, no series lookup, no SQLite.
 */
export async function rawPgInsertRate(
  url: string,
  opts: { devices: number; valuesPerFrame: number; rows: number; framesPerTx: number },
): Promise<{ rowsPerSec: number; seconds: number }> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await ensureSchema(pool);
    const t0 = Date.now() - 3_600_000;
    const frames = Math.ceil(opts.rows / opts.valuesPerFrame);
    await new Partitions(pool).ensureFor([t0, t0 + Math.ceil(frames / opts.devices) * 1000]);
    // Built beforehand: the measurement is PostgreSQL's, not the building of arrays.
    const batches: [number[], number[], number[], number[]][] = [];
    let frame = 0;
    let done = 0;
    while (done < opts.rows) {
      const b: [number[], number[], number[], number[]] = [[], [], [], []];
      for (let f = 0; f < opts.framesPerTx && done < opts.rows; f++, frame++) {
        const device = 1 + (frame % opts.devices);
        const ts = t0 + Math.floor(frame / opts.devices) * 1000;
        for (let k = 0; k < opts.valuesPerFrame; k++, done++) {
          b[0].push(device);
          b[1].push(ts);
          b[2].push(device * opts.valuesPerFrame + k);
          b[3].push((k % 1000) / 10);
        }
      }
      batches.push(b);
    }
    const started = performance.now();
    for (const b of batches) await pool.query(INSERT_SAMPLES, b);
    const seconds = (performance.now() - started) / 1000;
    return { rowsPerSec: done / seconds, seconds };
  } finally {
    await pool.end();
  }
}
