import BetterSqlite3 from 'better-sqlite3';

const MINUTE = 60_000;
const FIVE = 5 * MINUTE;
const HOUR = 60 * MINUTE;

export interface SeedPlan {
  dbPath: string;
  clientId: number;
  siteId: number;
  devices: number;
  /** First hourly bucket (aligned), also the devices' creation time. */
  from: number;
  /** End of the hourly data (exclusive, aligned): the last whole hour. */
  to: number;
  /** 5-minute rollups of uptime_s are seeded from here (aligned) to `fiveTo`. */
  fiveFrom: number;
  fiveTo: number;
  seed?: number;
}

export interface SeedReport {
  deviceIds: number[];
  hourRows: number;
  fiveRows: number;
  missingHourPct: number;
  seconds: number;
}

/** Deterministic PRNG (mulberry32), so two runs seed the same outages. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Multi-row INSERTs of `chunk` rows; the remainder goes through a statement sized for it. */
class BulkInsert {
  private readonly params: number[] = [];
  private readonly full: BetterSqlite3.Statement;
  rows = 0;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly head: string,
    private readonly width: number,
    private readonly chunk: number,
  ) {
    this.full = db.prepare(this.sql(chunk));
  }

  private sql(rows: number): string {
    return `${this.head} VALUES ${Array(rows)
      .fill(`(${Array(this.width).fill('?').join(',')})`)
      .join(',')}`;
  }

  add(...values: number[]): void {
    for (const v of values) this.params.push(v);
    this.rows++;
    if (this.params.length === this.chunk * this.width) {
      this.full.run(this.params);
      this.params.length = 0;
    }
  }

  flush(): void {
    if (this.params.length === 0) return;
    this.db.prepare(this.sql(this.params.length / this.width)).run(this.params);
    this.params.length = 0;
  }
}

/**
 * Hours an agent was down: an outage starts in 0.2 % of hours and lasts 1 to 24 hours
 * (≈ 2.5 % of hours missing); its cpu and uptime rows are absent for those hours.
 */
function outages(hours: number, rand: () => number): Uint8Array {
  const down = new Uint8Array(hours);
  for (let h = 0; h < hours; h++) {
    if (rand() < 0.002) {
      const len = 1 + Math.floor(rand() * 24);
      down.fill(1, h, Math.min(hours, h + len));
      h += len;
    }
  }
  return down;
}

/**
 * Seeds `devices` devices of one client and site, each with `cpu.usage_pct` and `uptime_s` series,
 * straight into the collector's SQLite file (schema already created by the collector): hourly
 * rollups over [from, to) and 5-minute rollups of `uptime_s` over [fiveFrom, fiveTo). Rows are
 * written as the collector's rollup pass would: one per series and bucket, one sample a minute.
 */
export function seedRollups(plan: SeedPlan): SeedReport {
  const started = performance.now();
  const db = new BetterSqlite3(plan.dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const rand = prng(plan.seed ?? 42);
  const hours = (plan.to - plan.from) / HOUR;
  const rollupCols = '(series_id, ts, count, sum, min, max, last, last_ts)';
  const hourly = new BulkInsert(db, `INSERT INTO rollup_1h ${rollupCols}`, 8, 500);
  const five = new BulkInsert(db, `INSERT INTO rollup_5m ${rollupCols}`, 8, 500);
  const insertDevice = db.prepare(
    "INSERT INTO devices (site_id, client_id, kind, hostname, platform, arch, os_name, created_at, last_seen_at) VALUES (?, ?, 'agent', ?, 'linux', 'x64', 'Debian GNU/Linux 12', ?, ?) RETURNING id",
  );
  const insertSeries = db.prepare("INSERT INTO series (device_id, key, name, labels) VALUES (?, ?, ?, '{}') RETURNING id");
  const deviceIds: number[] = [];
  let missing = 0;

  const seedDevice = (n: number) => {
    const { id } = insertDevice.get(plan.siteId, plan.clientId, `srv-${String(n).padStart(3, '0')}`, plan.from, plan.to) as { id: number };
    deviceIds.push(id);
    const cpu = (insertSeries.get(id, 'cpu.usage_pct', 'cpu.usage_pct') as { id: number }).id;
    const uptime = (insertSeries.get(id, 'uptime_s', 'uptime_s') as { id: number }).id;
    const down = outages(hours, rand);
    const load = 5 + rand() * 30; // this server's usual business-hours load
    for (let h = 0; h < hours; h++) {
      if (down[h]) continue;
      const ts = plan.from + h * HOUR;
      const local = new Date(ts + HOUR); // Paris, winter time: close enough for a load curve
      const busy = local.getUTCDay() % 6 !== 0 && local.getUTCHours() >= 8 && local.getUTCHours() < 19;
      const avg = Math.min(100, 2 + (busy ? load : load / 8) + rand() * 6);
      const min = Math.max(0, avg - 2 - rand() * avg * 0.8);
      const max = Math.min(100, avg + 5 + rand() * 40);
      hourly.add(cpu, ts, 60, avg * 60, min, max, avg + (rand() - 0.5) * 4, ts + 59 * MINUTE);
    }
    // Uptime counts from the end of the last outage.
    let bootAt = plan.from - 7 * 24 * HOUR;
    for (let h = 0; h < hours; h++) {
      const ts = plan.from + h * HOUR;
      if (down[h]) {
        bootAt = ts + HOUR;
        missing++;
        continue;
      }
      const up = (ts - bootAt) / 1000;
      hourly.add(uptime, ts, 60, 60 * up + 60 * 1770, up, up + 3540, up + 3540, ts + 59 * MINUTE);
    }
    bootAt = plan.from - 7 * 24 * HOUR;
    for (let h = 0; h < hours; h++) {
      const hourTs = plan.from + h * HOUR;
      if (down[h]) bootAt = hourTs + HOUR;
      if (down[h] || hourTs + HOUR <= plan.fiveFrom || hourTs >= plan.fiveTo) continue;
      for (let ts = Math.max(hourTs, plan.fiveFrom); ts < Math.min(hourTs + HOUR, plan.fiveTo); ts += FIVE) {
        if (rand() < 0.001) continue; // a short gap the hourly rollup does not show
        const up = (ts - bootAt) / 1000;
        five.add(uptime, ts, 5, 5 * up + 600, up, up + 240, up + 240, ts + 4 * MINUTE);
      }
    }
  };

  const batch = db.transaction((first: number, count: number) => {
    for (let n = first; n < first + count; n++) seedDevice(n);
    hourly.flush();
    five.flush();
  });
  const PER_TX = 10;
  for (let n = 0; n < plan.devices; n += PER_TX) batch(n, Math.min(PER_TX, plan.devices - n));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return {
    deviceIds,
    hourRows: hourly.rows,
    fiveRows: five.rows,
    missingHourPct: (100 * missing) / (hours * plan.devices),
    seconds: (performance.now() - started) / 1000,
  };
}
