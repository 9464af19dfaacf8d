import type { CheckResult, FlowBucket, FlowsProbeConfig, InterfaceTotals } from '@vigie/shared';
import type { Log } from '../log.js';
import { blockedReason, OPT_IN_REASONS } from '../outbound/index.js';
import { FlowAggregator, FlowReceiver, type FlowRecord, type FlowSink } from './flows/index.js';

interface IfCounters {
  inBytes: number;
  inPackets: number;
  outBytes: number;
  outPackets: number;
}

/**
 * Per exporter: one aggregator (its own top lists, per minute by default) and bytes per interface
 * of that exporter (input and output ifIndex), in the same periods.
 */
class ExporterFolds implements FlowSink {
  readonly byExporter = new Map<string, { agg: FlowAggregator; ifaces: Map<number, Map<number, IfCounters>> }>();

  constructor(
    private readonly config: FlowsProbeConfig,
    private readonly maxExporters = 64,
  ) {}

  add(record: FlowRecord, receivedAt: number): void {
    let e = this.byExporter.get(record.exporter);
    if (!e) {
      if (this.byExporter.size >= this.maxExporters) return;
      e = {
        agg: new FlowAggregator({
          bucketMs: this.config.bucketSec * 1000,
          topN: this.config.topN,
          ...(this.config.siteSubnets.length ? { siteSubnets: this.config.siteSubnets } : {}),
        }),
        ifaces: new Map(),
      };
      this.byExporter.set(record.exporter, e);
    }
    e.agg.add(record, receivedAt);
    // The same bucket as the aggregator: by flow end, or arrival when the exporter's clock is off.
    const at = Math.abs(record.end - receivedAt) > 3_600_000 ? receivedAt : record.end;
    const start = e.agg.bucketStart(at);
    let perIf = e.ifaces.get(start);
    if (!perIf) {
      perIf = new Map();
      e.ifaces.set(start, perIf);
    }
    const bump = (index: number | undefined, dir: 'in' | 'out') => {
      if (index === undefined || perIf.size >= 1024) return;
      let c = perIf.get(index);
      if (!c) {
        c = { inBytes: 0, inPackets: 0, outBytes: 0, outPackets: 0 };
        perIf.set(index, c);
      }
      if (dir === 'in') {
        c.inBytes += record.bytes;
        c.inPackets += record.packets;
      } else {
        c.outBytes += record.bytes;
        c.outPackets += record.packets;
      }
    };
    bump(record.inputIf, 'in');
    bump(record.outputIf, 'out');
  }

  /** Closed periods of every exporter, each with its interfaces. */
  drain(now: number, all = false): FlowBucket[] {
    const out: FlowBucket[] = [];
    for (const [exporter, e] of this.byExporter) {
      for (const summary of all ? e.agg.flush() : e.agg.drain(now)) {
        const interfaces: InterfaceTotals[] = [];
        for (const [start, perIf] of e.ifaces) {
          if (start < summary.start || start >= summary.end) continue;
          for (const [index, c] of perIf) {
            const t = interfaces.find((i) => i.index === index);
            if (t) {
              t.inBytes += c.inBytes;
              t.inPackets += c.inPackets;
              t.outBytes += c.outBytes;
              t.outPackets += c.outPackets;
            } else interfaces.push({ index, ...c });
          }
          e.ifaces.delete(start);
        }
        out.push({ exporter, summary, interfaces: interfaces.sort((a, b) => a.index - b.index) });
      }
    }
    return out;
  }
}

/**
 * The exporters the receiver accepts. The outbound guard's ranges apply: no router exports from a
 * metadata, link-local or multicast address, and a UDP source is easily forged, so such an entry is
 * dropped from the allowlist (its datagrams are then counted as refused) unless the policy opts in.
 */
export function guardExporters(config: Pick<FlowsProbeConfig, 'exporters' | 'allowLinkLocal'>): { allowed: string[]; refused: string[] } {
  const refused = config.exporters.filter((e) => {
    const reason = blockedReason(e);
    return reason !== undefined && !(config.allowLinkLocal === true && OPT_IN_REASONS.has(reason));
  });
  return { allowed: config.exporters.filter((e) => !refused.includes(e)), refused };
}

