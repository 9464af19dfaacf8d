import { VigieError } from '@vigie/shared';
import type { MetricStore, RetentionPolicy, SeriesInfo } from '../store/metric-store.js';
import type { StatsRepository } from './repository.js';

/** Reports speak the clients' calendar: a month starts at local midnight in Paris. */
export const REPORT_TIME_ZONE = 'Europe/Paris';
/** The series whose samples prove an agent was alive; any series stands in when a device has none. */
export const HEARTBEAT_SERIES = 'uptime_s';
/**
 * A device without an agent is up in a bucket when its site agent's poll got an answer there: its
 * `snmp_up` series (1 answered, 0 not) reached 1. A poll that went unanswered is not a heartbeat.
 */
export const POLL_SERIES = 'snmp_up';

const FIVE_MINUTES = 300_000;
const HOUR = 3_600_000;

export interface MonthPeriod {
  month: string;
  /** UTC ms of the first local midnight of the month (inclusive). */
  from: number;
  /** UTC ms of the first local midnight of the next month (exclusive). */
  to: number;
}

export interface DeviceAvailability {
  deviceId: number;
  hostname: string;
  siteId: number;
  /** 'agentless': counted from its site agent's answered polls. */
  kind: string;
  /** Null when no whole bucket of the month was expected (device created after it ended). */
  availabilityPct: number | null;
  expectedBuckets: number;
  seenBuckets: number;
}

export interface ClientAvailability {
  clientId: number;
  month: string;
  from: number;
  /** End of the measured period: the month's end, or the last whole bucket before now. */
  to: number;
  resolution: '5m' | '1h';
  devices: DeviceAvailability[];
  clientAvailabilityPct: number | null;
}

const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

/** The local wall-clock time at instant `t`, written as if it were UTC. */
function wallClockAsUtc(t: number, timeZone: string): number {
  let f = wallClockFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallClockFormats.set(timeZone, f);
  }
  const p: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of f.formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
}

/** UTC ms of 00:00 local time on a calendar day; `month` is 1-12 and may be 13 (January next year). */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): number {
  const naive = Date.UTC(year, month - 1, day);
  // The offset at the naive instant may differ from the one at local midnight near a DST change: correct once.
  const guess = naive - (wallClockAsUtc(naive, timeZone) - naive);
  return naive - (wallClockAsUtc(guess, timeZone) - guess);
}

export function parseMonth(month: string): { year: number; month: number } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const year = Number(m?.[1]);
  const mon = Number(m?.[2]);
  if (!m || year < 1970 || mon < 1 || mon > 12) throw new VigieError('VALIDATION', `Not a month (YYYY-MM): ${JSON.stringify(month.slice(0, 20))}`);
  return { year, month: mon };
}

export function monthPeriod(month: string, timeZone = REPORT_TIME_ZONE): MonthPeriod {
  const p = parseMonth(month);
  return { month, from: zonedMidnight(p.year, p.month, 1, timeZone), to: zonedMidnight(p.year, p.month + 1, 1, timeZone) };
}

/** 5-minute rollups while the month is still within their retention, hourly ones after. */
export function bucketFor(period: MonthPeriod, now: number, retention: RetentionPolicy): { resolution: '5m' | '1h'; bucketMs: number } {
  return period.from >= now - retention.fiveMinMs ? { resolution: '5m', bucketMs: FIVE_MINUTES } : { resolution: '1h', bucketMs: HOUR };
}

/**
 * The whole buckets a device owed in the period: from its creation (or the month's start) to the
 * month's end (or now). Partial buckets at either end are left out, so a device is never blamed
 * for the bucket it was enrolled in nor for the one still running.
 */
export function expectedWindow(period: { from: number; to: number }, createdAt: number, now: number, bucketMs: number) {
  const from = Math.ceil(Math.max(period.from, createdAt) / bucketMs) * bucketMs;
  const to = Math.max(from, Math.floor(Math.min(period.to, now) / bucketMs) * bucketMs);
  return { from, to, expected: (to - from) / bucketMs };
}

/** Percentage with two decimals, rounded down so that 100 means every bucket was seen. */
export function availabilityPct(seen: number, expected: number): number | null {
  if (expected <= 0) return null;
  return Math.floor((seen * 10_000) / expected) / 100;
}

/**
 * The series names counted for a device: its uptime series, else all of its series (undefined);
 * for a device without an agent (`agentless`), its poll series alone (counted where it reached 1,
 * see `countedBuckets`).
 */
export function heartbeatSeries(series: readonly SeriesInfo[], agentless = false): string[] | undefined {
  if (agentless) return [POLL_SERIES];
  return series.some((s) => s.name === HEARTBEAT_SERIES) ? [HEARTBEAT_SERIES] : undefined;
}

export class AvailabilityService {
  constructor(
    private readonly repo: StatsRepository,
    /** The rollups are read through the metric store, whichever engine holds them (SQLite or InfluxDB). */
    private readonly metrics: MetricStore,
    private readonly retention: RetentionPolicy,
  ) {}

  async monthly(clientId: number, month: string, now: number): Promise<ClientAvailability> {
    const period = monthPeriod(month);
    if (period.from > now) throw new VigieError('VALIDATION', `Month ${month} has not started yet`);
    if (!(await this.repo.clientExists(clientId))) throw new VigieError('NOT_FOUND');
    const { resolution, bucketMs } = bucketFor(period, now, this.retention);
    const rows = await this.repo.devicesCreatedBefore(clientId, period.to);
    const agentless = new Set(rows.filter((d) => d.kind === 'agentless').map((d) => d.id));
    let seenTotal = 0;
    let expectedTotal = 0;
    const devices: DeviceAvailability[] = [];
    for (const d of rows) {
      const w = expectedWindow(period, d.created_at, now, bucketMs);
      const isAgentless = agentless.has(d.id);
      const names = heartbeatSeries(isAgentless ? [] : await this.metrics.listSeries(d.id), isAgentless);
      const seen = await this.metrics.countBuckets({ deviceId: d.id, names, resolution, from: w.from, to: w.to, positive: isAgentless });
      seenTotal += seen;
      expectedTotal += w.expected;
      devices.push({
        deviceId: d.id,
        hostname: d.hostname,
        siteId: d.site_id,
        kind: d.kind,
        availabilityPct: availabilityPct(seen, w.expected),
        expectedBuckets: w.expected,
        seenBuckets: seen,
      });
    }
    const to = Math.max(period.from, Math.floor(Math.min(period.to, now) / bucketMs) * bucketMs);
    return { clientId, month, from: period.from, to, resolution, devices, clientAvailabilityPct: availabilityPct(seenTotal, expectedTotal) };
  }
}
