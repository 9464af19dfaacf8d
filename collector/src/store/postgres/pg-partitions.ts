import type { Pool, PoolClient } from 'pg';
import { DDL_LOCK_KEY, maintenance, SCHEMA, T, transaction } from './pg-schema.js';

const DAY = 86_400_000;

/**
 * Range partitions of fixed width in milliseconds since the epoch (UTC), named after their first
 * day. Widths, for the default retention (raw 30 days, 5 minutes 1 year, hours 3 years):
 * - raw samples by day: ~31 partitions; the bulk of the data, so retention frees it a day at a
 *   time, and a day's index of the busiest table stays small enough to be cached while written;
 * - 5-minute rollups by week: ~53 partitions for a year (daily would be 366, and the planner's
 *   cost grows with the partitions a query cannot prune; monthly would keep up to a month extra);
 * - hourly rollups by 30 days: ~37 partitions for three years.
 * Fixed widths rather than calendar months: a bound is plain integer arithmetic on the same
 * millisecond times as the data, with no time zone or month length involved.
 */
export const LAYOUT = {
  samples: { table: T.samples, widthMs: DAY, suffix: 'd' },
  rollup5m: { table: T.rollup5m, widthMs: 7 * DAY, suffix: 'w' },
  rollup1h: { table: T.rollup1h, widthMs: 30 * DAY, suffix: 'm' },
} as const;
export type PartitionedTable = keyof typeof LAYOUT;
export const PARTITIONED = Object.keys(LAYOUT) as PartitionedTable[];

/** A partition's start for a time (works for times before 1970 too). */
export function partitionStart(table: PartitionedTable, ts: number): number {
  const w = LAYOUT[table].widthMs;
  return Math.floor(ts / w) * w;
}

/** `vigie_metrics.samples_d20261205`, `vigie_metrics.rollup_5m_w20261203` (first day, UTC); before 1970, `…_dn19691231`. */
function partitionName(table: PartitionedTable, start: number): string {
  const day = new Date(start).toISOString().slice(0, 10).replaceAll('-', '');
  const base = LAYOUT[table].table.slice(SCHEMA.length + 1);
  return `${SCHEMA}.${base}_${LAYOUT[table].suffix}${start < 0 ? 'n' : ''}${day}`;
}

interface Partition {
  end: number;
  /** Schema-qualified, as the catalogue gives it. */
  name: string;
}

export interface RetentionCut {
  /** Rows in the partitions dropped whole, plus rows deleted from the partition straddling the cut. */
  rows: number;
  partitionsDropped: number;
}

/**
 * Which partitions exist (cached per process), creating them ahead of the data and dropping those
 * entirely past the retention. Creating a partition locks its parent table against inserts for a
 * moment, so maintain() creates the current and next ones in advance; a write creates one itself
 * only for data outside them (an agent back after days, a clock far off).
 */
export class Partitions {
  private readonly known = new Map<PartitionedTable, Map<number, Partition>>(PARTITIONED.map((t) => [t, new Map()]));
  /** Partitions created and dropped by this process. */
  readonly stats = { created: 0, dropped: 0 };

  constructor(private readonly pool: Pool) {}

  /** Reads the partitions the server has (another collector may have created or dropped some). */
  async load(): Promise<void> {
    const { rows } = await this.pool.query<{ parent: string; name: string; bound: string }>(
      `SELECT i.inhparent::regclass::text AS parent, c.oid::regclass::text AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = ANY (ARRAY[$1, $2, $3]::regclass[])`,
      [T.samples, T.rollup5m, T.rollup1h],
    );
    for (const m of this.known.values()) m.clear();
    for (const r of rows) {
      const table = PARTITIONED.find((t) => LAYOUT[t].table === r.parent);
      const m = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(r.bound);
      if (table && m) this.known.get(table)!.set(Number(m[1]), { end: Number(m[2]), name: r.name });
    }
  }

