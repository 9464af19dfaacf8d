import { MetricChart } from '../../components/metric-chart.js';
import { PeriodPicker, usePeriod } from '../../components/period.js';
import { t } from '../../i18n/i18n.js';

/** The usual four over a period the technician picks or zooms into: CPU, memory, filesystems, network. */
export function DeviceCharts({ deviceId }: { deviceId: number }) {
  const p = usePeriod('hour');
  return (
    <>
      <PeriodPicker value={p.period} onChange={p.set} presets={['hour', 'day', 'week', 'month', 'twoYears']} zoomedFrom={p.zoomedFrom} />
      <div class="charts">
        <MetricChart deviceId={deviceId} name="cpu.usage_pct" title={t('metric.cpu')} period={p.period} unit="pct" onZoom={p.zoom} />
        <MetricChart deviceId={deviceId} name="mem.used_pct" title={t('metric.mem')} period={p.period} unit="pct" onZoom={p.zoom} />
        <MetricChart deviceId={deviceId} name="fs.used_pct" title={t('metric.fs')} period={p.period} unit="pct" onZoom={p.zoom} />
        <MetricChart deviceId={deviceId} name="net.rx_bps" title={t('metric.net')} period={p.period} unit="Bps" onZoom={p.zoom} />
      </div>
    </>
  );
}
