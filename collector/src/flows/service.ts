import { type FlowBucket, type FlowSummary, type InterfaceTotals, mergeSummaries, VigieError } from '@vigie/shared';
import { type Kysely, sql } from 'kysely';
import type { MetricStore } from '../store/metric-store.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Per-period detail kept this long; hourly merged summaries at least two years (issue 8). */
export const FLOW_DETAIL_RETENTION_MS = 30 * DAY;
export const FLOW_HOURLY_RETENTION_MS = (2 * 365 + 31) * DAY;

interface BucketRow {
  id: number;
  site_id: number;
  exporter: string;
  start: number;
  end: number;
  bytes: number;
  packets: number;
  flows: number;
  summary: string;
  /** An hourly row: its busiest per-minute bucket (null for hours rolled up before it was kept). */
  peak_at?: number | null;
  peak_bytes?: number | null;
  peak_packets?: number | null;
  peak_ms?: number | null;
}

/** An interface's totals over a bucket or an hour, with (once rolled up) its busiest minute each way. */
type StoredInterface = InterfaceTotals & { exporter: string; peakInBps?: number; peakOutBps?: number; peakAt?: number };

const bps = (bytes: number, ms: number) => Math.round((bytes * 8 * 1000) / ms);

/** The busiest period of a set of buckets, exporters added up per period. */
export function busiestPeriod(buckets: readonly { start: number; end: number; bytes: number; packets: number }[]) {
  const periods = new Map<number, { t: number; bytes: number; packets: number; ms: number }>();
  for (const b of buckets) {
    const p = periods.get(b.start) ?? { t: b.start, bytes: 0, packets: 0, ms: b.end - b.start };
    p.bytes += b.bytes;
    p.packets += b.packets;
    periods.set(b.start, p);
  }
  let best: { t: number; bytes: number; packets: number; ms: number } | null = null;
  for (const p of periods.values()) if (p.ms > 0 && (!best || p.bytes / p.ms > best.bytes / best.ms)) best = p;
  return best;
}

export interface InterfaceView {
  exporter: string;
  index: number;
  /** The interface's name on the exporter when a site agent also polls it over SNMP. */
  name: string | null;
  speedBps: number | null;
  inBytes: number;
  outBytes: number;
  inPackets: number;
  outPackets: number;
  /** Highest rate over one period (bit/s), each way, and its share of the link speed. */
  peakInBps: number;
  peakOutBps: number;
  peakAt: number | null;
  saturationPct: number | null;
}

export interface FlowView {
  siteId: number;
  from: number;
  to: number;
  resolution: 'detail' | 'hour';
  summary: FlowSummary | null;
  series: { t: number; bytes: number; packets: number; flows: number }[];
  interfaces: InterfaceView[];
  /** The busiest period. */
  peak: { t: number; bytes: number; bps: number; packets: number; pps: number } | null;
}

/**
 * Network flows of a site (site role): what site agents send (per exporter and period, with the
 * exporter's interfaces), hourly merged rollups, retention, and the views the dashboard and the
 * monthly flow report read.
 */
export class FlowService {
  constructor(
    private readonly db: RelationalStore,
    private readonly metrics: MetricStore,
  ) {}

