import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api } from '../api.js';
import { currentLang, fmt, TIME_ZONE, t } from '../i18n/i18n.js';

export type Range = 'hour' | 'day' | 'month' | 'twoYears';
/** Span and bucket of each range (the collector picks raw, 5 min or 1 h rollups from the step). */
export const RANGES: Record<Range, { spanMs: number; step?: string }> = {
  hour: { spanMs: 3600_000 },
  day: { spanMs: 86_400_000, step: '5m' },
  month: { spanMs: 30 * 86_400_000, step: '6h' },
  twoYears: { spanMs: 730 * 86_400_000, step: '1d' },
};

interface SeriesPoints {
  key: string;
  labels: Record<string, string>;
  points: [number, number][];
}

const COLORS = ['#2563eb', '#16a34a', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

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

function seriesLabel(s: SeriesPoints, title: string): string {
  const l = Object.values(s.labels);
  return l.length ? l.join(' ') : title;
}

/** Axis ticks in Paris time, in the reader's language: hours within two days, then days, then months. */
function timeTicks(spanMs: number): Intl.DateTimeFormat {
  const locale = currentLang() === 'en' ? 'en-GB' : 'fr-FR';
  if (spanMs <= 2 * 86_400_000) return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone: TIME_ZONE });
  if (spanMs <= 120 * 86_400_000) return new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', timeZone: TIME_ZONE });
  return new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: TIME_ZONE });
}

/**
 * One metric of a device over a range, drawn with uPlot. The hour view refreshes itself every
 * 15 s, so it follows the agent's samples as they arrive.
 */
export function MetricChart({ deviceId, name, title, range, unit }: { deviceId: number; name: string; title: string; range: Range; unit?: 'bytes' | 'pct' }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [empty, setEmpty] = useState(false);
  const [points, setPoints] = useState(0);

  useEffect(() => {
    let stopped = false;
    const draw = async () => {
      const r = RANGES[range];
      const to = Date.now();
      const params = new URLSearchParams({ name, from: String(to - r.spanMs), to: String(to), agg: 'avg' });
      if (r.step) params.set('step', r.step);
      let series: SeriesPoints[];
      try {
        series = (await api<{ series: SeriesPoints[] }>(`/api/v1/devices/${deviceId}/metrics?${params}`)).series;
      } catch {
        return;
      }
      if (stopped || !box.current) return;
      const data = alignSeries(series);
      const n = data[0].length;
      setEmpty(n === 0);
      setPoints(n);
      if (plot.current && plot.current.series.length === series.length + 1) {
        plot.current.setData(data);
        return;
      }
      plot.current?.destroy();
      if (n === 0) {
        plot.current = null;
        return;
      }
      const ticks = timeTicks(r.spanMs);
      const fmtValue = (v: number | null) => (v == null ? '—' : unit === 'bytes' ? fmt.bytes(v) : `${fmt.number(v)}${unit === 'pct' ? ' %' : ''}`);
      plot.current = new uPlot(
        {
          width: box.current.clientWidth || 480,
          height: 180,
          scales: unit === 'pct' ? { y: { range: [0, 100] } } : {},
          series: [
            { label: t('chart.time'), value: (_u: uPlot, v: number | null) => (v == null ? '—' : fmt.dateTime(v * 1000)) },
            ...series.map((s, i) => ({
              label: seriesLabel(s, title),
              stroke: COLORS[i % COLORS.length],
              width: 1.5,
              spanGaps: false,
              value: (_u: uPlot, v: number | null) => fmtValue(v),
            })),
          ],
          axes: [{ values: (_u, vals) => vals.map((v) => ticks.format(v * 1000)) }, { size: 84, values: (_u, vals) => vals.map((v) => fmtValue(v)) }],
        },
        data,
        box.current,
      );
    };
    draw();
    const every = range === 'hour' ? setInterval(draw, 15_000) : undefined;
    const ro = new ResizeObserver(() => {
      if (plot.current && box.current) plot.current.setSize({ width: box.current.clientWidth, height: 180 });
    });
    if (box.current) ro.observe(box.current);
    return () => {
      stopped = true;
      clearInterval(every);
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [deviceId, name, range]);

  return (
    <figure class="chart" data-metric={name} data-points={points}>
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-box" />
      {empty && <p class="muted">{t('device.noData')}</p>}
    </figure>
  );
}
