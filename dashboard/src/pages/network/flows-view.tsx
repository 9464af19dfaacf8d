import type { FlowView } from '@vigie/shared/api';
import { monthOf, shiftMonth } from '@vigie/shared/calendar';
import { useMemo, useState } from 'preact/hooks';
import type { Period } from '../../components/period.js';
import { TimeChart } from '../../components/time-chart.js';
import { Async, Empty, Section } from '../../components/ui.js';
import { currentLang, fmt, parisToday, t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';

/** Bytes, packets and flows of a row. */
type Totals = { bytes: number; packets: number; flows: number };

const DIRECTIONS = ['inbound', 'outbound', 'internal', 'transit'] as const;

/** A site's network flows over the period: volume, top talkers, applications, interfaces, and the monthly report. */
export function FlowsView({
  siteId,
  clientId,
  period,
  onZoom,
}: {
  siteId: number;
  clientId: number;
  period: Period;
  onZoom: (from: number, to: number) => void;
}) {
  const view = useApi<FlowView>(`/api/v1/sites/${siteId}/flows?from=${period.from}&to=${period.to}`);
  return (
    <>
      <Section title={t('flows.overview')} actions={<FlowReportLink clientId={clientId} />}>
        <Async state={view}>{(v) => (v.summary ? <FlowSummary v={v} period={period} onZoom={onZoom} /> : <Empty text={t('flows.none')} />)}</Async>
      </Section>
      {view.data?.summary && <FlowTables v={view.data} />}
    </>
  );
}

function FlowSummary({ v, period, onZoom }: { v: FlowView; period: Period; onZoom: (from: number, to: number) => void }) {
  const s = v.summary!;
  const series = useMemo(() => [{ key: 'bytes', labels: {}, points: v.series.map((p) => [p.t, p.bytes] as [number, number]) }], [v]);
  return (
    <>
      <div class="tiles flow-tiles" data-testid="flow-totals">
        <div class="tile">
          <span class="tile-n" data-testid="flow-total">
            {fmt.bytes(s.total.bytes)}
          </span>
          <span class="tile-l">{t('flows.volume')}</span>
        </div>
        {DIRECTIONS.map((d) => (
          <div class="tile">
            <span class="tile-n">{fmt.bytes(s.direction[d].bytes)}</span>
            <span class="tile-l">{t(`flows.dir.${d}`)}</span>
          </div>
        ))}
        <div class="tile">
          <span class="tile-n" data-testid="flow-peak">
            {v.peak ? fmt.bps(v.peak.bps) : '—'}
          </span>
          <span class="tile-l">{v.peak ? t('flows.peakAt', { date: fmt.dateTime(v.peak.t) }) : t('flows.peak')}</span>
        </div>
      </div>
      <p class="muted small">
        {t('flows.counts', { packets: fmt.number(s.total.packets), flows: fmt.number(s.total.flows) })} ·{' '}
        {v.resolution === 'detail' ? t('flows.resolution.detail') : t('flows.resolution.hour')}
      </p>
      <TimeChart
        title={v.resolution === 'detail' ? t('flows.volumePerPeriod') : t('flows.volumePerHour')}
        series={series}
        spanMs={period.spanMs}
        unit="bytes"
        bars
        label={() => t('flows.volume')}
        attrs={{ 'data-chart': 'flow-volume' }}
        onZoom={onZoom}
      />
    </>
  );
}

/** Hosts, conversations, applications and protocols, heaviest first, with their share of the total. */
function FlowTables({ v }: { v: FlowView }) {
  const s = v.summary!;
  const total = s.total.bytes || 1;
  const rows = (items: (Totals & { label: string })[], testId: string, head: string) => (
    <table class="table compact" data-testid={testId}>
      <thead>
        <tr>
          <th>{head}</th>
          <th class="num">{t('flows.volume')}</th>
          <th class="num">{t('flows.share')}</th>
          <th class="num">{t('flows.packets')}</th>
          <th class="num">{t('flows.flows')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((i) => (
          <tr>
            <td class="mono">{i.label}</td>
            <td class="num">{fmt.bytes(i.bytes)}</td>
            <td class="num">{fmt.pct((i.bytes / total) * 100)}</td>
            <td class="num">{fmt.number(i.packets)}</td>
            <td class="num">{fmt.number(i.flows)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <>
      <div class="grid-2">
        <Section title={t('flows.topSources')}>
          {rows(
            s.topSources.map((h) => ({ ...h, label: h.host })),
            'top-sources',
            t('flows.host'),
          )}
        </Section>
        <Section title={t('flows.topDestinations')}>
          {rows(
            s.topDestinations.map((h) => ({ ...h, label: h.host })),
            'top-destinations',
            t('flows.host'),
          )}
        </Section>
      </div>
      <div class="grid-2">
        <Section title={t('flows.applications')}>
          {rows(
            s.services.map((x) => ({ ...x, label: x.service })),
            'applications',
            t('flows.application'),
          )}
        </Section>
        <Section title={t('flows.protocols')}>
          {rows(
            s.protocols.map((x) => ({ ...x, label: x.name || String(x.protocol) })),
            'protocols',
            t('flows.protocol'),
          )}
        </Section>
      </div>
      <Section title={t('flows.conversations')}>
        {rows(
          s.topConversations.map((c) => ({ ...c, label: `${c.a} ↔ ${c.b}` })),
          'conversations',
          t('flows.conversation'),
        )}
      </Section>
      {v.interfaces.length > 0 && (
        <Section title={t('flows.interfaces')}>
          <table class="table compact" data-testid="flow-interfaces">
            <thead>
              <tr>
                <th>{t('network.interface')}</th>
                <th class="num">{t('network.in')}</th>
                <th class="num">{t('network.out')}</th>
                <th class="num">{t('flows.peakIn')}</th>
                <th class="num">{t('flows.peakOut')}</th>
                <th class="num">{t('flows.saturation')}</th>
              </tr>
            </thead>
            <tbody>
              {v.interfaces.map((i) => (
                <tr>
                  <td>
                    <span class="mono">{i.name ?? `#${i.index}`}</span> <span class="muted small">({i.exporter})</span>
                  </td>
                  <td class="num">{fmt.bytes(i.inBytes)}</td>
                  <td class="num">{fmt.bytes(i.outBytes)}</td>
                  <td class="num">{fmt.bps(i.peakInBps)}</td>
                  <td class="num">{fmt.bps(i.peakOutBps)}</td>
                  <td class={`num ${(i.saturationPct ?? 0) >= 80 ? 'text-critical' : ''}`}>{i.saturationPct === null ? '—' : fmt.pct(i.saturationPct)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
    </>
  );
}

/** The monthly flow report (PDF) of the client, for one of the last twelve months. */
function FlowReportLink({ clientId }: { clientId: number }) {
  const thisMonth = monthOf(parisToday());
  const [month, setMonth] = useState(thisMonth);
  const months = Array.from({ length: 12 }, (_, i) => shiftMonth(thisMonth, -i));
  return (
    <div class="row">
      <label class="inline">
        <span class="sr-only">{t('flows.reportMonth')}</span>
        <select aria-label={t('flows.reportMonth')} value={month} onChange={(e) => setMonth((e.currentTarget as HTMLSelectElement).value)}>
          {months.map((m) => (
            <option value={m}>{fmt.month(m)}</option>
          ))}
        </select>
      </label>
      <a
        class="button secondary-link"
        href={`/api/v1/clients/${clientId}/flow-report?month=${month}&lang=${currentLang()}`}
        target="_blank"
        rel="noopener"
        data-testid="flow-report"
      >
        {t('flows.report')}
      </a>
    </div>
  );
}