  /**
   * Merges the detail of every hour that received data since the last pass into `flow_hourly`,
   * and drops what is past retention. Idempotent; safe to run from several workers.
   */
  async maintain(now: number): Promise<{ hours: number }> {
    return await this.db.kysely.transaction().execute(async (tx) => {
      // SQLite's BEGIN IMMEDIATE makes passes take turns; on PostgreSQL this lock does, so that a pass
      // reading older buckets never writes its hours after a newer pass moved the cursor past them.
      if (this.db.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext('vigie.flows.rollup'))`.execute(tx);
      const cursorRow = await tx.selectFrom('kv').select('value').where('key', '=', 'flows.rollup.cursor').executeTakeFirst();
      const cursor = Number(cursorRow?.value ?? 0);
      const maxId =
        (
          await tx
            .selectFrom('flow_buckets')
            .select((eb) => eb.fn.max('id').as('id'))
            .executeTakeFirst()
        )?.id ?? 0;
      // start and HOUR are integers on both engines (BIGINT on PostgreSQL): the division truncates to the hour.
      const hours = await tx
        .selectFrom('flow_buckets')
        .select(['site_id', sql<number>`(start / ${sql.lit(HOUR)}) * ${sql.lit(HOUR)}`.as('hour')])
        .distinct()
        .where('id', '>', cursor)
        .where('id', '<=', maxId)
        .orderBy('site_id')
        .orderBy('hour')
        .execute();
      for (const h of hours) {
        const hour = Number(h.hour);
        const rows = await tx
          .selectFrom('flow_buckets')
          .select('summary')
          .where('site_id', '=', h.site_id)
          .where('start', '>=', hour)
          .where('start', '<', hour + HOUR)
          .orderBy('start')
          .orderBy('id')
          .execute();
        const buckets = rows.map((r) => JSON.parse(r.summary) as FlowBucket);
        if (buckets.length === 0) continue;
        const merged = {
          ...mergeSummaries(
            buckets.map((b) => b.summary),
            50,
          ),
          start: hour,
          end: hour + HOUR,
        };
        const stored = { summary: merged, interfaces: mergeInterfaces(buckets) };
        // The hour keeps its busiest minute: the report's peak is the real one, long after the minutes are gone.
        const peak = busiestPeriod(
          buckets.map((b) => ({ start: b.summary.start, end: b.summary.end, bytes: b.summary.total.bytes, packets: b.summary.total.packets })),
        );
        await tx
          .insertInto('flow_hourly')
          .values({
            site_id: h.site_id,
            hour,
            bytes: merged.total.bytes,
            packets: merged.total.packets,
            flows: merged.total.flows,
            summary: JSON.stringify(stored),
            updated_at: now,
            peak_at: peak?.t ?? null,
            peak_bytes: peak?.bytes ?? null,
            peak_packets: peak?.packets ?? null,
            peak_ms: peak?.ms ?? null,
          })
          .onConflict((oc) =>
            oc.columns(['site_id', 'hour']).doUpdateSet((eb) => ({
              bytes: eb.ref('excluded.bytes'),
              packets: eb.ref('excluded.packets'),
              flows: eb.ref('excluded.flows'),
              summary: eb.ref('excluded.summary'),
              updated_at: eb.ref('excluded.updated_at'),
              peak_at: eb.ref('excluded.peak_at'),
              peak_bytes: eb.ref('excluded.peak_bytes'),
              peak_packets: eb.ref('excluded.peak_packets'),
              peak_ms: eb.ref('excluded.peak_ms'),
            })),
          )
          .execute();
      }
      await tx
        .insertInto('kv')
        .values({ key: 'flows.rollup.cursor', value: String(maxId) })
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
        .execute();
      await tx
        .deleteFrom('flow_buckets')
        .where('start', '<', now - FLOW_DETAIL_RETENTION_MS)
        .where('id', '<=', maxId)
        .execute();
      await tx
        .deleteFrom('flow_hourly')
        .where('hour', '<', now - FLOW_HOURLY_RETENTION_MS)
        .execute();
      return { hours: hours.length };
    });
  }

  /**
   * A site's flows over [from, to): the merged summary (top 10), a time series, interfaces with
   * their peaks and saturation. Detail rows when the range is short and recent, hourly otherwise.
   */
  async view(siteId: number, from: number, to: number, now = Date.now()): Promise<FlowView> {
    if (!(to > from)) throw new VigieError('VALIDATION', '`to` must be after `from`');
    if (to - from > 800 * DAY) throw new VigieError('VALIDATION', 'Range too long (at most 800 days)');
    const detail = from >= now - FLOW_DETAIL_RETENTION_MS && to - from <= 3 * DAY;
    // The detail is read as stored; only the hourly view needs the last minutes rolled up.
    if (!detail) await this.maintain(now);
    // One read transaction: the rows and the names put on them come from the same state.
    const { view, snmpDevices } = await this.db.kysely.transaction().execute(async (tx) => {
      // Ordered totally (period, then arrival): equal peaks and equal interfaces then come out the same on both engines.
      const rows: BucketRow[] = detail
        ? await tx
            .selectFrom('flow_buckets')
            .select(['id', 'site_id', 'exporter', 'start', 'end', 'bytes', 'packets', 'flows', 'summary'])
            .where('site_id', '=', siteId)
            .where('start', '>=', from)
            .where('start', '<', to)
            .orderBy('start')
            .orderBy('id')
            .execute()
        : (
            await tx
              .selectFrom('flow_hourly')
              .select(['site_id', 'hour as start', 'bytes', 'packets', 'flows', 'summary', 'peak_at', 'peak_bytes', 'peak_packets', 'peak_ms'])
              .where('site_id', '=', siteId)
              .where('hour', '>=', Math.floor(from / HOUR) * HOUR)
              .where('hour', '<', to)
              .orderBy('hour')
              .execute()
          ).map((r) => ({ ...r, id: 0, end: r.start + HOUR, exporter: '' }));
      const parsed = rows.map((r) => {
        const stored = JSON.parse(r.summary) as FlowBucket | { summary: FlowSummary; interfaces: StoredInterface[] };
        const interfaces: StoredInterface[] =
          'exporter' in stored ? stored.interfaces.map((i) => ({ ...i, exporter: stored.exporter })) : (stored.interfaces as StoredInterface[]);
        return { row: r, summary: stored.summary, interfaces };
      });
      const series = new Map<number, { t: number; bytes: number; packets: number; flows: number; ms: number }>();
      for (const p of parsed) {
        const s = series.get(p.row.start) ?? { t: p.row.start, bytes: 0, packets: 0, flows: 0, ms: p.row.end - p.row.start };
        s.bytes += p.summary.total.bytes;
        s.packets += p.summary.total.packets;
        s.flows += p.summary.total.flows;
        series.set(p.row.start, s);
      }
      const points = [...series.values()].sort((a, b) => a.t - b.t);
      // The busiest minute: from the detail, or from what each hour kept of it (an hour rolled up before
      // it was kept counts with its average).
      const busiest = detail
        ? busiestPeriod(parsed.map((p) => ({ start: p.row.start, end: p.row.end, bytes: p.summary.total.bytes, packets: p.summary.total.packets })))
        : parsed.reduce<{ t: number; bytes: number; packets: number; ms: number } | null>((m, p) => {
            const r = p.row;
            const c =
              r.peak_at != null && r.peak_bytes != null && r.peak_ms
                ? { t: r.peak_at, bytes: r.peak_bytes, packets: r.peak_packets ?? 0, ms: r.peak_ms }
                : { t: r.start, bytes: r.bytes, packets: r.packets, ms: r.end - r.start };
            return !m || c.bytes / c.ms > m.bytes / m.ms ? c : m;
          }, null);
      const interfaces = this.interfaceViews(parsed);
      const view: FlowView = {
        siteId,
        from,
        to,
        resolution: detail ? 'detail' : 'hour',
        summary: parsed.length
          ? await this.named(
              tx,
              siteId,
              mergeSummaries(
                parsed.map((p) => p.summary),
                10,
              ),
            )
          : null,
        series: points.map(({ ms: _ms, ...p }) => p),
        interfaces,
        peak: busiest
          ? {
              t: busiest.t,
              bytes: busiest.bytes,
              bps: Math.round((busiest.bytes * 8 * 1000) / busiest.ms),
              packets: busiest.packets,
              pps: Math.round((busiest.packets * 1000 * 10) / busiest.ms) / 10,
            }
          : null,
      };
      const snmpDevices = new Map<string, number>();
      for (const exporter of new Set(interfaces.map((i) => i.exporter))) {
        const deviceId = await this.snmpDevice(tx, siteId, exporter);
        if (deviceId !== undefined) snmpDevices.set(exporter, deviceId);
      }
      return { view, snmpDevices };
    });
    // Names and speeds from the exporter's own SNMP metrics, when a site agent polls it (read from the metric store).
    for (const [exporter, deviceId] of snmpDevices) {
      const known = await this.snmpInterfaces(deviceId);
      for (const v of view.interfaces) {
        const k = v.exporter === exporter ? known.get(v.index) : undefined;
        if (!k) continue;
        v.name = k.name;
        v.speedBps = k.speed;
        if (k.speed) v.saturationPct = Math.round((Math.max(v.peakInBps, v.peakOutBps) / k.speed) * 1000) / 10;
      }
    }
    return view;
  }

  /**
   * A summary whose hosts carry the name the client's inventory gives their address (a device's
   * network interfaces, a watched device's address), when it does.
   */
  private async named(tx: Kysely<DB>, siteId: number, s: FlowSummary) {
    const names = new Map<string, string>();
    // By device id: when two devices claim an address, the newer one names it, on both engines.
    const rows = await tx
      .selectFrom('devices as d')
      .innerJoin('sites as s', 's.client_id', 'd.client_id')
      .leftJoin('device_search as ds', 'ds.device_id', 'd.id')
      .select(['d.hostname', 'd.kind', 'd.external_key', 'ds.ips'])
      .where('s.id', '=', siteId)
      .orderBy('d.id')
      .execute();
    for (const r of rows) {
      for (const ip of (r.ips ?? '').split('\n')) if (ip) names.set(ip, r.hostname);
      const snmp = r.external_key?.startsWith('snmp:') ? r.external_key.slice(5).replace(/:\d+$/, '') : undefined;
      if (snmp) names.set(snmp, r.hostname);
    }
    const host = <T extends { host: string }>(h: T) => (names.has(h.host) ? { ...h, name: names.get(h.host)! } : h);
    return {
      ...s,
      topSources: s.topSources.map(host),
      topDestinations: s.topDestinations.map(host),
      topConversations: s.topConversations.map((c) => ({
        ...c,
        ...(names.has(c.a) ? { aName: names.get(c.a)! } : {}),
        ...(names.has(c.b) ? { bName: names.get(c.b)! } : {}),
      })),
    };
  }

  private interfaceViews(parsed: { row: BucketRow; interfaces: StoredInterface[] }[]): InterfaceView[] {
    const out = new Map<string, InterfaceView>();
    for (const p of parsed) {
      const ms = p.row.end - p.row.start;
      for (const i of p.interfaces) {
        // ifIndex 0 is "unknown" in NetFlow: traffic the exporter could not put on an interface, not one of them.
        if (i.index === 0) continue;
        const key = `${i.exporter}#${i.index}`;
        const v = out.get(key) ?? {
          exporter: i.exporter,
          index: i.index,
          name: null,
          speedBps: null,
          inBytes: 0,
          outBytes: 0,
          inPackets: 0,
          outPackets: 0,
          peakInBps: 0,
          peakOutBps: 0,
          peakAt: null,
          saturationPct: null,
        };
        v.inBytes += i.inBytes;
        v.outBytes += i.outBytes;
        v.inPackets += i.inPackets;
        v.outPackets += i.outPackets;
        // Its busiest minute when the hour kept it, else the period's own rate.
        const inBps = i.peakInBps ?? bps(i.inBytes, ms);
        const outBps = i.peakOutBps ?? bps(i.outBytes, ms);
        if (Math.max(inBps, outBps) > Math.max(v.peakInBps, v.peakOutBps)) v.peakAt = i.peakAt ?? p.row.start;
        v.peakInBps = Math.max(v.peakInBps, inBps);
        v.peakOutBps = Math.max(v.peakOutBps, outBps);
        out.set(key, v);
      }
    }
    // Heaviest first; equal traffic by exporter then index, so that the order is total.
    return [...out.values()].sort(
      (a, b) => b.inBytes + b.outBytes - (a.inBytes + a.outBytes) || (a.exporter < b.exporter ? -1 : a.exporter > b.exporter ? 1 : 0) || a.index - b.index,
    );
  }

