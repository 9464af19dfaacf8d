import { MetricChart, type Range } from '../../components/metric-chart.js';
import { t } from '../../i18n/i18n.js';

/** The usual four: CPU, memory, filesystems, network. */
export function DeviceCharts({ deviceId, range }: { deviceId: number; range: Range }) {
  return (
    <div class="charts">
      <MetricChart deviceId={deviceId} name="cpu.usage_pct" title={t('metric.cpu')} range={range} unit="pct" />
      <MetricChart deviceId={deviceId} name="mem.used_pct" title={t('metric.mem')} range={range} unit="pct" />
      <MetricChart deviceId={deviceId} name="fs.used_pct" title={t('metric.fs')} range={range} unit="pct" />
      <MetricChart deviceId={deviceId} name="net.rx_bps" title={t('metric.net')} range={range} unit="bytes" />
    </div>
  );
}
