import BetterSqlite3 from 'better-sqlite3';

/** What an agent itself says it produced and lost (its spool, once stopped) and what it logged of each frame. */
export interface AgentTruth {
  name: string;
  agentId: string;
  deviceId: number;
  /** Frames produced: every seq the agent assigned (nextSeq - 1). */
  produced: number;
  pendingFrames: number;
  inDoubtFrames: number;
  droppedFrames: number;
  unspooledFrames: number;
  /** seq → sample time of each metrics frame it spooled (its log). */
  metrics: Map<number, number>;
}

export interface Account {
  name: string;
  agents: number;
  produced: number;
  /** Produced minus what the agent still holds or lost: what the collector acknowledged. */
  acknowledged: number;
  /** Frames the collector committed (one per seq). */
  stored: number;
  /** Losses the collector recorded from the agents' reports. */
  droppedReported: number;
  /** Losses the agents counted themselves (must equal what was reported). */
  droppedCounted: number;
  /** Rows stored twice (events, command results, inventories; samples cannot be, by their key). */
  duplicated: number;
  pending: number;
  /** produced − stored − reported losses − still pending or in doubt: a frame gone without a word. */
  lostUnreported: number;
  /** Metrics frames the agents spooled whose samples are not in the store, beyond those counted as dropped. */
  metricsMissingUnreported: number;
  /** Samples in the store at a time no metrics frame of the agent had. */
  metricsPhantom: number;
  /** The first agents with a frame lost unreported, to tell what happened. */
  culprits: string[];
}

/** Reads the collector's store (read-only, the collector may run) and accounts for every frame of these agents. */
export function account(dbPath: string, name: string, agents: AgentTruth[]): Account {
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT frames_stored, last_seq, spool_dropped_frames, spool_unspooled_frames FROM agents WHERE id = ?');
    const tsOf = db.prepare('SELECT DISTINCT ts FROM samples WHERE device_id = ?').pluck();
    const dups = db
      .prepare(
        `SELECT (SELECT count(*) - count(DISTINCT seq) FROM agent_events WHERE device_id = $d AND seq > 0)
            + (SELECT count(*) - count(DISTINCT command_id) FROM command_results WHERE device_id = $d)
            + (SELECT count(*) - count(DISTINCT collected_at) FROM inventory_snapshots WHERE device_id = $d)`,
      )
      .pluck();
    const a: Account = {
      name,
      agents: agents.length,
      produced: 0,
      acknowledged: 0,
      stored: 0,
      droppedReported: 0,
      droppedCounted: 0,
      duplicated: 0,
      pending: 0,
      lostUnreported: 0,
      metricsMissingUnreported: 0,
      metricsPhantom: 0,
      culprits: [],
    };
    for (const t of agents) {
      const r = row.get(t.agentId) as { frames_stored: number; last_seq: number; spool_dropped_frames: number; spool_unspooled_frames: number };
      const reported = r.spool_dropped_frames + r.spool_unspooled_frames;
      const counted = t.droppedFrames + t.unspooledFrames;
      const held = t.pendingFrames + t.inDoubtFrames;
      a.produced += t.produced;
      a.acknowledged += t.produced - held - counted;
      a.stored += r.frames_stored;
      a.droppedReported += reported;
      a.droppedCounted += counted;
      a.duplicated += dups.get({ d: t.deviceId }) as number;
      a.pending += held;
      a.lostUnreported += t.produced - r.frames_stored - reported - held;
      const stored = new Set(tsOf.all(t.deviceId) as number[]);
      const spooled = new Set(t.metrics.values());
      let missing = 0;
      for (const ts of spooled) if (!stored.has(ts)) missing++;
      // Evicted frames are among the spooled ones (frames never written are not): at most that many may miss.
      a.metricsMissingUnreported += Math.max(0, missing - t.droppedFrames);
      for (const ts of stored) if (!spooled.has(ts)) a.metricsPhantom++;
      const lost = t.produced - r.frames_stored - reported - held;
      if ((lost !== 0 || missing > t.droppedFrames) && a.culprits.length < 5) {
        const gone = [...t.metrics].filter(([, ts]) => !stored.has(ts)).map(([seq]) => seq);
        a.culprits.push(
          `${t.name}: produced ${t.produced}, stored ${r.frames_stored} (last seq ${r.last_seq}), reported ${reported}, held ${held}; metrics frames missing: seqs ${gone.slice(0, 8).join(',')}${gone.length > 8 ? `… (${gone.length})` : ''}`,
        );
      }
    }
    return a;
  } finally {
    db.close();
  }
}

/** Prints the scenario's figures (one line per group of agents). */
export function printAccounts(scenario: string, rows: Account[]): void {
  const cols: [string, keyof Account][] = [
    ['agents', 'agents'],
    ['produced', 'produced'],
    ['acknowledged', 'acknowledged'],
    ['stored', 'stored'],
    ['dropped & reported', 'droppedReported'],
    ['duplicated', 'duplicated'],
    ['pending', 'pending'],
    ['lost unreported', 'lostUnreported'],
  ];
  const table = [['', ...cols.map(([h]) => h)], ...rows.map((r) => [r.name, ...cols.map(([, k]) => String(r[k]))])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((l) => l[i]!.length)));
  for (const r of rows) for (const c of r.culprits) console.log(`  LOST ${c}`);
  console.log(`\n${scenario}\n${table.map((l) => `  ${l.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`).join('\n')}`);
}
