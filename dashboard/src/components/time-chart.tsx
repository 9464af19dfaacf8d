import type { SeriesPoints } from '@vigie/shared/api';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { currentLang, fmt, type MessageKey, TIME_ZONE, t } from '../i18n/i18n.js';

export type { SeriesPoints };

/** How values are shown on the axis and in the legend: a share, bytes, bytes per second, bits per second, a count. */
export type ChartUnit = 'pct' | 'bytes' | 'Bps' | 'bps' | 'count';

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

const formatters = new Map<string, Intl.DateTimeFormat>();
function paris(opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const locale = currentLang() === 'en' ? 'en-GB' : 'fr-FR';
  const key = `${locale}${JSON.stringify(opts)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...opts, timeZone: TIME_ZONE });
    formatters.set(key, f);
  }
  return f;
}

/**
 * The time axis's ticks in Paris time (issue 18, point 9): hours within a day — with the date on
 * the first tick and wherever the day changes —, date and hour up to a week, days up to four
 * months, months beyond.
 */
export function timeTicks(ticks: number[], spanMs: number): string[] {
  const day = paris({ day: '2-digit', month: '2-digit' });
  const hour = paris({ hour: '2-digit', minute: '2-digit' });
  if (spanMs > 120 * 86_400_000) return ticks.map((ms) => paris({ month: 'short', year: 'numeric' }).format(ms));
  if (spanMs > 7 * 86_400_000) return ticks.map((ms) => day.format(ms));
  if (spanMs > 36 * 3600_000) return ticks.map((ms) => `${day.format(ms)} ${hour.format(ms)}`);
  let last = '';
  return ticks.map((ms) => {
    const d = day.format(ms);
    const text = d !== last ? `${d} ${hour.format(ms)}` : hour.format(ms);
    last = d;
    return text;
  });
}

export function formatValue(v: number | null, unit?: ChartUnit): string {
  if (v == null) return '—';
  if (unit === 'bytes') return fmt.bytes(v);
  if (unit === 'Bps') return `${fmt.bytes(v)}/s`;
  if (unit === 'bps') return fmt.bps(v);
  return `${fmt.number(v)}${unit === 'pct' ? '\u00a0%' : ''}`;
}

/** The value axis's name, with its unit (« Octets par seconde », « Pourcentage (%) »). */
export const unitAxis = (unit: ChartUnit | undefined) => t(`chart.axis.${unit ?? 'count'}` as MessageKey);

/**
 * Series over time drawn with uPlot, in Paris time, both axes named with their unit. `series`
 * undefined: still loading. Dragging across the plot calls `onZoom` with the stretch chosen (the page
 * reloads it at a finer step). The plot is rebuilt when the number of series changes and fed new
 * data otherwise.
 */
export function TimeChart({
  title,
  series,
  spanMs,
  unit,
  bars,
  label,
  attrs,
  onZoom,
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
  onZoom?: (fromMs: number, toMs: number) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const figure = useRef<HTMLElement>(null);
  const plot = useRef<uPlot | null>(null);
  const zoom = useRef(onZoom);
  zoom.current = onZoom;
  // Read when the axis is drawn: a plot kept across periods (new data, same series) labels its ticks for the period shown now.
  const span = useRef(spanMs);
  span.current = spanMs;
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
    const barPaths = bars ? uPlot.paths.bars?.({ size: [0.8, 24] }) : undefined;
    plot.current = new uPlot(
      {
        width: box.current.clientWidth || 480,
        height: 200,
        // Ticks fall on Paris hours and midnights whatever the browser's zone (their labels are Paris time).
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Europe/Paris'),
        scales: unit === 'pct' ? { y: { range: [0, 100] } } : {},
        // Dragging selects a stretch; the page loads it (its own step) instead of stretching what it has.
        cursor: { drag: { x: true, y: false, setScale: false } },
        hooks: {
          setSelect: [
            (u) => {
              if (u.select.width < 5) return;
              const from = u.posToVal(u.select.left, 'x') * 1000;
              const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              zoom.current?.(from, to);
            },
          ],
        },
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
        axes: [
          {
            label: t('chart.axis.time'),
            labelSize: 18,
            values: (_u, vals) => {
              const text = timeTicks(
                vals.map((v) => v * 1000),
                span.current,
              );
              figure.current?.setAttribute('data-x-ticks', text.join(' | '));
              return text;
            },
          },
          {
            label: unitAxis(unit),
            labelSize: 18,
            size: 90,
            values: (_u, vals) => {
              // Every value tick carries its unit (issue 18, point 9); kept on the figure as the time ticks are, for tests and screen readers' neighbours.
              const text = vals.map((v) => formatValue(v, unit));
              figure.current?.setAttribute('data-y-ticks', text.join(' | '));
              return text;
            },
          },
        ],
      },
      data,
      box.current,
    );
  }, [series, spanMs]);

  useEffect(() => {
    const ro = new ResizeObserver(() => {
      if (plot.current && box.current) plot.current.setSize({ width: box.current.clientWidth, height: 200 });
    });
    if (box.current) ro.observe(box.current);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  const dataAttrs: Record<string, string | number> = { ...attrs, 'data-points': n, 'data-x-axis': t('chart.axis.time'), 'data-y-axis': unitAxis(unit) };
  return (
    <figure class="chart" ref={figure} {...dataAttrs}>
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-box" />
      {series && n === 0 && <p class="muted">{t('device.noData')}</p>}
    </figure>
  );
}