  /** The agentless device a site agent polls over SNMP at the exporter's address, if any. */
  private async snmpDevice(tx: Kysely<DB>, siteId: number, exporter: string): Promise<number | undefined> {
    // 'snmp:<address>' or 'snmp:<address>:<port>': the prefix as a range (';' follows ':'), compared
    // the same on both engines, where LIKE would ignore case on SQLite only.
    const key = `snmp:${exporter}`;
    const dev = await tx
      .selectFrom('devices')
      .select('id')
      .where('site_id', '=', siteId)
      .where('kind', '=', 'agentless')
      .where((eb) => eb.or([eb('external_key', '=', key), eb.and([eb('external_key', '>=', `${key}:`), eb('external_key', '<', `${key};`)])]))
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return dev?.id;
  }

  private async snmpInterfaces(deviceId: number): Promise<Map<number, { name: string; speed: number | null }>> {
    const out = new Map<number, { name: string; speed: number | null }>();
    const latest = await this.metrics.latest(deviceId);
    const speeds = new Map<string, number>();
    for (const [key, v] of Object.entries(latest)) {
      const m = /^net_if_(index|speed_bps)\{if=(.*)\}$/.exec(key);
      if (!m) continue;
      if (m[1] === 'speed_bps') speeds.set(m[2]!, v.value);
      else out.set(v.value, { name: m[2]!, speed: null });
    }
    for (const [, e] of out) e.speed = speeds.get(e.name) ?? null;
    return out;
  }

