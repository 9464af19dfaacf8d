import { mergeSummaries, parisDate, type FlowSummary as WireFlowSummary } from '@vigie/shared';
import type { FlowService } from '../flows/service.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { FlowSource, FlowSummary } from './report-data.js';

const TOP = 10;

/**
 * The report's flow section from the site role's flow store: every site of the client merged —
 * totals, bytes per Paris day, heaviest hosts, services and destinations. Null when no site of the
 * client received flows in the period.
 */
export function flowStoreSource(db: RelationalStore, flows: Pick<FlowService, 'view' | 'daily'>): FlowSource {
  return {
    async summarize(clientId, period) {
      const sites = await db.kysely.selectFrom('sites').select('id').where('client_id', '=', clientId).orderBy('id').execute();
      const summaries: WireFlowSummary[] = [];
      const exporters = new Set<string>();
      const days = new Map<string, number>();
      for (const s of sites) {
        const v = await flows.view(s.id, period.from, period.to);
        if (!v.summary) continue;
        summaries.push(v.summary);
        for (const i of v.interfaces) if (i.exporter) exporters.add(i.exporter);
        for (const d of await flows.daily(s.id, period.from, period.to, parisDate)) days.set(d.day, (days.get(d.day) ?? 0) + d.bytes);
      }
      if (summaries.length === 0) return null;
      return toReportSummary(mergeSummaries(summaries, TOP), exporters.size, days);
    },
  };
}

export function toReportSummary(s: WireFlowSummary, exporters: number, days: ReadonlyMap<string, number>): FlowSummary {
  const hosts = new Map<string, { bytesIn: number; bytesOut: number }>();
  const host = (h: string) => hosts.get(h) ?? hosts.set(h, { bytesIn: 0, bytesOut: 0 }).get(h)!;
  for (const x of s.topSources) host(x.host).bytesOut += x.bytes;
  for (const x of s.topDestinations) host(x.host).bytesIn += x.bytes;
  return {
    totalBytes: s.total.bytes,
    totalFlows: s.total.flows,
    exporters,
    byDay: [...days].sort(([a], [b]) => a.localeCompare(b)).map(([date, bytes]) => ({ date, bytes })),
    topHosts: [...hosts]
      .map(([address, t]) => ({ address, ...t }))
      // Heaviest first, equal traffic by address: a total order.
      .sort((a, b) => b.bytesIn + b.bytesOut - (a.bytesIn + a.bytesOut) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
      .slice(0, TOP),
    topServices: s.services.slice(0, TOP).map((x) => ({ protocol: '', port: null, label: x.service, bytes: x.bytes })),
    topDestinations: s.topDestinations.slice(0, TOP).map((x) => ({ address: x.host, bytes: x.bytes })),
  };
}