  /** Whether every time of `starts` (partition starts of `table`) has its partition. */
  private missing(table: PartitionedTable, starts: Iterable<number>): number[] {
    const known = this.known.get(table)!;
    const out: number[] = [];
    for (const s of starts) if (!known.has(s)) out.push(s);
    return out;
  }

  /**
   * Creates the partitions holding these times: by default of every table a sample time reaches (raw,
   * and its rollups); `tables` narrows it (rows written straight into a rollup table).
   */
  async ensureFor(times: Iterable<number>, tables: readonly PartitionedTable[] = PARTITIONED): Promise<void> {
    const wanted = new Map<PartitionedTable, Set<number>>(PARTITIONED.map((t) => [t, new Set()]));
    for (const ts of times) for (const t of tables) wanted.get(t)!.add(partitionStart(t, ts));
    await this.ensure(wanted);
  }

  /** The current and the next partition of each table, so that on-time data never waits for DDL. */
  async ensureAhead(now: number): Promise<void> {
    await this.ensure(new Map(PARTITIONED.map((t) => [t, new Set([partitionStart(t, now), partitionStart(t, now + LAYOUT[t].widthMs)])])));
  }

  private async ensure(wanted: Map<PartitionedTable, Set<number>>): Promise<void> {
    const todo = PARTITIONED.flatMap((t) => this.missing(t, wanted.get(t)!).map((start) => [t, start] as const));
    if (todo.length === 0) return;
    await transaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [DDL_LOCK_KEY]);
      for (const [t, start] of todo) await this.create(c, t, start);
    });
    for (const [t, start] of todo) this.known.get(t)!.set(start, { end: start + LAYOUT[t].widthMs, name: partitionName(t, start) });
  }

  private async create(c: PoolClient, table: PartitionedTable, start: number): Promise<void> {
    // Bounds are integers computed here, not data: inlined because DDL takes no parameters.
    const end = start + LAYOUT[table].widthMs;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) throw new Error(`partition bound out of range: ${start}`);
    const name = partitionName(table, start);
    const exists = await c.query('SELECT to_regclass($1) IS NOT NULL AS e', [name]);
    if (exists.rows[0].e) return;
    await c.query(`CREATE TABLE ${name} PARTITION OF ${LAYOUT[table].table} FOR VALUES FROM (${start}) TO (${end})`);
    this.stats.created++;
  }

  /**
   * Retention of one table: partitions whose end is at or before `cutoff` are counted and dropped
   * whole; the one the cut falls in loses its rows before `cutoff`, so that a query gives exactly
   * what the embedded store (a DELETE of every row before the cut) gives.
   */
  async cut(table: PartitionedTable, cutoff: number): Promise<RetentionCut> {
    await this.load();
    const parts = [...this.known.get(table)!].filter(([start]) => start < cutoff).sort((a, b) => a[0] - b[0]);
    const out: RetentionCut = { rows: 0, partitionsDropped: 0 };
    for (const [start, { end, name }] of parts) {
      if (end <= cutoff) {
        await transaction(this.pool, async (c) => {
          await c.query('SELECT pg_advisory_xact_lock($1)', [DDL_LOCK_KEY]);
          // Locked first: a late sample inserted between the count and the drop would be dropped uncounted.
          await c.query(maintenance(`LOCK TABLE ${name} IN ACCESS EXCLUSIVE MODE`));
          // Exact, as the report promises; a scan of the partition once, when it goes.
          out.rows += Number((await c.query(maintenance(`SELECT count(*) AS n FROM ${name}`))).rows[0].n);
          await c.query(`DROP TABLE ${name}`);
        });
        this.known.get(table)!.delete(start);
        out.partitionsDropped++;
        this.stats.dropped++;
      } else {
        out.rows += (await this.pool.query(maintenance(`DELETE FROM ${name} WHERE ts < $1`, [cutoff]))).rowCount ?? 0;
      }
    }
    return out;
  }

  /** Forgets what is cached (after "no partition for row": another collector dropped one). */
  async reload(): Promise<void> {
    await this.load();
  }

  count(table: PartitionedTable): number {
    return this.known.get(table)!.size;
  }
}