  /** Per day over a month, for the report: bytes per Paris day, from the hourly rollups as they are (view() brings them up to date). */
  async daily(siteId: number, from: number, to: number, dayOf: (ms: number) => string): Promise<{ day: string; bytes: number }[]> {
    const rows = await this.db.kysely
      .selectFrom('flow_hourly')
      .select(['hour', 'bytes'])
      .where('site_id', '=', siteId)
      .where('hour', '>=', from)
      .where('hour', '<', to)
      .orderBy('hour')
      .execute();
    const days = new Map<string, number>();
    for (const r of rows) days.set(dayOf(r.hour), (days.get(dayOf(r.hour)) ?? 0) + r.bytes);
    return [...days].map(([day, bytes]) => ({ day, bytes }));
  }
}

/** Sums the interface counters of several buckets (keyed by exporter and index), and keeps each one's busiest bucket each way. */
function mergeInterfaces(buckets: FlowBucket[]): StoredInterface[] {
  const out = new Map<string, StoredInterface>();
  for (const b of buckets) {
    const ms = b.summary.end - b.summary.start;
    for (const i of b.interfaces) {
      const key = `${b.exporter}#${i.index}`;
      const inBps = ms > 0 ? bps(i.inBytes, ms) : 0;
      const outBps = ms > 0 ? bps(i.outBytes, ms) : 0;
      const v = out.get(key);
      if (v) {
        v.inBytes += i.inBytes;
        v.inPackets += i.inPackets;
        v.outBytes += i.outBytes;
        v.outPackets += i.outPackets;
        if (Math.max(inBps, outBps) > Math.max(v.peakInBps ?? 0, v.peakOutBps ?? 0)) v.peakAt = b.summary.start;
        v.peakInBps = Math.max(v.peakInBps ?? 0, inBps);
        v.peakOutBps = Math.max(v.peakOutBps ?? 0, outBps);
      } else out.set(key, { ...i, exporter: b.exporter, peakInBps: inBps, peakOutBps: outBps, peakAt: b.summary.start });
    }
  }
  return [...out.values()];
}
