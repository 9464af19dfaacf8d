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

/** What the store holds of one agent: the collector's counters on its row, its duplicates and its samples' times. */
export interface StoredAgent {
  framesStored: number;
  lastSeq: number;
  /** Losses the agent reported (dropped and unspooled frames). */
  reported: number;
  /** Rows stored twice (events, command results, inventories; samples cannot be, by their key). */
  duplicated: number;
  /** The distinct sample times of its device. */
  sampleTimes: Set<number>;
}

/** Reads a collector's store, whatever its engine (the SQLite file here, PostgreSQL in `postgres-store.ts`). */
export interface StoreReader {
  agent(agentId: string, deviceId: number): StoredAgent;
  close(): void;
}

/** Rows of a device stored twice, the same question on both engines (`device` is the device id's placeholder or value). */
export const duplicatesSql = (device: string) =>
  `SELECT (SELECT count(*) - count(DISTINCT seq) FROM agent_events WHERE device_id = ${device} AND seq > 0)
      + (SELECT count(*) - count(DISTINCT command_id) FROM command_results WHERE device_id = ${device})
      + (SELECT count(*) - count(DISTINCT collected_at) FROM inventory_snapshots WHERE device_id = ${device})`;

/** The collector's SQLite file, read-only (the collector may run). */
export function sqliteStore(dbPath: string): StoreReader {
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  const row = db.prepare('SELECT frames_stored, last_seq, spool_dropped_frames, spool_unspooled_frames FROM agents WHERE id = ?');
  const tsOf = db.prepare('SELECT DISTINCT ts FROM samples WHERE device_id = ?').pluck();
  const dups = db.prepare(duplicatesSql('$d')).pluck();
  return {
    agent(agentId, deviceId) {
      const r = row.get(agentId) as { frames_stored: number; last_seq: number; spool_dropped_frames: number; spool_unspooled_frames: number } | undefined;
      if (!r) throw new Error(`agent ${agentId} is not in ${dbPath}`);
      return {
        framesStored: r.frames_stored,
        lastSeq: r.last_seq,
        reported: r.spool_dropped_frames + r.spool_unspooled_frames,
        duplicated: dups.get({ d: deviceId }) as number,
        sampleTimes: new Set(tsOf.all(deviceId) as number[]),
      };
    },
    close: () => db.close(),
  };
}

/** Accounts for every frame of these agents against what the store holds (a SQLite file's path, or any engine's reader). */
export function account(store: string | StoreReader, name: string, agents: AgentTruth[]): Account {
  const reader = typeof store === 'string' ? sqliteStore(store) : store;
  try {
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
      const r = reader.agent(t.agentId, t.deviceId);
      const reported = r.reported;
      const counted = t.droppedFrames + t.unspooledFrames;
      const held = t.pendingFrames + t.inDoubtFrames;
      a.produced += t.produced;
      a.acknowledged += t.produced - held - counted;
      a.stored += r.framesStored;
      a.droppedReported += reported;
      a.droppedCounted += counted;
      a.duplicated += r.duplicated;
      a.pending += held;
      a.lostUnreported += t.produced - r.framesStored - reported - held;
      const stored = r.sampleTimes;
      const spooled = new Set(t.metrics.values());
      let missing = 0;
      for (const ts of spooled) if (!stored.has(ts)) missing++;
      // Evicted frames are among the spooled ones (frames never written are not): at most that many may miss.
      a.metricsMissingUnreported += Math.max(0, missing - t.droppedFrames);
      for (const ts of stored) if (!spooled.has(ts)) a.metricsPhantom++;
      const lost = t.produced - r.framesStored - reported - held;
      if ((lost !== 0 || missing > t.droppedFrames) && a.culprits.length < 5) {
        const gone = [...t.metrics].filter(([, ts]) => !stored.has(ts)).map(([seq]) => seq);
        a.culprits.push(
          `${t.name}: produced ${t.produced}, stored ${r.framesStored} (last seq ${r.lastSeq}), reported ${reported}, held ${held}; metrics frames missing: seqs ${gone.slice(0, 8).join(',')}${gone.length > 8 ? `… (${gone.length})` : ''}`,
        );
      }
    }
    return a;
  } finally {
    if (typeof store === 'string') reader.close();
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
