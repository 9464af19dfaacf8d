import { type MonthPeriod, monthPeriod, VigieError } from '@vigie/shared';
import type { MetricStore, RetentionPolicy, SeriesInfo } from '../store/metric-store.js';
import type { StatsRepository } from './repository.js';

/** The series whose samples prove an agent was alive; any series stands in when a device has none. */
export const HEARTBEAT_SERIES = 'uptime_s';
/**
 * A device without an agent is up in a bucket when its site agent's poll got an answer there: its
 * `snmp_up` series (1 answered, 0 not) reached 1. A poll that went unanswered is not a heartbeat.
 */
export const POLL_SERIES = 'snmp_up';

const FIVE_MINUTES = 300_000;
const HOUR = 3_600_000;

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
    return (await this.months(clientId, [month], now))[0]!;
  }

  /**
   * Several months at once, in their order, each as `monthly` gives it: the devices and their
   * series are read once, and the buckets of every device and month counted in one metric store
   * call per resolution (a round trip each on PostgreSQL or InfluxDB, instead of two per device
   * and month).
   */
  async months(clientId: number, months: readonly string[], now: number): Promise<ClientAvailability[]> {
    const periods = months.map((month) => {
      const period = monthPeriod(month);
      if (period.from > now) throw new VigieError('VALIDATION', `Month ${month} has not started yet`);
      return { month, period, ...bucketFor(period, now, this.retention) };
    });
    if (periods.length === 0) return [];
    if (!(await this.repo.clientExists(clientId))) throw new VigieError('NOT_FOUND');
    const rows = await this.repo.devicesCreatedBefore(clientId, Math.max(...periods.map((p) => p.period.to)));
    const agentless = new Set(rows.filter((d) => d.kind === 'agentless').map((d) => d.id));
    const series = await this.metrics.listSeriesOf(rows.filter((d) => !agentless.has(d.id)).map((d) => d.id));
    const names = new Map(rows.map((d) => [d.id, heartbeatSeries(series.get(d.id) ?? [], agentless.has(d.id))]));
    // Per month, its devices (those created before its end) and the window each of them owed.
    const owed = periods.map((p) =>
      rows.filter((d) => d.created_at < p.period.to).map((d) => ({ device: d, window: expectedWindow(p.period, d.created_at, now, p.bucketMs) })),
    );
    const seen = owed.map((devices) => devices.map(() => 0));
    for (const resolution of ['5m', '1h'] as const) {
      const at = periods.flatMap((p, m) => (p.resolution === resolution ? [m] : []));
      if (at.length === 0) continue;
      // Each device with its windows in these months; `slots` remembers which (month, row) each window is.
      const devices = rows.map((d) => ({
        deviceId: d.id,
        names: names.get(d.id),
        positive: agentless.has(d.id),
        windows: [] as { from: number; to: number }[],
      }));
      const slots = rows.map(() => [] as [number, number][]);
      const index = new Map(rows.map((d, i) => [d.id, i]));
      for (const m of at)
        owed[m]!.forEach(({ device, window }, r) => {
          const i = index.get(device.id)!;
          devices[i]!.windows.push({ from: window.from, to: window.to });
          slots[i]!.push([m, r]);
        });
      const counts = await this.metrics.bucketCounts({ resolution, devices: devices.filter((d) => d.windows.length > 0) });
      let c = 0;
      devices.forEach((d, i) => {
        if (d.windows.length === 0) return;
        counts[c++]!.forEach((n, k) => {
          const [m, r] = slots[i]![k]!;
          seen[m]![r] = n;
        });
      });
    }
    return periods.map((p, m) => {
      let seenTotal = 0;
      let expectedTotal = 0;
      const devices: DeviceAvailability[] = owed[m]!.map(({ device: d, window: w }, r) => {
        const n = seen[m]![r]!;
        seenTotal += n;
        expectedTotal += w.expected;
        return {
          deviceId: d.id,
          hostname: d.hostname,
          siteId: d.site_id,
          kind: d.kind,
          availabilityPct: availabilityPct(n, w.expected),
          expectedBuckets: w.expected,
          seenBuckets: n,
        };
      });
      const to = Math.max(p.period.from, Math.floor(Math.min(p.period.to, now) / p.bucketMs) * p.bucketMs);
      return {
        clientId,
        month: p.month,
        from: p.period.from,
        to,
        resolution: p.resolution,
        devices,
        clientAvailabilityPct: availabilityPct(seenTotal, expectedTotal),
      };
    });
  }
}