/**
 * Starts the flow receiver of the site role: NetFlow v5/v9 and IPFIX from the allowed exporters,
 * folded per exporter and period, sent as `flows` messages every period (whole buckets only).
 */
export async function startFlowRole(
  config: FlowsProbeConfig,
  send: (body: { buckets: FlowBucket[] }) => Promise<void>,
  log: Log,
  sendChecks: (body: { results: CheckResult[] }) => Promise<void> = async () => {},
  reportEveryMs = 300_000,
): Promise<{ close(): Promise<void> }> {
  const folds = new ExporterFolds(config);
  const ipv6 = config.bind.includes(':');
  const { allowed, refused } = guardExporters(config);
  if (refused.length > 0) log.warn('flow exporters refused by the outbound guard', { exporters: refused });
  const receiver = new FlowReceiver({ port: config.port, host: config.bind, ipv6, allowedExporters: allowed, sink: folds });
  const bound = await receiver.start();
  log.info('site role: flow receiver listening', { address: bound.address, port: bound.port, exporters: config.exporters.length });
  const flush = async (all: boolean) => {
    const buckets = folds.drain(Date.now(), all);
    for (let i = 0; i < buckets.length; i += 120) await send({ buckets: buckets.slice(i, i + 120) });
  };
  let sending = Promise.resolve();
  let last = { datagrams: 0, refused: 0, errors: 0, at: Date.now() };
  const target = `${config.bind}:${bound.port}`;
  // Every 5 minutes (reportEveryMs), what the receiver took and dropped, as a check of the agent: refused senders
  // and malformed datagrams are counted and dropped, and here they become visible.
  const report = async () => {
    const st = receiver.stats();
    const minutes = Math.max(1, Math.round(reportEveryMs / 60_000));
    const errors = st.exporters.reduce((n, e) => n + e.decodeErrors, 0) + st.overExporterLimit;
    const d = { datagrams: st.datagrams - last.datagrams, refused: st.refused - last.refused, errors: errors - last.errors };
    last = { datagrams: st.datagrams, refused: st.refused, errors, at: Date.now() };
    const values = {
      datagrams: d.datagrams,
      refused: d.refused,
      decodeErrors: d.errors,
      flows: st.flows,
      exporters: st.exporters.length,
      recentlyRefused: st.recentlyRefused.join(', ').slice(0, 1000),
    };
    const [status, code, message]: [CheckResult['status'], string, string] =
      d.refused > 0
        ? [
            'warning',
            'FLOWS_REFUSED',
            `Flux refusés de ${st.recentlyRefused.join(', ') || 'expéditeurs inconnus'} (${d.refused} datagrammes en ${minutes} min) : ajoutez-les aux exportateurs autorisés s’ils sont légitimes`,
          ]
        : d.errors > 0
          ? ['warning', 'FLOWS_DECODE_ERRORS', `${d.errors} datagrammes illisibles en ${minutes} min (sur ${d.datagrams})`]
          : d.datagrams === 0
            ? ['warning', 'FLOWS_SILENT', `Aucun flux reçu depuis ${minutes} min sur ${target}`]
            : ['ok', 'FLOWS_OK', `${d.datagrams} datagrammes reçus en ${minutes} min sur ${target}`];
    await sendChecks({ results: [{ check: 'flow-receiver', target, status, code, message, values, observedAt: Date.now() }] });
  };
  const timer = setInterval(
    () => {
      sending = sending.then(() => flush(false)).catch((err: Error) => log.error('flow summaries not sent', { err: err.message }));
    },
    Math.min(config.bucketSec * 1000, 60_000),
  );
  timer.unref();
  const reportTimer = setInterval(() => {
    sending = sending.then(report).catch((err: Error) => log.error('flow receiver state not sent', { err: err.message }));
  }, reportEveryMs);
  reportTimer.unref();
  return {
    async close() {
      clearInterval(timer);
      clearInterval(reportTimer);
      await receiver.stop();
      await sending;
      await flush(true).catch((err: Error) => log.error('flow summaries not sent', { err: err.message }));
    },
  };
}
