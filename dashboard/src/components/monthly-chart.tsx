import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { currentLang, t } from '../i18n/i18n.js';

export interface MonthlySeries {
  label: string;
  values: (number | null)[];
  color: string;
  /** Bars (counts, amounts) or a line (rates). */
  bars?: boolean;
}

/** One value per month ('YYYY-MM'), drawn with uPlot; months are placed mid-month, labelled in the reader's language. */
export function MonthlyChart({
  months,
  series,
  format,
  title,
  range,
}: {
  months: string[];
  series: MonthlySeries[];
  format: (v: number) => string;
  title: string;
  range?: [number, number];
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current || months.length === 0) return;
    const xs = months.map((m) => Date.parse(`${m}-15T12:00:00Z`) / 1000);
    const label = new Intl.DateTimeFormat(currentLang() === 'en' ? 'en-GB' : 'fr-FR', { month: 'short', year: '2-digit', timeZone: 'UTC' });
    const bars = uPlot.paths.bars?.({ size: [0.6, 28] });
    const plot = new uPlot(
      {
        width: box.current.clientWidth || 600,
        height: 200,
        series: [
          { label: t('finance.month'), value: (_u: uPlot, v: number | null) => (v == null ? '—' : label.format(v * 1000)) },
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            fill: s.bars ? `${s.color}99` : undefined,
            width: s.bars ? 1 : 2,
            ...(s.bars && bars ? { paths: bars, points: { show: false } } : {}),
            value: (_u: uPlot, v: number | null) => (v == null ? '—' : format(v)),
          })),
        ],
        scales: { x: { range: [xs[0]! - 20 * 86_400, xs.at(-1)! + 20 * 86_400] }, ...(range ? { y: { range } } : {}) },
        axes: [
          { values: (_u, vals) => vals.map((v) => label.format(v * 1000)), space: 60 },
          { size: 84, values: (_u, vals) => vals.map((v) => format(v)) },
        ],
      },
      [xs, ...series.map((s) => s.values)] as uPlot.AlignedData,
      box.current,
    );
    const ro = new ResizeObserver(() => box.current && plot.setSize({ width: box.current.clientWidth, height: 200 }));
    ro.observe(box.current);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [months, series]);
  return (
    <figure class="chart" data-chart={title} data-months={months.length}>
      <div ref={box} class="chart-box" />
    </figure>
  );
}
