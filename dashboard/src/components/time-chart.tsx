import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { currentLang, fmt, TIME_ZONE, t } from '../i18n/i18n.js';

/** One series of a time chart: points are [UTC ms, value]. */
export interface SeriesPoints {
  key: string;
  labels: Record<string, string>;
  points: [number, number][];
}

/** How values are shown on the axis and in the legend. */
export type ChartUnit = 'bytes' | 'pct' | 'bps';

export const COLORS = ['#2563eb', '#16a34a', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

/** Aligns several series on one time axis (seconds), with gaps where a series has no point. */
export function alignSeries(series: SeriesPoints[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (const [x, v] of s.points) col[index.get(x)!] = v;
    return col;
  });
  return [xs.map((x) => x / 1000), ...ys] as uPlot.AlignedData;
}

/** Axis ticks in Paris time, in the reader's language: hours within two days, then days, then months. */
function timeTicks(spanMs: number): Intl.DateTimeFormat {
  const locale = currentLang() === 'en' ? 'en-GB' : 'fr-FR';
  if (spanMs <= 2 * 86_400_000) return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone: TIME_ZONE });
  if (spanMs <= 120 * 86_400_000) return new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', timeZone: TIME_ZONE });
  return new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: TIME_ZONE });
}

export function formatValue(v: number | null, unit?: ChartUnit): string {
  if (v == null) return '—';
  if (unit === 'bytes') return fmt.bytes(v);
  if (unit === 'bps') return fmt.bps(v);
  return `${fmt.number(v)}${unit === 'pct' ? ' %' : ''}`;
}

/**
 * Series over time drawn with uPlot, in Paris time. `series` undefined: still loading. The plot is
 * rebuilt when the number of series changes and fed new data otherwise.
 */
export function TimeChart({
  title,
  series,
  spanMs,
  unit,
  bars,
  label,
  attrs,
}: {
  title: string;
  series: SeriesPoints[] | undefined;
  spanMs: number;
  unit?: ChartUnit;
  /** Bars (volumes per period) rather than lines (rates). */
  bars?: boolean;
  /** The legend of a series; by default its labels, or the title. */
  label?: (s: SeriesPoints) => string;
  /** data-* attributes for the figure (tests read `data-points`). */
  attrs?: Record<string, string>;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = series ? alignSeries(series) : undefined;
  const n = data ? data[0].length : 0;

  useEffect(() => {
    if (!box.current || !series || !data) return;
    if (plot.current && plot.current.series.length === series.length + 1 && n > 0) {
      plot.current.setData(data);
      return;
    }
    plot.current?.destroy();
    plot.current = null;
    if (n === 0) return;
    const ticks = timeTicks(spanMs);
    const barPaths = bars ? uPlot.paths.bars?.({ size: [0.8, 24] }) : undefined;
    plot.current = new uPlot(
      {
        width: box.current.clientWidth || 480,
        height: 180,
        scales: unit === 'pct' ? { y: { range: [0, 100] } } : {},
        series: [
          { label: t('chart.time'), value: (_u: uPlot, v: number | null) => (v == null ? '—' : fmt.dateTime(v * 1000)) },
          ...series.map((s, i) => {
            const color = COLORS[i % COLORS.length]!;
            return {
              label: label ? label(s) : Object.values(s.labels).join(' ') || title,
              stroke: color,
              width: bars ? 1 : 1.5,
              spanGaps: false,
              ...(barPaths ? { paths: barPaths, fill: `${color}99`, points: { show: false } } : {}),
              value: (_u: uPlot, v: number | null) => formatValue(v, unit),
            };
          }),
        ],
        axes: [{ values: (_u, vals) => vals.map((v) => ticks.format(v * 1000)) }, { size: 84, values: (_u, vals) => vals.map((v) => formatValue(v, unit)) }],
      },
      data,
      box.current,
    );
  }, [series, spanMs]);

  useEffect(() => {
    const ro = new ResizeObserver(() => {
      if (plot.current && box.current) plot.current.setSize({ width: box.current.clientWidth, height: 180 });
    });
    if (box.current) ro.observe(box.current);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  const dataAttrs: Record<string, string | number> = { ...attrs, 'data-points': n };
  return (
    <figure class="chart" {...dataAttrs}>
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-box" />
      {series && n === 0 && <p class="muted">{t('device.noData')}</p>}
    </figure>
  );
}
