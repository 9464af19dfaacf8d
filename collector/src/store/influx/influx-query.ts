import { VigieError } from '@vigie/shared';
import type { InfluxDB } from 'influx';
import type { Aggregation, Resolution } from '../metric-store.js';
import { MEASUREMENT, q, RP } from './influx-schema.js';

/** One result series of an InfluxQL statement (epoch milliseconds). */
export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/**
 * Line protocol cannot carry a newline in a tag value, and a trailing backslash breaks it; a series
 * key may hold both in a label value. Such bytes (and `%` itself) are percent-encoded in the tag.
 */
export function encodeTag(value: string): string {
  return value.replace(/[%\\\x00-\x1f\x7f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function decodeTag(value: string): string {
  return value.replace(/%([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** An InfluxQL string literal (the `influx` package's stringLit leaves a backslash unescaped). */
export const str = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Runs one statement and returns its series; an error of the statement or of the server is thrown. */
export async function select(influx: InfluxDB, database: string, statement: string, method: 'GET' | 'POST' = 'GET'): Promise<InfluxSeries[]> {
  return (await selectEach(influx, database, [statement], method))[0]!;
}

/**
 * Runs statements in one request (InfluxDB answers each in order) and returns each one's series;
 * an error of any statement or of the server is thrown.
 */
export async function selectEach(influx: InfluxDB, database: string, statements: readonly string[], method: 'GET' | 'POST' = 'GET'): Promise<InfluxSeries[][]> {
  if (statements.length === 0) return [];
  let raw: { results?: { statement_id?: number; error?: string; series?: InfluxSeries[] }[]; error?: string };
  try {
    raw = await influx.queryRaw(statements.join(';'), { database, precision: 'ms', method });
  } catch (err) {
    throw new VigieError('METRICS_UNAVAILABLE', `InfluxDB: ${(err as Error).message}`);
  }
  if (raw.error) throw new Error(`InfluxDB refused ${statements[0]!.slice(0, 120)}: ${raw.error}`);
  return statements.map((statement, i) => {
    const result = raw.results?.find((r) => r.statement_id === i) ?? raw.results?.[i];
    if (result?.error) throw new Error(`InfluxDB refused ${statement.slice(0, 120)}: ${result.error}`);
    if (!result) throw new Error(`InfluxDB gave no answer to ${statement.slice(0, 120)}`);
    return result.series ?? [];
  });
}

export const MEASUREMENT_OF: Record<Resolution, string> = {
  raw: `${q(RP.raw)}.${q(MEASUREMENT.raw)}`,
  '5m': `${q(RP.fiveMin)}.${q(MEASUREMENT.fiveMin)}`,
  '1h': `${q(RP.hour)}.${q(MEASUREMENT.hour)}`,
};

/**
 * The selected columns per aggregation: the same arithmetic as the embedded store's SQL. Over
 * rollups the mean is sum/count, computed here from the two sums (not a mean of means).
 */
export function aggregationColumns(resolution: Resolution, agg: Aggregation): string {
  if (resolution === 'raw')
    return { avg: 'mean("value")', min: 'min("value")', max: 'max("value")', last: 'last("value")', sum: 'sum("value")', count: 'count("value")' }[agg];
  return { avg: 'sum("sum"), sum("count")', min: 'min("min")', max: 'max("max")', last: 'last("last")', sum: 'sum("sum")', count: 'sum("count")' }[agg];
}

/** `[bucket, value]` from a result row of `aggregationColumns` (time first). */
export function pointOf(row: unknown[], resolution: Resolution, agg: Aggregation): [number, number] {
  const t = Number(row[0]);
  if (resolution !== 'raw' && agg === 'avg') return [t, Number(row[1]) / Number(row[2])];
  return [t, Number(row[1])];
}

/** SQLite orders keys by their bytes (BINARY collation); so does this. */
export function byKeyBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
